import { describeNode } from './describe.js';
import type { Plan } from './plan.js';

/**
 * The plan as a Graphviz `digraph`: one box per node, dashed edges for shuffles.
 *
 * @example
 * ```ts
 * import { toDot } from 'sluice';
 * writeFileSync('plan.dot', toDot(pipeline.plan())); // then: dot -Tpng plan.dot
 * ```
 * @category IR
 */
export function toDot(plan: Plan): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(plan.name)} {`, '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const n of plan.nodes) {
    const detail = describeNode(n);
    lines.push(`  ${q(n.id)} [label=${q(detail ? `${n.id}\\n${detail}` : n.id)}];`);
  }
  for (const n of plan.nodes) for (const i of n.inputs) {
    lines.push(`  ${q(i.from)} -> ${q(n.id)}${i.edge === 'shuffle' ? ' [style=dashed, label="shuffle"]' : ''};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
