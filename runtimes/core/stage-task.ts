/**
 * The task both runtimes run (`Task` in `src/engine/task.ts`): one stage × one partition of
 * the physical plan — its operators fused, its inputs, its exchange parts and sink batches,
 * its state segments and its dead letters. The cluster's workers run one per stage
 * partition; the local runtime runs one for the whole plan (one partition needs no
 * exchange, so every stage is one task).
 *
 * @module
 */
import type { EdgeBatch, Prepared, Task, TaskBatch, TaskId, TaskInput, TaskOutput } from '../../src/engine/task.js';
import type { DeadLetter } from '../../src/io/connector.js';
import type { IRNode, NodeOf } from '../../src/ir/nodes.js';
import type { PhysicalPlan, ShuffleEdge, Stage } from '../../src/planner/types.js';
import type { RunMetrics } from '../../src/runtime.js';
import type { BatchContext, Env, Executor, ExecutorState, ExecutorTable } from '../local/executor.js';
import { fuseWithCombiners, type CombineAfter } from '../local/fuse.js';
import { eventTimeOf, maxEventTime, type EventWindowExecutor } from '../local/ops/event-window.js';
import type { SourceExecutor } from '../local/ops/source.js';
import type { StateWriter } from './checkpoint.js';
import { runNodes } from './run-nodes.js';
import { splitBatch } from './split-batch.js';
import { canSnapshot, KEEPS_STATE, sourcePosition } from './state.js';
import type { TaskDeadLetters } from './task-dead-letters.js';

/** A node of a task that keeps something across batches, and its executor (as built, before fusion). */
export interface HeldState {
  readonly node: IRNode;
  readonly ex: Executor;
}

/** What the physical plan says of one task: its nodes, inputs and outputs. */
export interface TaskPlan {
  readonly id: TaskId;
  /**
   * The stage's nodes that have this partition, sinks excluded, in topological order; an
   * exchange input renamed to its edge id. Build their executors from the plan's nodes
   * (`env.node(id)`), which name their real inputs.
   */
  readonly nodes: readonly IRNode[];
  /** Sinks fed by the task: sink node id and its input node. */
  readonly sinks: ReadonlyArray<{ readonly id: string; readonly input: string }>;
  readonly exchangesIn: readonly ShuffleEdge[];
  readonly exchangesOut: readonly ShuffleEdge[];
  /** Forward inputs: the producing node and its stage (same partition index). */
  readonly forwardIn: ReadonlyArray<{ readonly from: string; readonly stage: string }>;
}

/**
 * Partition `p` of `stage` of a physical plan, as a task: the nodes it runs (exchange inputs
 * read under their edge ids), its sinks, its exchange edges in and out and its forward inputs.
 *
 * @example
 * ```ts
 * const tp = taskPlan(phys, phys.stages[1], 0);
 * const execs = tp.nodes.map(({ id }) => table[env.node(id).kind](env.node(id), env));
 * const task = new StageTask({ ...tp, execs, env, dead, keyGroups: phys.keyGroups, table });
 * ```
 */
export function taskPlan(phys: PhysicalPlan, stage: Stage, p: number): TaskPlan {
  const byId = new Map(phys.plan.nodes.map((n) => [n.id, n]));
  const present = stage.nodes.filter((id) => phys.nodePartitions[id] > p).map((id) => byId.get(id)!);
  const exchangesIn = phys.edges.filter((e) => e.toStage === stage.id && phys.nodePartitions[e.to] > p);
  const nodes: IRNode[] = [];
  const sinks: Array<{ id: string; input: string }> = [];
  for (const n of present) {
    if (n.kind === 'sink') { sinks.push({ id: n.id, input: n.inputs[0].from }); continue; }
    const inputs = n.inputs.map((inp, k) => {
      const e = exchangesIn.find((x) => x.to === n.id && x.input === k);
      return e ? { from: e.id, edge: inp.edge } : inp;
    });
    nodes.push({ ...n, inputs } as IRNode);
  }
  const forwardIn = stage.inputs
    .filter((i): i is Extract<typeof i, { kind: 'forward' }> => i.kind === 'forward')
    .filter((i) => phys.nodePartitions[i.to] > p)
    .map((i) => ({ from: i.from, stage: i.stage }));
  const exchangesOut = phys.edges.filter((e) => e.fromStage === stage.id && phys.nodePartitions[e.from] > p);
  return { id: { stage: stage.id, partition: p }, nodes, sinks, exchangesIn, exchangesOut, forwardIn };
}

