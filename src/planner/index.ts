/**
 * The planner: from a plan (IR) to a physical plan — stages of fused narrow operators, cut
 * at shuffles, with partitions per node and map-side combines. Pure: no I/O, no functions.
 * One rule per file.
 *
 * @module
 */
import { PipelineError } from '../errors.js';
import type { AvroSchemaJson, IRNode } from '../ir/nodes.js';
import { planHash, type Plan } from '../ir/plan.js';
import { assignPartitions } from './assign-partitions.js';
import { carryEventTime } from './carry-event-time.js';
import { combineBeforeShuffle } from './combine-before-shuffle.js';
import { cutAtShuffles } from './cut-at-shuffles.js';
import { fuseNarrow } from './fuse-narrow.js';
import { spreadSources } from './spread-source.js';
import type { PhysicalPlan, PlannerOptions, ShuffleEdge, Stage, StageInput } from './types.js';

export type * from './types.js';
export { keyGroupOf, partitionOfKeyGroup, keyGroupsOfPartition, canonicalKey, hash32 } from './key-groups.js';
export { exchangeOf } from './cut-at-shuffles.js';

/** Nodes whose records have their input's type, so a declared schema carries through. */
const SAME_TYPE = new Set(['filter', 'repartition', 'union', 'window', 'eventTime']);

function schemaOf(id: string, byId: Map<string, IRNode>): AvroSchemaJson | 'inferred' {
  const n = byId.get(id)!;
  if (n.kind === 'source') return n.schema ?? 'inferred';
  if (SAME_TYPE.has(n.kind)) return schemaOf(n.inputs[0].from, byId);
  return 'inferred';
}

/** Orders groups so that every group comes after the groups it reads from (ties: plan order). */
function orderGroups(plan: Plan, groups: string[][]): string[][] {
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
  const deps = groups.map(() => new Set<number>());
  for (const n of plan.nodes) for (const i of n.inputs) {
    const a = groupOf.get(i.from)!;
    const b = groupOf.get(n.id)!;
    if (a !== b) deps[b].add(a);
  }
  const index = new Map(plan.nodes.map((n, i) => [n.id, i]));
  const first = groups.map((g) => Math.min(...g.map((id) => index.get(id)!)));
  const done = new Set<number>();
  const order: number[] = [];
  while (order.length < groups.length) {
    const ready = groups.map((_, i) => i).filter((i) => !done.has(i) && [...deps[i]].every((d) => done.has(d)));
    if (!ready.length) throw new PipelineError(`planner: the stages of pipeline ${plan.name} form a cycle`);
    ready.sort((a, b) => first[a] - first[b]);
    done.add(ready[0]);
    order.push(ready[0]);
  }
  return order.map((i) => groups[i]);
}

/**
 * Plans a pipeline for the cluster runtime.
 *
 * @example
 * ```ts
 * import { planPhysical } from './src/planner/index.js';
 * const phys = planPhysical(pipeline.plan(), { partitions: 4 });
 * phys.stages.map((s) => s.nodes); // [['source#0', 'flatMap#1', 'map#2'], ['reduceByKey#3', 'sink#4']]
 * ```
 * @category Planner
 */
export function planPhysical(plan: Plan, opts: PlannerOptions = {}): PhysicalPlan {
  const partitions = opts.partitions ?? 1;
  if (!Number.isInteger(partitions) || partitions < 1) throw new PipelineError(`planner: partitions must be a positive integer, got ${partitions}`);
  if (partitions > plan.keyGroups) {
    throw new PipelineError(`planner: ${partitions} partitions for ${plan.keyGroups} key groups would leave partitions without keys`, {}, `use at most ${plan.keyGroups} partitions, or more keyGroups in Pipeline.create`);
  }
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const spread = spreadSources(plan, fuseNarrow(plan), partitions, opts.sliced);
  const groups = orderGroups(plan, spread.groups);
  const nodeStage: Record<string, string> = {};
  groups.forEach((g, i) => g.forEach((id) => { nodeStage[id] = `stage-${i}`; }));
  const index = new Map(plan.nodes.map((n, i) => [n.id, i]));
  const all = [...cutAtShuffles(plan), ...spread.cuts].sort((a, b) => index.get(a.to)! - index.get(b.to)! || a.input - b.input);
  const cuts = carryEventTime(plan, combineBeforeShuffle(plan, all));
  const nodePartitions = assignPartitions(plan, cuts, partitions, spread.sliced);

  const edges: ShuffleEdge[] = cuts.map((c, i) => ({
    id: `edge-${i}`,
    ...c,
    fromStage: nodeStage[c.from],
    toStage: nodeStage[c.to],
    fromPartitions: nodePartitions[c.from],
    toPartitions: nodePartitions[c.to],
    schema: schemaOf(c.from, byId),
  }));

  const stages: Stage[] = groups.map((ids, i) => {
    const id = `stage-${i}`;
    const members = new Set(ids);
    const inputs: StageInput[] = [];
    for (const nid of ids) {
      const n = byId.get(nid)!;
      if (n.kind === 'source') inputs.push({ kind: 'source', node: nid });
      n.inputs.forEach((inp, k) => {
        if (members.has(inp.from)) return;
        const e = edges.find((x) => x.to === nid && x.input === k);
        if (e) inputs.push({ kind: 'shuffle', edge: e.id });
        else inputs.push({ kind: 'forward', from: inp.from, to: nid, stage: nodeStage[inp.from] });
      });
    }
    return {
      id,
      nodes: ids,
      partitions: Math.max(...ids.map((x) => nodePartitions[x])),
      inputs,
      outputs: edges.filter((e) => e.fromStage === id).map((e) => e.id),
      sinks: ids.filter((x) => byId.get(x)!.kind === 'sink'),
    };
  });

  return { plan, planHash: planHash(plan), keyGroups: plan.keyGroups, partitions, nodePartitions, nodeStage, stages, edges };
}
