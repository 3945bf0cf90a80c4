/**
 * A worker process of the cluster runtime: it rebuilds the pipeline, proves with its plan
 * hash that it built the same one, then runs its partitions of every stage batch by batch
 * as the coordinator says. Partition p of every stage runs in worker `p mod N`.
 *
 * @module
 */
import type { Bindings } from '../../src/dsl/graph.js';
import type { Pipeline } from '../../src/dsl/pipeline.js';
import { rawText } from '../local/guard.js';
import type { DeadLetter } from '../../src/io/connector.js';
import { defaultDeadLetters } from '../../src/io/dead-letters.js';
import { committableOf, type CommittableSink, type CommittableSinkPartition } from '../../src/engine/commit-sink.js';
import { crashPoint } from '../../src/engine/crash-points.js';
import type { IRNode, NodeOf } from '../../src/ir/nodes.js';
import { planHash, type Plan } from '../../src/ir/plan.js';
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import type { ShuffleEdge, Stage } from '../../src/planner/types.js';
import type { RunMetrics } from '../../src/runtime.js';
import { createEnv, runNodes } from '../local/engine.js';
import type { BatchContext, Env, Executor } from '../local/executor.js';
import { executors } from '../local/ops/index.js';
import { fuseWithCombiners, type CombineAfter } from '../local/fuse.js';
import type { SourceExecutor } from '../local/ops/source.js';
import { codecFor, type BatchCodec } from './codec.js';
import { toWire } from './errors.js';
import { debug } from './log.js';
import { clusterExecutor } from './ops.js';
import type { FromWorker, StateSegment, ToWorker } from './protocol.js';
import { ShuffleReader, splitBatch } from './shuffle.js';
import { Exchange, type PartHeader } from './exchange.js';
import { fingerprinting } from '../core/input-guard.js';
import { canSlice, SLICED, slicedSource } from './sliced-source.js';
import { restorePartition, StateWriter, type RestorePoint } from '../core/checkpoint.js';
import { canSnapshot, KEEPS_STATE } from '../core/state.js';
import { eventTimeOf, maxEventTime, type EventWindowExecutor } from '../local/ops/event-window.js';
import { workerStats } from './batch-stats.js';

type StartMsg = Extract<ToWorker, { type: 'start' }>;
type JobMsg = Extract<ToWorker, { type: 'job' }>;

