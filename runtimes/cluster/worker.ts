/**
 * A worker process of the cluster runtime: it rebuilds the pipeline, proves with its plan
 * hash that it built the same one, then runs its partitions of every stage batch by batch
 * as the coordinator says. Partition p of every stage runs in worker `p mod N`.
 *
 * @module
 */
import type { Bindings } from '../../src/dsl/graph.js';
import type { Pipeline } from '../../src/dsl/pipeline.js';
import type { DeadLetter } from '../../src/io/connector.js';
import { defaultDeadLetters } from '../../src/io/dead-letters.js';
import { committableOf, type CommittableSink, type CommittableSinkPartition } from '../../src/engine/commit-sink.js';
import { crashPoint } from '../../src/engine/crash-points.js';
import { planHash, type Plan } from '../../src/ir/plan.js';
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import type { ShuffleEdge, Stage } from '../../src/planner/types.js';
import type { RunMetrics } from '../../src/runtime.js';
import { createEnv } from '../local/engine.js';
import type { BatchContext, Env } from '../local/executor.js';
import { executors } from '../local/ops/index.js';
import type { SourceExecutor } from '../local/ops/source.js';
import { codecFor, type BatchCodec } from './codec.js';
import { toWire } from './errors.js';
import { debug } from './log.js';
import { clusterExecutor } from './ops.js';
import type { FromWorker, StateSegment, ToWorker } from './protocol.js';
import { ShuffleReader } from './shuffle.js';
import { Exchange, type PartHeader } from './exchange.js';
import { fingerprinting } from '../core/input-guard.js';
import { canSlice, SLICED, slicedSource, unitGroupOf, type SliceWeights } from '../core/sliced-source.js';
import { balancedSources, contiguous, partitionWeights } from './balance.js';
import { restorePartition, StateWriter, type RestorePoint } from '../core/checkpoint.js';
import { StageTask, taskPlan } from '../core/stage-task.js';
import { TaskDeadLetters } from '../core/task-dead-letters.js';
import { mergePositions, taskName, type EdgeBatch, type TaskInput } from '../../src/engine/task.js';
import { workerStats } from './batch-stats.js';

type StartMsg = Extract<ToWorker, { type: 'start' }>;
type JobMsg = Extract<ToWorker, { type: 'job' }>;

/** One partition of one stage in this worker: its task, and where its inputs come from. */
interface StagePartition {
  readonly stage: Stage;
  readonly partition: number;
  readonly task: StageTask;
  /** Exchange edges into the partition (read under their ids). */
  readonly shuffleIn: readonly ShuffleEdge[];
  /** Forward inputs from other stages: producer node and stage. */
  readonly forwardIn: ReadonlyArray<{ readonly from: string; readonly stage: string }>;
}

/** What one job holds in a worker. */
class Job {
  readonly parts: StagePartition[] = [];
  readonly reader: ShuffleReader;
  readonly codecs = new Map<string, BatchCodec>();
  readonly edges: Map<string, ShuffleEdge>;
  currentTime = 0;
  failed = false;
  /** Where parts for partitions of other workers go (direct sockets); none with one worker. */
  exchange?: Exchange;
  /** Batches run one after the other; control messages do not wait for them. */
  batches: Promise<void> = Promise.resolve();
  /** Writes this job's state segments (full, then deltas). */
  stateWriter?: StateWriter;
  /** Sinks written here, partition by partition (prepare), and committed by worker 0: by sink node id. */
  readonly committables = new Map<string, CommittableSink<unknown>>();
  /** The dead-letter sink, when it is written here (else dead letters go to the coordinator with `done`). */
  readonly deadSink?: CommittableSink<DeadLetter>;
  /** Open sink partitions, by `<sink>/<partition>` (`deadLetters/<p>` for the dead letters). */
  readonly sinkParts = new Map<string, CommittableSinkPartition<unknown>>();
  /** Sources whose slices are balanced (`balance.ts`), and the workers' weights by the batch time they cut. */
  readonly balanced: Set<string>;
  readonly weights = new Map<number, readonly number[]>();
  /** The event loop's busy milliseconds when this worker last sent `done`. */
  busyAt = performance.eventLoopUtilization().active;

