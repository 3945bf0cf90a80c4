import type { IRNode } from '../ir/nodes.js';
import type { Plan } from '../ir/plan.js';
import type { Cut } from './cut-at-shuffles.js';

/**
 * Rule: the number of partitions of every node.
 * - sources: 1 (read by partition 0 of its stage), or `partitions` for a source read in
 *   slices (`sliced`, see spread-source.ts);
 * - keyed operators (hash exchange), event-time windows included: `partitions` (the
 *   exchange into a window carries each producer's largest event time, so every window
 *   partition computes the global watermark: carry-event-time.ts);
 * - gathers (reduce, count, transform, transformWith): 1 (partition 0);
 * - repartition(n): n;
 * - per-record operators right after a spread source (split exchange): `partitions`;
 * - forward operators: the most of their inputs (a union of a 1-partition and a keyed stream
 *   runs on every partition; the 1-partition input is empty on the others).
 * @category Planner
 */
export function assignPartitions(plan: Plan, cuts: readonly Cut[], partitions: number, sliced: ReadonlySet<string> = new Set()): Record<string, number> {
  const byNode = new Map<string, Cut[]>();
  for (const c of cuts) byNode.set(c.to, [...(byNode.get(c.to) ?? []), c]);
  const out: Record<string, number> = {};
  for (const n of plan.nodes) out[n.id] = sliced.has(n.id) ? partitions : partitionsOf(n, byNode.get(n.id), partitions, out);
  return out;
}

function partitionsOf(n: IRNode, cuts: Cut[] | undefined, partitions: number, known: Record<string, number>): number {
  if (n.kind === 'source') return 1;
  if (n.kind === 'repartition') return n.partitions;
  if (cuts?.length) return cuts[0].mode === 'hash' || cuts[0].mode === 'split' ? partitions : 1;
  return Math.max(1, ...n.inputs.map((i) => known[i.from]));
}
