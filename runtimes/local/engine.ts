import type { Bindings } from '../../src/dsl/graph.js';
import { rawText } from './guard.js';
import type { DeadLetter, SinkWriter } from '../../src/io/connector.js';
import { defaultDeadLetters } from '../../src/io/dead-letters.js';
import type { IRNode } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import { nodeSlides } from '../../src/ir/validate.js';
import type { RunMetrics } from '../../src/runtime.js';
import type { BatchContext, Env, Executor } from './executor.js';
import { fuse } from './fuse.js';
import { executors } from './ops/index.js';
import type { Observer } from '../../src/observe/observer.js';
import { BatchProbe } from './probe.js';
import type { SourceExecutor } from './ops/source.js';
import type { ExecutorState } from './executor.js';
import { checkpointedSource, type HeldState } from './checkpoints.js';
import { KEEPS_STATE } from '../core/state.js';

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
}

function isPromise<T>(x: unknown): x is Promise<T> {
  return !!x && typeof (x as Promise<T>).then === 'function';
}


/**
 * Runs a plan one batch at a time in this process: nodes in topological order, each fed
 * its inputs' batches of the same time. The driver decides when batches happen.
 */
export class Engine {
  readonly metrics: RunMetrics = { batches: 0, records: {}, deadLetters: 0, lateRecords: 0 };
  private readonly nodes: readonly IRNode[];
  private readonly execs: Executor[];
  private readonly sources: SourceExecutor[] = [];
  private pendingDead: DeadLetter[] = [];
  private deadWriter?: SinkWriter<DeadLetter>;
  private currentTime: number;
  private probe?: BatchProbe;
  /** The executors that keep state across batches (before fusion, which fuses only stateless ones). */
  private readonly keeping: HeldState[] = [];
  /**
   * Batches up to this time are run again for their state only (a resume that replays the job
   * from its first batch): their sinks and dead letters were written before.
   */
  replayThrough = -Infinity;

  constructor(private readonly plan: Plan, private readonly bindings: Bindings, opts: EngineOptions) {
    this.nodes = plan.nodes;
    this.currentTime = opts.zeroTime;
    const env = createEnv(plan, bindings, opts.zeroTime, opts.partitions, (origin, reason, raw) => this.dead(origin, reason, raw));
    const table = executors({ maxBatchSize: opts.maxBatchSize, wait: opts.wait });
    this.execs = plan.nodes.map((n) => {
      let ex = (table[n.kind] as (node: IRNode, env: Env) => Executor)(n, env);
      if (n.kind === 'source' && opts.checkpointing) ex = checkpointedSource(ex as SourceExecutor, n, bindings);
      if (n.kind === 'source') this.sources.push(ex as SourceExecutor);
      if (n.kind === 'sink') ex = this.skipsReplayed(ex);
      if (KEEPS_STATE.has(n.kind)) this.keeping.push({ node: n, ex });
      this.metrics.records[n.id] = 0;
      return ex;
    });
    this.holders = this.execs.filter((ex) => ex.holds !== undefined);
    // Operator fusion (fuse.ts): the same results, computed with fewer passes. SLUICE_FUSE=0 turns it off.
    this.execs = fuse(plan.nodes, this.execs, env);
  }

  /** A sink executor that does not write the batches run again for their state only. */
  private skipsReplayed(ex: Executor): Executor {
    const skipping = Object.create(ex) as Executor;
    skipping.process = (inputs, ctx) => (ctx.time <= this.replayThrough ? undefined : ex.process(inputs, ctx));
    return skipping;
  }

  /** The nodes that keep state across batches, with their executors (what a checkpoint snapshots). */
  held(): readonly HeldState[] {
    return this.keeping;
  }

  /** Puts back the state a checkpoint kept, by node id (before {@link Engine.start}). */
  restore(states: ReadonlyMap<string, ExecutorState>): void {
    for (const { node, ex } of this.keeping) {
      const s = states.get(node.id);
      if (s && ex.restore) ex.restore(s);
    }
  }