  constructor(
    readonly id: number,
    readonly worker: number,
    readonly plan: Plan,
    readonly bindings: Bindings,
    readonly start: StartMsg,
  ) {
    const phys = start.physical;
    this.edges = new Map(phys.edges.map((e) => [e.id, e]));
    this.reader = new ShuffleReader((edge) => this.edges.get(edge)!.fromPartitions);
    for (const e of phys.edges) this.codecs.set(e.id, codecFor(`${e.from}→${e.to}`, e.schema));
    for (const n of plan.nodes) if (n.kind === 'sink') this.codecs.set(n.id, codecFor(`${n.inputs[0].from}→${n.id}`, 'inferred'));
    for (const n of plan.nodes) {
      const c = n.kind === 'sink' ? committableOf<unknown>(bindings.sinks.get(n.id)) : undefined;
      if (c) this.committables.set(n.id, c);
    }
    this.deadSink = committableOf<DeadLetter>(bindings.deadLetters ?? defaultDeadLetters(plan));
    this.balanced = balancedSources(phys, (id) => contiguous(bindings.sources.get(id)), start.workers);
  }

  /** The weights of the `count` slices of the batch of time `time` (see `balance.ts`). */
  sliceWeights(count: number): SliceWeights {
    return (time) => {
      const w = this.weights.get(time);
      return w && partitionWeights(w, count);
    };
  }

  /** Partition p of a sink written here, opened on first use. */
  sinkPart<T>(id: string, p: number, sink: CommittableSink<T>): CommittableSinkPartition<T> {
    let part = this.sinkParts.get(`${id}/${p}`);
    if (!part) this.sinkParts.set(`${id}/${p}`, (part = sink.partition({ operator: id }, p) as CommittableSinkPartition<unknown>));
    return part;
  }

  codec(id: string): BatchCodec {
    return this.codecs.get(id)!;
  }
}

/** A source executor that can poll its next batch ahead of time. */
interface Prefetching extends SourceExecutor {
  /**
   * Polls the batch of time `time` now. `early`: before the batch being run has been
   * snapshotted and reported (`done`): until the prefetched batch is taken, `snapshot` and
   * `done` answer as they did before the poll.
   */
  prefetch(time: number, early?: boolean): void;
}

/**
 * Reads a source's next batch ahead of time, so that reading overlaps the end of the batch
 * elsewhere: as soon as the worker sent `done` for this one, or (a source read in slices)
 * as soon as the stage partition that reads it has run, while the worker waits for the
 * other workers' shuffle parts. Only with asap pacing, where a poll waits for a full batch
 * and so does not depend on when it runs. Positions stay those after the batch being run:
 * snapshots are taken before a prefetch, or answered from what the source said before an
 * early one.
 */
function prefetching(ex: SourceExecutor): Prefetching {
  let next: Promise<unknown[] | undefined> | undefined;
  // Before an early prefetch: the snapshot and `done` of the source after the batch being run.
  let before: { snapshot: ReturnType<NonNullable<SourceExecutor['snapshot']>> | undefined; done: boolean } | undefined;
  // A poll ahead of its batch has no batch context: what the source reports (Kafka ranges and lag) is kept here and handed to the batch that takes it.
  let ahead: RunMetrics = { batches: 0, records: {}, deadLetters: 0, lateRecords: 0 };
  // The poll gets the batch time it reads for, so that a Kafka source fixes its ranges in its range log under that batch.
  const poll = (time: number) => ex.process([], { metrics: ahead, time } as BatchContext) as Promise<unknown[] | undefined>;
  return {
    ...ex,
    start: ex.start && (() => ex.start!()),
    process(_inputs, ctx) {
      const r = next ?? poll(ctx.time);
      next = undefined;
      before = undefined;
      return Promise.resolve(r).then((records) => {
        if (ahead.kafka) { Object.assign((ctx.metrics.kafka ??= {}), ahead.kafka); ahead = { ...ahead, kafka: undefined }; }
        return records;
      });
    },
    prefetch(time, early = false) {
      if (next || ex.done()) return;
      if (early) before = { snapshot: ex.snapshot?.(), done: ex.done() };
      next = poll(time);
      next.catch(() => {}); // reported when the batch takes it
    },
    done: () => (before ? before.done : ex.done()),
    close: ex.close && (() => ex.close!()),
    snapshot: ex.snapshot && (() => (before ? before.snapshot! : ex.snapshot!())),
    restore: ex.restore && ((s) => ex.restore!(s)),
  };
}