/** What a {@link StageTask} is built from. */
export interface StageTaskSpec {
  readonly id: TaskId;
  /** The task's nodes in topological order, sinks it runs itself included; an exchange input is read under its edge id. */
  readonly nodes: readonly IRNode[];
  /** The executor of each node, index for index (sources wrapped as the runtime reads them). */
  readonly execs: readonly Executor[];
  readonly env: Env;
  readonly dead: TaskDeadLetters;
  /** Exchange edges into the task. */
  readonly exchangesIn?: readonly ShuffleEdge[];
  /** Exchange edges out of the task, and the key groups their hash parts follow. */
  readonly exchangesOut?: readonly ShuffleEdge[];
  readonly keyGroups?: number;
  /** Builds an edge's map-side combiner: the consumer's executor (reduceByKey, countByValue). */
  readonly table?: ExecutorTable;
  /** Sink partitions the runtime prepares with the task's batches: sink node id and its input node. */
  readonly sinks?: ReadonlyArray<{ readonly id: string; readonly input: string }>;
  /** Writes the task's state segments (asked for on the first checkpoint). */
  readonly stateWriter?: () => StateWriter;
  /** Partitions of a node in this run (1 when absent). */
  readonly partitionsOf?: (node: string) => number;
}

/**
 * One stage × one partition: runs its fused operators over a batch's inputs, splits what
 * leaves through exchanges into one part per consumer partition, writes its state segments
 * on a checkpoint and keeps its dead letters.
 *
 * @example
 * ```ts
 * const task = new StageTask({ id: { stage: 'stage-0', partition: 0 }, nodes, execs, env, dead });
 * await task.open();
 * const out = await task.process(t, [], { final: false, metrics });
 * ```
 */
export class StageTask implements Task {
  readonly id: TaskId;
  readonly nodes: readonly IRNode[];
  /** The executors run (chains of stateless operators fused), index for index with `nodes`. */
  readonly execs: readonly Executor[];
  readonly sources: readonly SourceExecutor[];
  /** The nodes that keep state across batches, as built (what a checkpoint snapshots). */
  readonly held: readonly HeldState[];
  readonly dead: TaskDeadLetters;
  private readonly exchangesIn: readonly ShuffleEdge[];
  private readonly exchangesOut: readonly ShuffleEdge[];
  private readonly sinks: ReadonlyArray<{ readonly id: string; readonly input: string }>;
  /** Map-side combiners by edge id. */
  private readonly combiners = new Map<string, Executor>();
  /** Edges out into event-time windows: the timestamp function whose largest value each part carries. */
  private readonly eventTimeOut = new Map<string, (r: unknown) => number>();
  /** Edges into this task's event-time windows: the window's executor, told each batch's largest event time. */
  private readonly eventTimeIn = new Map<string, EventWindowExecutor>();

  constructor(private readonly spec: StageTaskSpec) {
    const { id, nodes, execs, env } = spec;
    this.id = id;
    this.nodes = nodes;
    this.dead = spec.dead;
    this.exchangesIn = spec.exchangesIn ?? [];
    this.exchangesOut = spec.exchangesOut ?? [];
    this.sinks = spec.sinks ?? [];
    this.sources = execs.filter((_, i) => nodes[i].kind === 'source') as SourceExecutor[];
    this.held = nodes.flatMap((node, i) => (KEEPS_STATE.has(node.kind) ? [{ node, ex: execs[i] }] : []));
    const combineAfter = new Map<string, CombineAfter>();
    for (const e of this.exchangesOut) {
      const to = env.node(e.to);
      if (e.combine && to.kind === e.combine) this.combiners.set(e.id, (spec.table![to.kind] as (n: IRNode, env: Env) => Executor)(to, env));
      if (e.combine === 'reduceByKey' && to.kind === 'reduceByKey') combineAfter.set(e.from, { id: to.id, f: env.fns(to.id).f as CombineAfter['f'] });
    }
    // Operator fusion (fuse.ts): the same results with fewer passes; a chain before a map-side combine folds into it.
    const fused = fuseWithCombiners(nodes, execs, env, combineAfter);
    this.execs = fused.execs;
    for (const e of this.exchangesOut) {
      const f = fused.combined.get(e.from);
      if (f) this.combiners.set(e.id, f);
      if (e.eventTime) this.eventTimeOut.set(e.id, eventTimeOf(env.node(e.to) as NodeOf<'eventWindow'>, env).ts);
    }
    for (const e of this.exchangesIn) if (e.eventTime) this.eventTimeIn.set(e.id, this.execs[nodes.findIndex((n) => n.id === e.to)] as EventWindowExecutor);
  }

