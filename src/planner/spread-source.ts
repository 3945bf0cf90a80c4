import type { NodeKind } from '../ir/nodes.js';
import type { Plan } from '../ir/plan.js';
import type { Cut } from './cut-at-shuffles.js';

/** Operators that look at one record at a time, so a batch cut into contiguous slices gives the same records in the same order. */
const PER_RECORD = new Set<NodeKind>(['map', 'flatMap', 'filter', 'mapValues', 'flatMapValues', 'eventTime', 'keyBy', 'staticJoin']);

/**
 * Rule: spread what a source reads over the partitions. A source that can be read in
 * slices (`sliced`) stays in its stage, which then runs on every partition, each reading
 * its own contiguous slice of every batch (the same records as the split exchange below,
 * without a trip through partition 0).
 * A source that cannot split is read
 * by partition 0; when the rest of its stage is per-record operators only (map, flatMap,
 * filter, …), the batch is cut into `partitions` contiguous slices right after the source,
 * so that those operators (and the map-side combine after them) run on every worker.
 * Contiguous slices, concatenated again in partition order wherever they meet (a sink, a
 * gather, each key's values after a keyed shuffle), keep the order of the local runtime.
 * Stages with anything else (windows, mapPartitions, unions) stay on partition 0.
 *
 * Returns the groups (the source alone, then the rest), the cuts it adds and the sources
 * read in slices.
 * @category Planner
 */
export function spreadSources(plan: Plan, groups: string[][], partitions: number, sliced: ReadonlySet<string> = new Set()): { groups: string[][]; cuts: Cut[]; sliced: Set<string> } {
  const read = new Set<string>();
  if (partitions < 2) return { groups, cuts: [], sliced: read };
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const out: string[][] = [];
  const cuts: Cut[] = [];
  for (const g of groups) {
    const sources = g.filter((id) => byId.get(id)!.kind === 'source');
    const rest = g.filter((id) => byId.get(id)!.kind !== 'source' && byId.get(id)!.kind !== 'sink');
    const src = sources[0];
    const spreadable = sources.length === 1 && rest.length > 0
      && rest.every((id) => { const n = byId.get(id)!; return PER_RECORD.has(n.kind) && n.inputs.length === 1; })
      && !g.some((id) => byId.get(id)!.kind === 'sink' && byId.get(id)!.inputs[0].from === src);
    if (!spreadable) { out.push(g); continue; }
    if (sliced.has(src)) { out.push(g); read.add(src); continue; }
    out.push([src], g.filter((id) => id !== src));
    for (const id of rest) if (byId.get(id)!.inputs[0].from === src) cuts.push({ from: src, to: id, input: 0, mode: 'split' });
  }
  return { groups: out, cuts, sliced: read };
}