/** What a worker needs of a pipeline: its plan and bindings. */
export type BuiltPipeline = Pick<Pipeline, 'plan' | 'bindings'>;

/** Options of {@link ClusterWorker}. */
export interface WorkerOptions {
  /** This worker's index (0-based). */
  readonly index: number;
  readonly send: (msg: FromWorker) => void;
  /** Builds (or returns) the pipeline of a job. */
  readonly build: (msg: JobMsg) => BuiltPipeline | Promise<BuiltPipeline>;
  /** Called after the coordinator's `exit`. */
  readonly exit: () => void;
}

/**
 * The worker side of the protocol. Feed it every message from the coordinator.
 */
export class ClusterWorker {
  private job?: Job;
  private pipeline?: { id: number; pipeline: BuiltPipeline; plan: Plan };
  /** Control messages are handled one at a time, in order; batches queue on their job; shuffle parts are taken at once. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: WorkerOptions) {}

  handle(msg: ToWorker): void {
    switch (msg.type) {
      case 'batch': {
        const job = this.job;
        if (!job || job.id !== msg.job) return;
        // Kept at once: a source may poll the batch after t (with these weights) before t runs.
        if (msg.weights) job.weights.set(msg.t + job.plan.batchIntervalMs, msg.weights);
        job.batches = job.batches.then(() => this.runBatch(job, msg.t, msg.final, msg.checkpoint ?? false));
        return;
      }
      case 'commit': {
        const job = this.job;
        if (!job || job.id !== msg.job) return;
        job.batches = job.batches.then(() => this.commit(job, msg.t));
        return;
      }
      default:
        this.queue = this.queue.then(() => this.control(msg));
    }
  }

  private send(msg: FromWorker): void {
    this.opts.send(msg);
  }

  /**
   * This process got `signal` (SIGINT, SIGTERM): a worker cannot leave a running job on its
   * own, so it asks the coordinator to stop the job after the current batch. False when no
   * job is being built or run here (an idle worker of a pool: nothing to stop).
   */
  signalled(signal: string): boolean {
    // The pipeline is built for a job before it starts and dropped when it ends: its id is the job's.
    const job = this.pipeline?.id;
    if (job === undefined) return false;
    this.send({ type: 'stop', job, signal });
    return true;
  }

  private async control(msg: ToWorker): Promise<void> {
    try {
      switch (msg.type) {
        case 'job': {
          this.job = undefined;
          const pipeline = await this.opts.build(msg);
          const plan = pipeline.plan();
          this.pipeline = { id: msg.job, pipeline, plan };
          this.send({ type: 'hello', job: msg.job, worker: this.opts.index, pid: process.pid, pipeline: plan.name, planHash: planHash(plan) });
          return;
        }
        case 'start': return await this.onStart(msg);
        case 'end': {
          const job = this.job;
          this.job = undefined;
          if (this.pipeline?.id === msg.job) this.pipeline = undefined;
          if (job && job.id === msg.job) await this.close(job);
          this.send({ type: 'ended', job: msg.job });
          return;
        }
        case 'exit': return this.opts.exit();
        default: return;
      }
    } catch (e) {
      this.send({ type: 'failed', job: 'job' in msg ? msg.job : -1, error: toWire(e) });
    }
  }

  private async onStart(msg: StartMsg): Promise<void> {
    if (!this.pipeline || this.pipeline.id !== msg.job) throw new Error(`worker ${this.opts.index}: start of job ${msg.job} before its pipeline was built`);
    const { pipeline, plan } = this.pipeline;
    const job = new Job(msg.job, this.opts.index, plan, pipeline.bindings(), msg);
    this.job = job;
    const phys = msg.physical;
    const local = executors({ maxBatchSize: msg.maxBatchSize, wait: msg.wait });
    for (const stage of phys.stages) {
      for (let p = this.opts.index; p < stage.partitions; p += msg.workers) {
        job.parts.push(this.buildPartition(job, stage, p, local));
      }
    }
    if (msg.exchangeDir !== undefined && msg.workers > 1) {
      job.exchange = await Exchange.listen(msg.exchangeDir, job.id, this.opts.index, (h, data) => this.onPart(job, h, data), (e) => this.fail(job, job.currentTime, undefined, e));
    }
    if (msg.restore) this.restore(job, msg.restore);
    for (const sp of job.parts) await sp.task.open();
    const cannot = job.parts.flatMap((sp) => sp.task.cannotSnapshot((ex) => SLICED in ex));
    debug({ worker: this.opts.index }, () => `job ${job.id}: ${job.parts.map((sp) => taskName(sp.task.id)).join(', ')}${msg.restore ? ' (restored)' : ''}`);
    this.send({ type: 'ready', job: job.id, snapshots: cannot.length === 0, cannot: cannot.length ? cannot.join(', ') : undefined });
  }