  restore(read: (node: string) => unknown): void {
    for (const { node, ex } of this.held) {
      const s = read(node.id) as ExecutorState | undefined;
      if (s && ex.restore) ex.restore(s);
    }
  }

  async open(): Promise<void> {
    for (const ex of this.execs) await ex.start?.();
  }

  /** The nodes whose state cannot be snapshotted (a source that cannot tell its position): commits of the job are then replay points. */
  cannotSnapshot(ok: (ex: Executor) => boolean = () => false): string[] {
    return this.held.filter(({ node, ex }) => !canSnapshot(node.kind, ex) && !ok(ex)).map(({ node }) => node.id);
  }

  /** Whether every source of the task is bounded and drained. */
  get drained(): boolean {
    return this.sources.every((s) => s.done());
  }

  /** Whether a batch after `time` would still emit data an operator of the task holds (a window's kept batches). */
  holds(time: number): boolean {
    return this.execs.some((ex) => ex.holds?.(time));
  }

  async process(t: number, inputs: ReadonlyArray<TaskInput>, batch: TaskBatch & { readonly metrics: RunMetrics }): Promise<TaskOutput> {
    this.dead.beginBatch();
    const batches = new Map<string, unknown[] | undefined>();
    for (const input of inputs) {
      batches.set(input.edge, input.records);
      // The batch's largest event time over every partition: each window partition derives the global watermark.
      if (input.maxEventTime !== undefined) this.eventTimeIn.get(input.edge)?.batchMaxEventTime(input.maxEventTime);
    }
    const ctx: BatchContext = {
      time: t,
      final: batch.final,
      side: new Map(),
      metrics: batch.metrics,
      deadLetter: (origin, reason, raw) => this.dead.add(origin, reason, raw, t),
      times: batch.times,
    };
    const any = await runNodes(this.nodes, this.execs, batches, ctx);
    const parts: EdgeBatch[] = [];
    for (const e of this.exchangesOut) {
      let records = batches.get(e.from);
      const combiner = this.combiners.get(e.id);
      if (records && combiner) records = (await combiner.process([records], ctx))!;
      parts.push(...this.split(e, t, records));
    }
    const sinks = this.sinks.map((s) => ({ sink: s.id, records: batches.get(s.input) }));
    return { any, batches, parts, sinks };
  }

  /** One part of `records` per consumer partition of `e`, each with the producer's largest event time on an edge into an event-time window. */
  private split(e: ShuffleEdge, t: number, records: unknown[] | undefined): EdgeBatch[] {
    const from = this.id.partition;
    const split = records ? splitBatch(e, this.spec.keyGroups!, from, records) : undefined;
    const ts = this.eventTimeOut.get(e.id);
    const max = ts && records ? maxEventTime(records, ts) : -Infinity;
    // JSON has no -Infinity: absent means no event time.
    const maxEventTime_ = max === -Infinity ? undefined : max;
    const out: EdgeBatch[] = [];
    for (let to = 0; to < e.toPartitions; to++) out.push({ edge: e.id, t, from, to, records: split?.[to], maxEventTime: maxEventTime_ });
    return out;
  }

  prepare(t: number, checkpoint: boolean): Prepared {
    if (!checkpoint) return { state: [], positions: {} };
    const p = this.id.partition;
    const state: Prepared['state'][number][] = [];
    const positions: Record<string, unknown> = {};
    for (const { node, ex } of this.held) {
      if (!ex.snapshot) continue;
      const w = this.spec.stateWriter!();
      const s = ex.snapshot(w.mode(node.id, p));
      // A source read in contiguous slices has one position for every partition: partition 0 reports it; one sliced by key, each slice its own.
      if (node.kind === 'source' && (s.keyed || p === 0)) positions[node.id] = sourcePosition(s);
      state.push(...w.write(t, node.id, p, this.spec.partitionsOf?.(node.id) ?? 1, s));
    }
    return { state, positions };
  }

  takeDeadLetters(): DeadLetter[] {
    return this.dead.take();
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const ex of this.execs) {
      try { await ex.close?.(); } catch (e) { errors.push(e); }
    }
    if (errors.length) throw errors[0];
  }
}
