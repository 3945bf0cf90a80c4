import type { ExecutorFactory } from '../executor.js';
import { callBatch } from '../guard.js';

/**
 * mapPartitions: the batch is split into the stream's partitions (round-robin, as a
 * repartition spreads records) and `f` runs once per partition.
 */
export const mapPartitions: ExecutorFactory<'mapPartitions'> = (node, env) => {
  const f = env.fns(node.id).f as (rs: unknown[], p: number) => Iterable<unknown>;
  const parts = env.partitions.get(node.inputs[0].from) ?? 1;
  return {
    process([input], ctx) {
      const records = input ?? [];
      const chunks: unknown[][] = Array.from({ length: parts }, () => []);
      if (parts === 1) chunks[0] = records;
      else for (let i = 0; i < records.length; i++) chunks[i % parts].push(records[i]);
      const out: unknown[] = [];
      chunks.forEach((chunk, p) => {
        for (const x of callBatch(node.id, ctx, chunk[0], () => f(chunk, p))) out.push(x);
      });
      return out;
    },
  };
};