  private buildPartition(job: Job, stage: Stage, p: number, local: ReturnType<typeof executors>): StagePartition {
    const phys = job.start.physical;
    const dead = new TaskDeadLetters(() => job.currentTime);
    const env = this.envFor(job, p, dead);
    const tp = taskPlan(phys, stage, p);
    // Executors are built from the plan's nodes (the task's read exchange inputs under their edge ids).
    const execs = tp.nodes.map(({ id }) => {
      const n = env.node(id);
      let ex = n.kind === 'source' && canSlice(n, env)
        ? slicedSource(n, env, { maxBatchSize: job.start.maxBatchSize, wait: job.start.wait }, p, phys.nodePartitions[n.id], job.balanced.has(n.id) ? job.sliceWeights(phys.nodePartitions[n.id]) : undefined)
        : clusterExecutor(n, env, local, phys, p);
      if (n.kind === 'source') {
        ex = fingerprinting(ex as SourceExecutor, n.source, env.bindings.sources.get(n.id));
        if (job.start.wait) ex = prefetching(ex as SourceExecutor);
      }
      return ex;
    });
    const task = new StageTask({
      ...tp,
      execs,
      env,
      dead,
      keyGroups: phys.keyGroups,
      table: local,
      stateWriter: () => {
        if (!job.start.checkpointDir) throw new Error('no checkpoint directory');
        return (job.stateWriter ??= new StateWriter(job.start.checkpointDir, job.plan));
      },
      partitionsOf: (id) => phys.nodePartitions[id],
    });
    return { stage, partition: p, task, shuffleIn: tp.exchangesIn, forwardIn: tp.forwardIn };
  }

  /** Puts the last commit's state into this worker's executors (before they start): each partition reads its own key groups' sections of the segment files. */
  private restore(job: Job, point: RestorePoint): void {
    const phys = job.start.physical;
    const dir = job.start.checkpointDir!;
    for (const sp of job.parts) sp.task.restore((node) => restorePartition(dir, job.plan, point, node, sp.partition, phys.nodePartitions[node]));
  }

  /** The environment of partition p: as the local runtime's, but initial state only for the keys p owns (filtered when read). */
  private envFor(job: Job, p: number, dead: TaskDeadLetters): Env {
    const phys = job.start.physical;
    const env = createEnv(job.plan, job.bindings, job.start.zeroTime, job.start.sourcePartitions, (origin, reason, raw) => dead.add(origin, reason, raw));
    const kg = phys.keyGroups;
    return {
      ...env,
      // A source sliced by key places its units as its snapshots file their positions (unitGroupOf).
      owns: (id, key) => partitionOfKeyGroup(unitGroupOf(job.bindings.sources.get(id))(key, kg), kg, phys.nodePartitions[id]) === p,
      fns: (id) => {
        const fns = env.fns(id);
        if (fns.initial === undefined) return fns;
        const parts = phys.nodePartitions[id];
        const all = fns.initial as Iterable<readonly [unknown, unknown]>;
        // Filtered as the operator reads it: a restored operator never does, so a resume does not hash every initial key.
        const initial = { *[Symbol.iterator]() { for (const e of all) if (partitionOfKeyGroup(keyGroupOf(e[0], kg), kg, parts) === p) yield e; } };
        return { ...fns, initial };
      },
    };
  }

  /** A part another worker sent this one directly. */
  private onPart(job: Job, h: PartHeader, data: Uint8Array | undefined): void {
    if (this.job !== job) return;
    let part: unknown[] | undefined;
    if (data) {
      try {
        part = job.codec(h.edge).decode(data);
      } catch (e) {
        this.fail(job, h.t, undefined, new Error(`decoding ${h.edge} from partition ${h.from} failed: ${(e as Error).message}`));
        return;
      }
    }
    job.reader.put(h.edge, h.t, h.from, h.to, part, h.maxEventTime);
  }

