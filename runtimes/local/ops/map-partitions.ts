import type { Env, ExecutorFactory } from '../executor.js';
import { callBatch } from '../guard.js';
import { sliceBounds } from '../../../src/io/connector.js';

/** Whether the partitions of node `id` were made by a repartition (else by its source). */
function repartitioned(id: string, env: Env): boolean {
  for (let n = env.node(id); ; n = env.node(n.inputs[0].from)) {
    if (n.kind === 'repartition') return true;
    if (n.kind === 'source' || n.inputs.length === 0) return false;
  }
}

/**
 * mapPartitions: the batch is split into the stream's partitions and `f` runs once per
 * partition (also an empty one). A source's batch is cut into contiguous slices, as Spark
 * slices a collection (partition i holds records [i·n/p, (i+1)·n/p)); a repartition
 * spreads records round-robin.
 */
export const mapPartitions: ExecutorFactory<'mapPartitions'> = (node, env) => {
  const f = env.fns(node.id).f as (rs: unknown[], p: number) => Iterable<unknown>;
  const from = node.inputs[0].from;
  const parts = env.partitions.get(from) ?? 1;
  const roundRobin = repartitioned(from, env);
  function split(records: unknown[]): unknown[][] {
    if (parts === 1) return [records];
    if (roundRobin) {
      const chunks: unknown[][] = Array.from({ length: parts }, () => []);
      for (let i = 0; i < records.length; i++) chunks[i % parts].push(records[i]);
      return chunks;
    }
    return Array.from({ length: parts }, (_, index) => records.slice(...sliceBounds(records.length, { index, count: parts })));
  }
  return {
    process([input], ctx) {
      const out: unknown[] = [];
      split(input ?? []).forEach((chunk, p) => {
        for (const x of callBatch(node.id, ctx, chunk[0], () => f(chunk, p))) out.push(x);
      });
      return out;
    },
  };
};
