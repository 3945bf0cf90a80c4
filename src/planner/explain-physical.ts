import { describeNode } from '../ir/describe.js';
import type { Plan } from '../ir/plan.js';
import { formatMillis } from '../time/duration.js';
import { planPhysical } from './index.js';
import { partitionOfKeyGroup } from './key-groups.js';
import type { PhysicalPlan, ShuffleEdge } from './types.js';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function route(e: ShuffleEdge, keyGroups: number): string {
  switch (e.mode) {
    case 'hash': return `hash(${e.key === 'record' ? 'record' : 'key'}) over ${keyGroups} key groups`;
    case 'gather': return 'gather to partition 0';
    case 'roundRobin': return 'round-robin';
    case 'split': return 'contiguous slices in order';
  }
}

/** Which key groups each partition owns, as ranges. */
function keyGroupRanges(keyGroups: number, partitions: number): string {
  const parts: string[] = [];
  let start = 0;
  for (let g = 1; g <= keyGroups; g++) {
    if (g === keyGroups || partitionOfKeyGroup(g, keyGroups, partitions) !== partitionOfKeyGroup(start, keyGroups, partitions)) {
      parts.push(`p${partitionOfKeyGroup(start, keyGroups, partitions)}=${start}${g - 1 > start ? `-${g - 1}` : ''}`);
      start = g;
    }
  }
  return parts.join(' ');
}

/**
 * The physical plan as text: stages with their nodes and partitions, what each stage reads
 * (sources, shuffle edges, forward edges from other stages) and where its output goes, then
 * every shuffle edge with its routing, map-side combine and schema (declared, or `inferred`).
 *
 * @example
 * ```ts
 * import { explainPhysical } from './src/planner/explain-physical.js';
 * console.log(explainPhysical(pipeline.plan(), { partitions: 2 }));
 * // Physical plan word-count (batch 1s, 128 key groups, 2 partitions, hash 3f2a9c01)
 * // stage-0 (1 partition): source#0 -> flatMap#1 -> map#2
 * // ...
 * ```
 * @category Planner
 */
export function explainPhysical(plan: Plan, opts: { partitions?: number } = {}): string {
  return formatPhysical(planPhysical(plan, opts));
}

/** {@link explainPhysical} of an already planned pipeline. @category Planner */
export function formatPhysical(phys: PhysicalPlan): string {
  const { plan } = phys;
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const edge = new Map(phys.edges.map((e) => [e.id, e]));
  const lines = [
    `Physical plan ${plan.name} (batch ${formatMillis(plan.batchIntervalMs)}, ${phys.keyGroups} key groups, ${plural(phys.partitions, 'partition')}, hash ${phys.planHash.slice(0, 8)})`,
    `  key groups: ${keyGroupRanges(phys.keyGroups, phys.partitions)}`,
  ];
  for (const s of phys.stages) {
    const nodes = s.nodes.map((id) => {
      const n = byId.get(id)!;
      const detail = describeNode(n);
      const p = phys.nodePartitions[id];
      return `${id}${n.label ? ` "${n.label}"` : ''}${p !== s.partitions ? ` [${plural(p, 'partition')}]` : ''}${detail && n.kind !== 'source' && n.kind !== 'sink' ? ` (${detail})` : ''}`;
    });
    lines.push(`${s.id} (${plural(s.partitions, 'partition')}): ${nodes.join(' -> ')}`);
    for (const i of s.inputs) {
      if (i.kind === 'source') lines.push(`  <-- ${i.node} ${describeNode(byId.get(i.node)!)} (read by partition 0)`);
      else if (i.kind === 'shuffle') { const e = edge.get(i.edge)!; lines.push(`  <~~ ${e.id} from ${e.from} (${e.fromStage})`); }
      else lines.push(`  <-- ${i.from} (${i.stage}, same partition) into ${i.to}`);
    }
    for (const o of s.outputs) { const e = edge.get(o)!; lines.push(`  ~~> ${e.id} to ${e.to} (${e.toStage})`); }
    for (const k of s.sinks) lines.push(`  --> ${k} ${describeNode(byId.get(k)!)} (written by the coordinator)`);
  }
  if (phys.edges.length) lines.push('Shuffle edges:');
  for (const e of phys.edges) {
    const schema = e.schema === 'inferred' ? 'inferred' : JSON.stringify(e.schema);
    lines.push(`  ${e.id} ${e.from} ~~> ${e.to}: ${plural(e.fromPartitions, 'partition')} -> ${plural(e.toPartitions, 'partition')}, ${route(e, phys.keyGroups)}${e.combine ? `, map-side combine (${e.combine})` : ''}${e.eventTime ? `, carries max event time of ${e.eventTime}` : ''}, schema ${schema}`);
  }
  return lines.join('\n') + '\n';
}