/** One partition of one stage in this worker: its nodes (those that have this partition) and their executors. */
interface StagePartition {
  readonly stage: Stage;
  readonly partition: number;
  /** The nodes as runNodes sees them: shuffle inputs renamed to their edge ids. */
  readonly nodes: IRNode[];
  readonly execs: Executor[];
  readonly sources: SourceExecutor[];
  /** Shuffle inputs: the edge (read under its id). */
  readonly shuffleIn: ShuffleEdge[];
  /** Forward inputs from other stages: producer node and stage. */
  readonly forwardIn: Array<{ from: string; stage: string }>;
  /** Shuffle edges this partition writes. */
  readonly shuffleOut: ShuffleEdge[];
  /**
   * Map-side combiners by edge id: the consumer's own local executor (reduceByKey folds per
   * key, countByValue counts per value) run on this partition's records before the shuffle.
   */
  readonly combiners: Map<string, Executor>;
  /** Sinks this partition feeds (their input node). */
  readonly sinks: Array<{ id: string; input: string }>;
  /** Edges out of this partition into event-time windows: the timestamp function whose largest value each part carries. */
  readonly eventTimeOut: Map<string, (r: unknown) => number>;
  /** Edges into this partition's event-time windows: the window's executor, told each batch's largest event time. */
  readonly eventTimeIn: Map<string, EventWindowExecutor>;
  /** Dead letters of this partition in the current batch (its sources' decode errors and its operators'). */
  dead: DeadLetter[];
  /** While its sources poll batch `t` early (before this batch ended): the dead letters of that poll. */
  ahead?: { readonly t: number; readonly dead: DeadLetter[] };
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
    const byId = new Map(plan.nodes.map((n) => [n.id, n]));
    const local = executors({ maxBatchSize: msg.maxBatchSize, wait: msg.wait });
    for (const stage of phys.stages) {
      for (let p = this.opts.index; p < stage.partitions; p += msg.workers) {
        job.parts.push(this.buildPartition(job, stage, p, byId, local));
      }
    }
    if (msg.exchangeDir !== undefined && msg.workers > 1) {
      job.exchange = await Exchange.listen(msg.exchangeDir, job.id, this.opts.index, (h, data) => this.onPart(job, h, data), (e) => this.fail(job, job.currentTime, undefined, e));
    }
    if (msg.restore) this.restore(job, msg.restore);
    for (const sp of job.parts) for (const ex of sp.execs) await ex.start?.();
    const cannot = job.parts.flatMap((sp) => sp.nodes.filter((n, i) => !canSnapshot(n.kind, sp.execs[i]) && !(SLICED in sp.execs[i])).map((n) => n.id));
    debug({ worker: this.opts.index }, () => `job ${job.id}: ${job.parts.map((sp) => `${sp.stage.id}/p${sp.partition}`).join(', ')}${msg.restore ? ' (restored)' : ''}`);
    this.send({ type: 'ready', job: job.id, snapshots: cannot.length === 0, cannot: cannot.length ? cannot.join(', ') : undefined });
  }

  private buildPartition(job: Job, stage: Stage, p: number, byId: Map<string, IRNode>, local: ReturnType<typeof executors>): StagePartition {
    const phys = job.start.physical;
    const self: { dead: DeadLetter[]; ahead?: StagePartition['ahead'] } = { dead: [] };
    const env = this.envFor(job, p, self);
    const present = stage.nodes.filter((id) => phys.nodePartitions[id] > p).map((id) => byId.get(id)!);
    const shuffleIn = phys.edges.filter((e) => e.toStage === stage.id && phys.nodePartitions[e.to] > p);
    const nodes: IRNode[] = [];
    const execs: Executor[] = [];
    const sources: SourceExecutor[] = [];
    const sinks: Array<{ id: string; input: string }> = [];
    for (const n of present) {
      if (n.kind === 'sink') { sinks.push({ id: n.id, input: n.inputs[0].from }); continue; }
      const renamed = n.inputs.map((inp, k) => {
        const e = shuffleIn.find((x) => x.to === n.id && x.input === k);
        return e ? { from: e.id, edge: inp.edge } : inp;
      });
      nodes.push({ ...n, inputs: renamed } as IRNode);
      let ex = n.kind === 'source' && canSlice(n, env)
        ? slicedSource(n, env, { maxBatchSize: job.start.maxBatchSize, wait: job.start.wait }, p, phys.nodePartitions[n.id])
        : clusterExecutor(n, env, local, phys, p);
      if (n.kind === 'source') {
        ex = fingerprinting(ex as SourceExecutor, n.source, env.bindings.sources.get(n.id));
        if (job.start.wait) ex = prefetching(ex as SourceExecutor);
        sources.push(ex as SourceExecutor);
      }
      execs.push(ex);
    }
    const forwardIn = stage.inputs
      .filter((i): i is Extract<typeof i, { kind: 'forward' }> => i.kind === 'forward')
      .filter((i) => phys.nodePartitions[i.to] > p)
      .map((i) => ({ from: i.from, stage: i.stage }));
    const shuffleOut = phys.edges.filter((e) => e.fromStage === stage.id && phys.nodePartitions[e.from] > p);
    const combiners = new Map<string, Executor>();
    const combineAfter = new Map<string, CombineAfter>();
    for (const e of shuffleOut) {
      const to = byId.get(e.to)!;
      if (e.combine && to.kind === e.combine) combiners.set(e.id, (local[to.kind] as (n: IRNode, env: Env) => Executor)(to, env));
      if (e.combine === 'reduceByKey' && to.kind === 'reduceByKey') combineAfter.set(e.from, { id: to.id, f: env.fns(to.id).f as CombineAfter['f'] });
    }
    // Fusion as in the local engine; a chain before a map-side combine folds into it (fuse.ts).
    const fused = fuseWithCombiners(nodes, execs, env, combineAfter);
    execs.splice(0, execs.length, ...fused.execs);
    for (const e of shuffleOut) {
      const f = fused.combined.get(e.from);
      if (f) combiners.set(e.id, f);
    }
    const eventTimeOut = new Map<string, (r: unknown) => number>();
    for (const e of shuffleOut) if (e.eventTime) eventTimeOut.set(e.id, eventTimeOf(byId.get(e.to) as NodeOf<'eventWindow'>, env).ts);
    const eventTimeIn = new Map<string, EventWindowExecutor>();
    for (const e of shuffleIn) if (e.eventTime) eventTimeIn.set(e.id, execs[nodes.findIndex((n) => n.id === e.to)] as EventWindowExecutor);
    return Object.assign(self, { stage, partition: p, nodes, execs, sources, shuffleIn, forwardIn, shuffleOut, combiners, sinks, eventTimeOut, eventTimeIn });
  }

  /** Puts the last commit's state into this worker's executors (before they start): each partition reads its own key groups' sections of the segment files. */
  private restore(job: Job, point: RestorePoint): void {
    const phys = job.start.physical;
    const dir = job.start.checkpointDir!;
    for (const sp of job.parts) {
      sp.nodes.forEach((n, i) => {
        const ex = sp.execs[i];
        if (!ex.restore) return;
        const s = restorePartition(dir, job.plan, point, n.id, sp.partition, phys.nodePartitions[n.id]);
        if (s) ex.restore(s);
      });
    }
  }

  /** The environment of partition p: as the local runtime's, but initial state only for the keys p owns (filtered when read). */
  private envFor(job: Job, p: number, sp: Pick<StagePartition, 'dead' | 'ahead'>): Env {
    const phys = job.start.physical;
    const env = createEnv(job.plan, job.bindings, job.start.zeroTime, job.start.sourcePartitions, (origin, reason, raw) => {
      const ahead = sp.ahead;
      (ahead ? ahead.dead : sp.dead).push({ origin, reason, raw: rawText(raw), batchTime: ahead ? ahead.t : job.currentTime });
    });
    const kg = phys.keyGroups;
    return {
      ...env,
      owns: (id, key) => partitionOfKeyGroup(keyGroupOf(key, kg), kg, phys.nodePartitions[id]) === p,
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
    const running = new Map<string, Promise<Map<string, unknown[] | undefined>>>();
    let any = false;
    const tasks = job.parts.map((sp) => {
      const task = this.runPartition(job, sp, t, final, metrics, running, times).then((r) => { if (r.any) any = true; return r.outputs; });
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
    const drained = job.parts.every((sp) => sp.sources.every((s) => s.done()));
    const holds = drained && job.parts.some((sp) => sp.execs.some((ex) => ex.holds?.(t)));
    let segments: StateSegment[] | undefined;
    let positions: Record<string, unknown> | undefined;
    if (checkpoint) {
      // Each partition's state goes straight to its own file in the checkpoint directory (in
      // parallel with the other workers); the coordinator gets only the file names and sizes.
      const dir = job.start.checkpointDir;
      const phys = job.start.physical;
      segments = [];
      positions = {};
      try {
        if (!dir) throw new Error('no checkpoint directory');
        for (const sp of job.parts) {
          for (let i = 0; i < sp.nodes.length; i++) {
            const n = sp.nodes[i];
            const ex = sp.execs[i];
            if (!KEEPS_STATE.has(n.kind) || !ex.snapshot) continue;
            const w = (job.stateWriter ??= new StateWriter(dir, job.plan));
            const s = ex.snapshot(w.mode(n.id, sp.partition));
            if (n.kind === 'source' && sp.partition === 0) positions[n.id] = ((s.local ?? s.shared) as { position?: unknown } | undefined)?.position;
            segments.push(...w.write(t, n.id, sp.partition, phys.nodePartitions[n.id], s));
          }
        }
      } catch (e) {
        this.fail(job, t, undefined, new Error(`the state after batch ${t} cannot be checkpointed: ${(e as Error).message}`));
        return;
      }
    }
    const stats = workerStats(job.parts, job.start.observed ?? false, times, metrics.kafka);
    crashPoint('worker.prepared', t);
    this.send({ type: 'done', job: job.id, t, records: metrics.records, dead, lateRecords: metrics.lateRecords, any, drained, holds, segments, positions, deadLetters, stats });
    // Read the next batch while the coordinator and the other workers finish this one.
    if (!final) {
      job.currentTime = t + job.plan.batchIntervalMs;
      for (const sp of job.parts) for (const s of sp.sources) (s as Partial<Prefetching>).prefetch?.(job.currentTime);
    }
  }

  private async runPartition(
    job: Job,
    sp: StagePartition,
    t: number,
    final: boolean,
    metrics: RunMetrics,
    running: Map<string, Promise<Map<string, unknown[] | undefined>>>,
    times?: Record<string, number>,
  ): Promise<{ outputs: Map<string, unknown[] | undefined>; any: boolean }> {
    const site = { worker: job.worker, stage: sp.stage.id, partition: sp.partition, batch: t };
    if (sp.ahead) { sp.dead.push(...sp.ahead.dead); sp.ahead = undefined; }
    const outputs = new Map<string, unknown[] | undefined>();
    for (const f of sp.forwardIn) {
      const producer = await running.get(`${f.stage}/${sp.partition}`);
      outputs.set(f.from, producer?.get(f.from));
    }
    for (const e of sp.shuffleIn) {
      const input = await job.reader.takeInput(e.id, t, sp.partition);
      outputs.set(e.id, input.records);
      // The batch's largest event time over every partition: each window partition derives the global watermark.
      sp.eventTimeIn.get(e.id)?.batchMaxEventTime(input.maxEventTime);
    }
    const ctx: BatchContext = {
      time: t,
      final,
      side: new Map(),
      metrics,
      deadLetter: (origin, reason, raw) => { sp.dead.push({ origin, reason, raw: rawText(raw), batchTime: t }); },
      times,
    };
    const any = await runNodes(sp.nodes, sp.execs, outputs, ctx);
    const sending: Promise<void>[] = [];
    for (const e of sp.shuffleOut) {
      let records = outputs.get(e.from);
      const combiner = sp.combiners.get(e.id);
      if (records && combiner) records = (await combiner.process([records], ctx))!;
      sending.push(...this.writeShuffle(job, e, sp, records, ctx));
    }
    for (const s of sp.sinks) {
      const records = outputs.get(s.input);
      if (records) metrics.records[s.id] = metrics.records[s.id] ?? 0;
      const sink = job.committables.get(s.id);
      // A file sink's partition is prepared here (durable, invisible until worker 0 commits it); other sinks run in the coordinator.
      if (sink) await job.sinkPart(s.id, sp.partition, sink).prepare(t, records ?? []);
      else this.send({ type: 'sink', job: job.id, t, node: s.id, partition: sp.partition, defined: records !== undefined, data: records && job.codec(s.id).encode(records, 'coordinator') });
    }
    this.send({ type: 'stage', job: job.id, t, stage: sp.stage.id, partition: sp.partition });
    await Promise.all(sending); // backpressure: the task ends when the sockets took its parts
    // A source read in slices polls its next batch now, while this worker waits for the other
    // workers' parts of this one; the dead letters of that poll are the next batch's.
    const early = final ? [] : sp.sources.filter((s) => SLICED in s);
    if (early.length) {
      sp.ahead = { t: t + job.plan.batchIntervalMs, dead: [] };
      for (const s of early) (s as Partial<Prefetching>).prefetch?.(sp.ahead.t, true);
    }
    debug(site, () => `done: ${sp.nodes.map((n) => `${n.id}=${outputs.get(n.id)?.length ?? '-'}`).join(' ')}`);
    return { outputs, any };
  }

  /**
   * The dead letters of batch t, partition by partition (each partition's stages in stage
   * order): prepared here when the dead-letter sink is committable (the coordinator gets
   * their count, and the letters only when it shows them), else all sent with `done`.
   */
  private async prepareDeadLetters(job: Job, t: number): Promise<{ dead: DeadLetter[]; deadLetters: number }> {
    const byPartition = new Map<number, DeadLetter[]>();
    for (const sp of job.parts) {
      if (sp.dead.length) byPartition.set(sp.partition, [...(byPartition.get(sp.partition) ?? []), ...sp.dead]);
      sp.dead = [];
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

  /** Hands each consumer partition its part; returns the sends still waiting for a full socket to drain. */
  private writeShuffle(job: Job, e: ShuffleEdge, sp: StagePartition, records: unknown[] | undefined, ctx: BatchContext): Promise<void>[] {
    const from = sp.partition;
    const workers = job.start.workers;
    const parts = records ? splitBatch(e, job.start.physical.keyGroups, from, records) : undefined;
    const codec = job.codec(e.id);
    const ts = sp.eventTimeOut.get(e.id);
    const maxTs = ts && records ? maxEventTime(records, ts) : -Infinity;
    // JSON has no -Infinity: absent means no event time.
    const maxEventTimeOf = maxTs === -Infinity ? undefined : maxTs;
    const sending: Promise<void>[] = [];
    for (let q = 0; q < e.toPartitions; q++) {
      const chunk = parts?.[q];
      const data = chunk && codec.encode(chunk, q);
      if (q % workers === job.worker) {
        // Same process: no socket, but through the codec all the same.
        job.reader.put(e.id, ctx.time, from, q, data ? codec.decode(data) : undefined, maxEventTimeOf);
      } else {
        // Straight to the worker that runs partition q; queued on its socket in encode order.
        sending.push(job.exchange!.send(q % workers, { t: ctx.time, edge: e.id, from, to: q, defined: chunk !== undefined, maxEventTime: maxEventTimeOf }, data));
      }
    }
    return sending;
  }

  private async close(job: Job): Promise<void> {
    const errors: unknown[] = [];
    try { await job.exchange?.close(); } catch (e) { errors.push(e); }
    for (const sp of job.parts) for (const ex of sp.execs) {
      try { await ex.close?.(); } catch (e) { errors.push(e); }
    }
    if (errors.length) throw errors[0];
  }
}
