import { formatMillis } from '../time/duration.js';
import { describeNode } from './describe.js';
import { planHash, type Plan } from './plan.js';

/**
 * A readable description of a plan, in the manner of Kafka Streams' `Topology.describe()`:
 * one block per node with its detail, its inputs (`<--`, `<~~` for a shuffle) and its
 * consumers (`-->`).
 *
 * @example
 * ```ts
 * import { explain } from 'sluice';
 * console.log(explain(pipeline.plan()));
 * // Pipeline word-count (batch 1s, 128 key groups, hash 3f2a9c01)
 * //   source#0  textFile bounded path="data/lines.txt"
 * //     --> flatMap#1
 * ```
 * @category IR
 */
export function explain(plan: Plan): string {
  const consumers = new Map<string, string[]>();
  for (const n of plan.nodes) for (const i of n.inputs) {
    const list = consumers.get(i.from) ?? [];
    list.push(n.id);
    consumers.set(i.from, list);
  }
  const width = Math.max(...plan.nodes.map((n) => n.id.length));
  const lines = [`Pipeline ${plan.name} (batch ${formatMillis(plan.batchIntervalMs)}, ${plan.keyGroups} key groups, hash ${planHash(plan).slice(0, 8)})`];
  for (const n of plan.nodes) {
    const detail = describeNode(n);
    const label = n.label ? ` "${n.label}"` : '';
    lines.push(`  ${n.id.padEnd(width)}${label}${detail ? `  ${detail}` : ''}`);
    for (const i of n.inputs) lines.push(`    ${i.edge === 'shuffle' ? '<~~' : '<--'} ${i.from}`);
    for (const c of consumers.get(n.id) ?? []) lines.push(`    --> ${c}`);
  }
  return lines.join('\n') + '\n';
}