  private fail(job: Job, t: number | undefined, sp: StagePartition | undefined, e: unknown): void {
    if (job.failed) return;
    job.failed = true;
    this.send({ type: 'failed', job: job.id, t, stage: sp?.stage.id, partition: sp?.partition, error: toWire(e) });
  }

  private async runBatch(job: Job, t: number, final: boolean, checkpoint: boolean): Promise<void> {
    if (this.job !== job || job.failed) return;
    job.currentTime = t;
    const metrics: RunMetrics = { batches: 0, records: {}, deadLetters: 0, lateRecords: 0 };
    const times = job.start.observed ? {} : undefined;
    const running = new Map<string, Promise<ReadonlyMap<string, unknown[] | undefined>>>();
    let any = false;
    const more = { sent: final };
    const tasks = job.parts.map((sp) => {
      const task = this.runPartition(job, sp, t, final, metrics, running, more, times).then((r) => { if (r.any) any = true; return r.outputs; });
      running.set(`${sp.stage.id}/${sp.partition}`, task);
      return task.catch((e) => { this.fail(job, t, sp, e); throw e; });
    });
    try {
      await Promise.all(tasks);
    } catch {
      return;
    }
    let dead: DeadLetter[] = [];
    let deadLetters = 0;
    try {
      ({ dead, deadLetters } = await this.prepareDeadLetters(job, t));
    } catch (e) {
      this.fail(job, t, undefined, e);
      return;
    }
    const drained = job.parts.every((sp) => sp.task.drained);
    const holds = drained && job.parts.some((sp) => sp.task.holds(t));
    let segments: StateSegment[] | undefined;
    let positions: Record<string, unknown> | undefined;
    if (checkpoint) {
      // Each partition's state goes straight to its own file in the checkpoint directory (in
      // parallel with the other workers); the coordinator gets only the file names and sizes.
      segments = [];
      positions = {};
      try {
        for (const sp of job.parts) {
          const prepared = sp.task.prepare(t, true);
          segments.push(...prepared.state);
          mergePositions(positions, prepared.positions);
        }
      } catch (e) {
        this.fail(job, t, undefined, new Error(`the state after batch ${t} cannot be checkpointed: ${(e as Error).message}`));
        return;
      }
    }
    const stats = workerStats(job.parts.map((sp) => sp.task), job.start.observed ?? false, times, metrics.kafka);
    crashPoint('worker.prepared', t);
    let busyMs: number | undefined;
    if (job.balanced.size) {
      const busy = performance.eventLoopUtilization().active;
      busyMs = busy - job.busyAt;
      job.busyAt = busy;
      job.weights.delete(t);
    }
    this.send({ type: 'done', job: job.id, t, records: metrics.records, dead, lateRecords: metrics.lateRecords, any, drained, holds, segments, positions, deadLetters, stats, busyMs });
    // Read the next batch while the coordinator and the other workers finish this one.
    if (!final) {
      job.currentTime = t + job.plan.batchIntervalMs;
      for (const sp of job.parts) for (const s of sp.task.sources) (s as Partial<Prefetching>).prefetch?.(job.currentTime);
    }
  }

