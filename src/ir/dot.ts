import { describeNode } from './describe.js';
import { STATEFUL_KINDS, type IRNode } from './nodes.js';
import type { Plan } from './plan.js';

/** Sources and sinks get house shapes pointing into and out of the graph; stateful nodes a double border. */
function shape(n: IRNode): string {
  if (n.kind === 'source') return ', shape=invhouse';
  if (n.kind === 'sink') return ', shape=house';
  return STATEFUL_KINDS.has(n.kind) ? ', peripheries=2' : '';
}

/**
 * The plan as a Graphviz `digraph`: one box per node labelled with its id, user label and
 * detail (one per line); sources and sinks as house shapes, stateful operators with a
 * double border, dashed edges for shuffles.
 *
 * @example
 * ```ts
 * import { toDot } from 'sluice';
 * writeFileSync('plan.dot', toDot(pipeline.plan())); // then: dot -Tpng plan.dot
 * ```
 * @category IR
 */
export function toDot(plan: Plan): string {
  // JSON string syntax is DOT's: "\n" is a line break, '\"' a quote.
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(plan.name)} {`, '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const n of plan.nodes) {
    const label = [n.id, n.label ? JSON.stringify(n.label) : '', describeNode(n)].filter(Boolean).join('\n');
    lines.push(`  ${q(n.id)} [label=${q(label)}${shape(n)}];`);
  }
  for (const n of plan.nodes) for (const i of n.inputs) {
    lines.push(`  ${q(i.from)} -> ${q(n.id)}${i.edge === 'shuffle' ? ' [style=dashed, label="shuffle"]' : ''};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