  /** The executors that can hold data for later batches (windows). */
  private readonly holders: Executor[];

  /** Reports each batch's progress to `observer` (when the run is observed). */
  observe(observer: Observer | undefined): void {
    this.probe = observer && new BatchProbe(this.nodes, this.execs, this.metrics, observer);
  }

  /** True when every source is bounded and drained. */
  get drained(): boolean {
    return this.sources.every((s) => s.done());
  }

  /** Whether a batch after `time` would still emit data a window holds. */
  holds(time: number): boolean {
    return this.holders.some((ex) => ex.holds!(time));
  }

  async start(): Promise<void> {
    this.deadWriter = (this.bindings.deadLetters ?? defaultDeadLetters(this.plan)).open({ operator: 'deadLetters', pipeline: this.plan.name });
    for (const ex of this.execs) if (ex.start) await ex.start();
  }

  private dead(origin: string, reason: string, raw: unknown): void {
    this.metrics.deadLetters++;
    this.pendingDead.push({ origin, reason, raw: rawText(raw), batchTime: this.currentTime });
  }

  private context(time: number, final: boolean): BatchContext {
    return { time, final, side: new Map(), metrics: this.metrics, deadLetter: (o, r, raw) => this.dead(o, r, raw), times: this.probe?.begin() };
  }

  /** Runs the batch at `time`. */
  async runBatch(time: number): Promise<void> {
    this.currentTime = time;
    const ctx = this.context(time, false);
    await runNodes(this.nodes, this.execs, new Map(), ctx);
    this.metrics.batches++;
    this.probe?.end(ctx, this.pendingDead);
    await this.flushDead(time);
  }

  /** After the last batch of a bounded run: what event-time windows still hold, pushed downstream at `time`. */
  async finish(time: number): Promise<void> {
    this.currentTime = time;
    const ctx = this.context(time, true);
    const any = await runNodes(this.nodes, this.execs, new Map(), ctx);
    if (any) this.metrics.batches++;
    if (any) this.probe?.end(ctx, this.pendingDead);
    await this.flushDead(time);
  }

  private async flushDead(time: number): Promise<void> {
    if (!this.pendingDead.length) return;
    if (time <= this.replayThrough) { this.pendingDead = []; return; }
    const batch = this.pendingDead;
    this.pendingDead = [];
    await this.deadWriter!.write(batch, time);
  }

  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const ex of this.execs) {
      try { await ex.close?.(); } catch (e) { errors.push(e); }
    }
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

/**
 * Runs `nodes` (in topological order, `execs[i]` the executor of `nodes[i]`) for one batch:
 * each node is fed its inputs' batches of the same time, read from `outputs`, where the
 * caller puts the batches of inputs from outside the set and where each node's batch is
 * put. A node none of whose inputs produced a batch produces none. In the final pass
 * (`ctx.final`) nodes with `finish` flush what they hold and sources are not polled.
 * Counts records in `ctx.metrics`; returns whether any node produced a batch.
 */
export async function runNodes(nodes: readonly IRNode[], execs: readonly Executor[], outputs: Map<string, unknown[] | undefined>, ctx: BatchContext): Promise<boolean> {
  let any = false;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const ex = execs[i];
    let out: unknown[] | undefined;
    const t0 = ctx.times ? performance.now() : 0;
    if (ctx.final && ex.finish) out = ex.finish(ctx);
    else if (n.kind === 'source') {
      if (!ctx.final) out = (await ex.process([], ctx)) as unknown[];
    } else {
      const inputs = n.inputs.map((x) => outputs.get(x.from));
      if (inputs.some((x) => x !== undefined)) {
        const r = ex.process(inputs, ctx);
        out = isPromise<unknown[] | undefined>(r) ? await r : r;
      }
    }
    if (ctx.times) ctx.times[n.id] = (ctx.times[n.id] ?? 0) + performance.now() - t0;
    outputs.set(n.id, out);
    if (out) {
      any = true;
      ctx.metrics.records[n.id] = (ctx.metrics.records[n.id] ?? 0) + out.length;
    }
  }
  return any;
}
