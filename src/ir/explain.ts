import { avroName } from '../schema/schema.js';
import { formatMillis } from '../time/duration.js';
import { describeNode } from './describe.js';
import type { IRNode } from './nodes.js';
import { planHash, type Plan } from './plan.js';
import { nodeSlides } from './validate.js';

/** Nodes that set their own slide rather than inheriting their input's. */
const SLIDING = new Set<IRNode['kind']>(['window', 'reduceByKeyAndWindow', 'groupByKeyAndWindow']);

/** The name of a source's declared schema (`Reading`), or its Avro type. */
function sourceSchema(n: IRNode): string | undefined {
  if (n.kind !== 'source' || n.schema === undefined) return undefined;
  return avroName(n.schema);
}

/** How often each node produces a batch, or nothing when the plan's slides do not check out. */
function slidesOf(plan: Plan): Map<string, number> {
  try {
    return nodeSlides(plan);
  } catch {
    return new Map();
  }
}

/**
 * A readable description of a plan, in the manner of Kafka Streams' `Topology.describe()`:
 * one entry per node in topological order — its id (`<kind>#<n>`, which also tells its
 * role), label and detail in parentheses — followed by the nodes it feeds (`-->`) and the
 * nodes it reads (`<--`, or `<~~` when its input is shuffled by key). A node that runs less
 * often than every batch (downstream of a window) says `every <slide>`.
 *
 * @example
 * ```ts
 * import { explain } from 'sluice';
 * console.log(explain(pipeline.plan()));
 * // Pipeline word-count (batch 1s, 128 key groups, hash 2eb57e80)
 * //   source#0 (textFile bounded path="data/lines.txt")
 * //     --> flatMap#1
 * //   flatMap#1 "split words"
 * //     --> filter#2
 * //     <-- source#0
 * //   …
 * //   reduceByKey#4
 * //     --> sink#5
 * //     <~~ map#3
 * ```
 * @category IR
 */
export function explain(plan: Plan): string {
  const consumers = new Map<string, string[]>();
  for (const n of plan.nodes) for (const i of n.inputs) {
    const list = consumers.get(i.from) ?? [];
    if (!list.includes(n.id)) list.push(n.id);
    consumers.set(i.from, list);
  }
  const slides = slidesOf(plan);
  const lines = [`Pipeline ${plan.name} (batch ${formatMillis(plan.batchIntervalMs)}, ${plan.keyGroups} key groups, hash ${planHash(plan).slice(0, 8)})`];
  let shuffles = false;
  for (const n of plan.nodes) {
    const details = [describeNode(n)];
    const schema = sourceSchema(n);
    if (schema) details.push(`schema ${schema}`);
    const slide = slides.get(n.id);
    if (slide !== undefined && slide !== plan.batchIntervalMs && !SLIDING.has(n.kind)) details.push(`every ${formatMillis(slide)}`);
    const detail = details.filter(Boolean).join(', ');
    lines.push(`  ${n.id}${n.label ? ` ${JSON.stringify(n.label)}` : ''}${detail ? ` (${detail})` : ''}`);
    const out = consumers.get(n.id);
    if (out) lines.push(`    --> ${out.join(', ')}`);
    const forward = n.inputs.filter((i) => i.edge === 'forward').map((i) => i.from);
    const shuffled = n.inputs.filter((i) => i.edge === 'shuffle').map((i) => i.from);
    if (forward.length) lines.push(`    <-- ${forward.join(', ')}`);
    if (shuffled.length) lines.push(`    <~~ ${shuffled.join(', ')}`);
    shuffles ||= shuffled.length > 0;
  }
  if (shuffles) lines.push('(<~~: the input is shuffled by key)');
  return lines.join('\n') + '\n';
}