  private async runPartition(
    job: Job,
    sp: StagePartition,
    t: number,
    final: boolean,
    metrics: RunMetrics,
    running: Map<string, Promise<ReadonlyMap<string, unknown[] | undefined>>>,
    more: { sent: boolean },
    times?: Record<string, number>,
  ): Promise<{ outputs: ReadonlyMap<string, unknown[] | undefined>; any: boolean }> {
    const site = { worker: job.worker, stage: sp.stage.id, partition: sp.partition, batch: t };
    const inputs: TaskInput[] = [];
    for (const f of sp.forwardIn) {
      const producer = await running.get(`${f.stage}/${sp.partition}`);
      inputs.push({ edge: f.from, records: producer?.get(f.from) });
    }
    for (const e of sp.shuffleIn) {
      const input = await job.reader.takeInput(e.id, t, sp.partition);
      inputs.push({ edge: e.id, records: input.records, maxEventTime: input.maxEventTime });
    }
    const out = await sp.task.process(t, inputs, { final, metrics, times });
    // Input goes on after this batch: the coordinator may start the next one now (once a batch per worker).
    if (!more.sent && sp.task.sources.length && !sp.task.drained) {
      more.sent = true;
      this.send({ type: 'more', job: job.id, t });
    }
    const sending: Promise<void>[] = [];
    for (const part of out.parts) sending.push(...this.writePart(job, part));
    for (const { sink: id, records } of out.sinks) {
      if (records) metrics.records[id] = metrics.records[id] ?? 0;
      const sink = job.committables.get(id);
      // A file sink's partition is prepared here (durable, invisible until worker 0 commits it); other sinks run in the coordinator.
      if (sink) await job.sinkPart(id, sp.partition, sink).prepare(t, records ?? []);
      else this.send({ type: 'sink', job: job.id, t, node: id, partition: sp.partition, defined: records !== undefined, data: records && job.codec(id).encode(records, 'coordinator') });
    }
    this.send({ type: 'stage', job: job.id, t, stage: sp.stage.id, partition: sp.partition });
    await Promise.all(sending); // backpressure: the task ends when the sockets took its parts
    // A source read in slices polls its next batch now, while this worker waits for the other
    // workers' parts of this one; the dead letters of that poll are the next batch's.
    const early = final ? [] : sp.task.sources.filter((s) => SLICED in s);
    if (early.length) {
      const next = t + job.plan.batchIntervalMs;
      sp.task.dead.pollingAhead(next);
      for (const s of early) (s as Partial<Prefetching>).prefetch?.(next, true);
    }
    debug(site, () => `done: ${sp.task.nodes.map((n) => `${n.id}=${out.batches.get(n.id)?.length ?? '-'}`).join(' ')}`);
    return { outputs: out.batches, any: out.any };
  }

  /**
   * The dead letters of batch t, partition by partition (each partition's stages in stage
   * order): prepared here when the dead-letter sink is committable (the coordinator gets
   * their count, and the letters only when it shows them), else all sent with `done`.
   */
  private async prepareDeadLetters(job: Job, t: number): Promise<{ dead: DeadLetter[]; deadLetters: number }> {
    const byPartition = new Map<number, DeadLetter[]>();
    for (const sp of job.parts) {
      const dead = sp.task.takeDeadLetters();
      if (dead.length) byPartition.set(sp.partition, [...(byPartition.get(sp.partition) ?? []), ...dead]);
    }
    const ordered = [...byPartition].sort((a, b) => a[0] - b[0]);
    const all = ordered.flatMap(([, d]) => d);
    const sink = job.deadSink;
    if (!sink) return { dead: all, deadLetters: all.length };
    for (const [p, letters] of ordered) await job.sinkPart('deadLetters', p, sink).prepare(t, letters);
    return { dead: job.start.observed ? all : [], deadLetters: all.length };
  }

  /** Worker 0 commits every sink written by the workers up to batch t (after the coordinator's commit record of t); the others only answer. */
  private async commit(job: Job, t: number): Promise<void> {
    if (this.job !== job || job.failed) return;
    try {
      if (job.worker === 0) {
        for (const c of job.committables.values()) await c.commit(t);
        await job.deadSink?.commit(t);
      }
    } catch (e) {
      this.fail(job, t, undefined, new Error(`committing the sinks up to batch ${t} failed: ${(e as Error).message}`));
      return;
    }
    this.send({ type: 'committed', job: job.id, t });
  }

  /** Hands a consumer partition its part; returns the send still waiting for a full socket to drain. */
  private writePart(job: Job, part: EdgeBatch): Promise<void>[] {
    const { edge, t, from, to, records, maxEventTime } = part;
    const codec = job.codec(edge);
    const data = records && codec.encode(records, to);
    const w = to % job.start.workers;
    // Same process: no socket, but through the codec all the same.
    if (w === job.worker) { job.reader.put(edge, t, from, to, data ? codec.decode(data) : undefined, maxEventTime); return []; }
    // Straight to the worker that runs partition `to`; queued on its socket in encode order.
    return [job.exchange!.send(w, { t, edge, from, to, defined: records !== undefined, maxEventTime }, data)];
  }

  private async close(job: Job): Promise<void> {
    const errors: unknown[] = [];
    try { await job.exchange?.close(); } catch (e) { errors.push(e); }
    for (const sp of job.parts) {
      try { await sp.task.close(); } catch (e) { errors.push(e); }
    }
    if (errors.length) throw errors[0];
  }
}
