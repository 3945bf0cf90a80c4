/**
 * Where the cluster runs a node kind differently from the local runtime: everything else is
 * the local executor, one instance per node and partition.
 *
 * @module
 */
import type { IRNode, NodeOf } from '../../src/ir/nodes.js';
import type { PhysicalPlan } from '../../src/planner/types.js';
import type { Env, Executor, ExecutorTable } from '../local/executor.js';
import { callBatch } from '../local/guard.js';
import { KeyMap } from '../local/keys.js';

/**
 * mapPartitions: where the stream lives in one partition (after a source, or a gather), the
 * local executor splits the batch into the stream's logical partitions exactly as the local
 * runtime does. Where it is really partitioned (after a repartition or a keyed shuffle), `f`
 * runs once on this partition's records with this partition's index.
 */
function mapPartitions(node: NodeOf<'mapPartitions'>, env: Env, local: ExecutorTable, phys: PhysicalPlan, partition: number): Executor {
  if (phys.nodePartitions[node.inputs[0].from] === 1) return local.mapPartitions(node, env);
  const f = env.fns(node.id).f as (rs: unknown[], p: number) => Iterable<unknown>;
  return {
    process([input], ctx) {
      const records = input ?? [];
      return [...callBatch(node.id, ctx, records[0], () => f(records, partition))];
    },
  };
}

/** countByValue after a map-side combine: its input is `[value, count]` partial counts, summed per value. */
const countByValueMerge = (): Executor => ({
  process([input]) {
    const m = new KeyMap<number>();
    for (const [v, n] of (input ?? []) as [unknown, number][]) { const e = m.entry(v, () => 0); e.value += n; }
    return [...m.entries()];
  },
});

/** The executor of `node` in `partition` on the cluster. */
export function clusterExecutor(node: IRNode, env: Env, local: ExecutorTable, phys: PhysicalPlan, partition: number): Executor {
  switch (node.kind) {
    case 'mapPartitions': return mapPartitions(node, env, local, phys, partition);
    case 'countByValue':
      if (phys.edges.some((e) => e.to === node.id && e.combine === 'countByValue')) return countByValueMerge();
      return local.countByValue(node, env);
    default:
      return (local[node.kind] as (n: IRNode, e: Env) => Executor)(node, env);
  }
}
