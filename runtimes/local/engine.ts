import type { Bindings } from '../../src/dsl/graph.js';
import type { DeadLetter, SinkWriter } from '../../src/io/connector.js';
import { defaultDeadLetters } from '../../src/io/dead-letters.js';
import type { IRNode } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import { nodeSlides } from '../../src/ir/validate.js';
import type { RunMetrics } from '../../src/runtime.js';
import type { Env, Executor } from './executor.js';
import { executors } from './ops/index.js';
import type { Observer } from '../../src/observe/observer.js';
import { BatchProbe } from './probe.js';
import type { SourceExecutor } from './ops/source.js';
import type { ExecutorState } from './executor.js';
import { checkpointedSource } from './checkpoints.js';
import type { StateWriter } from '../core/checkpoint.js';
import { StageTask } from '../core/stage-task.js';
import { TaskDeadLetters } from '../core/task-dead-letters.js';
import { slicedSource } from '../core/sliced-source.js';

/** How the engine is set up for one run. */
export interface EngineOptions {
  readonly zeroTime: number;
  readonly maxBatchSize: number;
  /** Sources wait for full batches (asap pacing) or take what has arrived (real time). */
  readonly wait: boolean;
  /** Partitions of each source's output (default 1). */
  readonly partitions: number;
  /** Sources snapshot as the cluster's do (and carry their input file's fingerprint): the run keeps a checkpoint directory. */
  readonly checkpointing?: boolean;
  /** Writes the state segments of a checkpoint (the run's checkpoint directory). */
  readonly stateWriter?: () => StateWriter;
}

/**
 * Runs a plan one batch at a time in this process, as one task (`runtimes/core/stage-task.ts`):
 * with one partition no exchange is needed, so the whole plan is one stage, its nodes run in
 * topological order, each fed its inputs' batches of the same time. The driver decides when
 * batches happen.
 */
export class Engine {
  readonly metrics: RunMetrics = { batches: 0, records: {}, deadLetters: 0, lateRecords: 0 };
  /** The one task: every node of the plan, partition 0 of 1. */
  readonly task: StageTask;
  private deadWriter?: SinkWriter<DeadLetter>;
  private currentTime: number;
  private probe?: BatchProbe;
  /**
   * Batches up to this time are run again for their state only (a resume that replays the job
   * from its first batch): their sinks and dead letters were written before.
   */
  replayThrough = -Infinity;

  constructor(private readonly plan: Plan, private readonly bindings: Bindings, opts: EngineOptions) {
    this.currentTime = opts.zeroTime;
    const dead = new TaskDeadLetters(() => this.currentTime, () => { this.metrics.deadLetters++; });
    const env = createEnv(plan, bindings, opts.zeroTime, opts.partitions, (origin, reason, raw) => dead.add(origin, reason, raw));
    const table = executors({ maxBatchSize: opts.maxBatchSize, wait: opts.wait });
    const execs = plan.nodes.map((n) => {
      // A source sliced by key (a directory) is read as its one slice, so its position has the cluster's shape.
      const byKey = n.kind === 'source' && bindings.sources.get(n.id)?.slicing === 'byKey';
      let ex = byKey ? slicedSource(n, env, { maxBatchSize: opts.maxBatchSize, wait: opts.wait }, 0, 1) : (table[n.kind] as (node: IRNode, env: Env) => Executor)(n, env);
      if (n.kind === 'source' && opts.checkpointing) ex = checkpointedSource(ex as SourceExecutor, n, bindings);
      if (n.kind === 'sink') ex = this.skipsReplayed(ex);
      this.metrics.records[n.id] = 0;
      return ex;
    });
    // Operator fusion happens in the task (fuse.ts): the same results, computed with fewer passes. SLUICE_FUSE=0 turns it off.
    this.task = new StageTask({ id: { stage: 'stage-0', partition: 0 }, nodes: plan.nodes, execs, env, dead, stateWriter: opts.stateWriter });
  }

  /** A sink executor that does not write the batches run again for their state only. */
  private skipsReplayed(ex: Executor): Executor {
    const skipping = Object.create(ex) as Executor;
    skipping.process = (inputs, ctx) => (ctx.time <= this.replayThrough ? undefined : ex.process(inputs, ctx));
    return skipping;
  }

  /** Puts back the state a checkpoint kept, by node id (before {@link Engine.start}). */
  restore(states: ReadonlyMap<string, ExecutorState>): void {
    this.task.restore((node) => states.get(node));
  }

  /** Reports each batch's progress to `observer` (when the run is observed). */
  observe(observer: Observer | undefined): void {
    this.probe = observer && new BatchProbe(this.task.nodes, this.task.execs, this.metrics, observer);
  }

  /** True when every source is bounded and drained. */
  get drained(): boolean {
    return this.task.drained;
  }

  /** Whether a batch after `time` would still emit data a window holds. */
  holds(time: number): boolean {
    return this.task.holds(time);
  }

  async start(): Promise<void> {
    this.deadWriter = (this.bindings.deadLetters ?? defaultDeadLetters(this.plan)).open({ operator: 'deadLetters', pipeline: this.plan.name });
    await this.task.open();
  }

  /** Runs the batch at `time`. */
  async runBatch(time: number): Promise<void> {
    await this.run(time, false);
  }

  /** After the last batch of a bounded run: what event-time windows still hold, pushed downstream at `time`. */
  async finish(time: number): Promise<void> {
    await this.run(time, true);
  }

  private async run(time: number, final: boolean): Promise<void> {
    this.currentTime = time;
    const times = this.probe?.begin();
    const { any } = await this.task.process(time, [], { final, metrics: this.metrics, times });
    // The final pass counts as a batch only when it emitted something.
    if (any || !final) {
      this.metrics.batches++;
      this.probe?.end({ time, final, times }, this.task.dead.pending);
    }
    const dead = this.task.takeDeadLetters();
    if (dead.length && time > this.replayThrough) await this.deadWriter!.write(dead, time);
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    try { await this.task.close(); } catch (e) { errors.push(e); }
    await this.deadWriter?.close();
    if (errors.length) throw errors[0];
  }
}

/**
 * What executors are built with: the plan's slides, partitions (sources have `partitions`,
 * repartition(n) has n, others inherit) and consumers. Shared with the cluster runtime,
 * which builds one executor per node and partition.
 */
export function createEnv(plan: Plan, bindings: Bindings, zeroTime: number, partitions: number, deadLetter: Env['deadLetter']): Env {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const consumers = new Map<string, IRNode[]>();
  for (const n of plan.nodes) for (const i of n.inputs) consumers.set(i.from, [...(consumers.get(i.from) ?? []), n]);
  const parts = new Map<string, number>();
  for (const n of plan.nodes) {
    parts.set(n.id, n.kind === 'source' ? partitions : n.kind === 'repartition' ? n.partitions : parts.get(n.inputs[0].from) ?? 1);
  }
  return {
    plan,
    bindings,
    zeroTime,
    slides: nodeSlides(plan),
    partitions: parts,
    consumers: (id) => consumers.get(id) ?? [],
    node: (id) => byId.get(id)!,
    fns: (id) => (bindings.fns.get(id) ?? {}) as Record<string, any>,
    deadLetter,
  };
}
