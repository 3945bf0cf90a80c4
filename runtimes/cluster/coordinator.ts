/**
 * The coordinator of the cluster runtime: plans the pipeline, starts (or borrows) the
 * workers, checks that each built the same plan, drives the batches (shuffles go worker to
 * worker, `exchange.ts`) and runs the commit barrier: the file sinks and the dead-letter file
 * are prepared by the workers partition by partition and committed by worker 0 after the
 * commit record (`src/engine/commit-sink.ts`); the other sinks (`collect`, `foreachBatch`,
 * console) get their batches here, so the callbacks run in the process that called `run()`.
 *
 * @module
 */
import type { Bindings } from '../../src/dsl/graph.js';
import { RuntimeError } from '../../src/errors.js';
import type { DeadLetter, SinkWriter } from '../../src/io/connector.js';
import { defaultDeadLetters } from '../../src/io/dead-letters.js';
import { claimOutputs } from '../../src/io/claim-outputs.js';
import type { Plan } from '../../src/ir/plan.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Checkpoints, restorePartition, type Commit, type RestorePoint } from '../core/checkpoint.js';
import type { ExecutorState } from '../local/executor.js';
import { planPhysical } from '../../src/planner/index.js';
import type { PhysicalPlan } from '../../src/planner/types.js';
import type { RunMetrics, RunOptions, RunResult } from '../../src/runtime.js';
import { codecFor } from './codec.js';
import { fromWire } from './errors.js';
import { refuseChangedInputs } from '../core/input-guard.js';
import { debug, info, siteText } from './log.js';
import { WorkerPool } from './pool.js';
import { pacingOf } from '../local/pacing.js';
import { Observer } from '../../src/observe/observer.js';
import { writeBatch } from '../local/ops/sink.js';
import type { CommittableSink } from '../../src/engine/commit-sink.js';
import { mergePositions } from '../../src/engine/task.js';
import { committableSinks, recoverSinks } from '../core/sink-recovery.js';
import type { FromWorker, PipelineRef, StateSegment } from './protocol.js';
import { JobStats, kafkaText } from './batch-stats.js';
import { Balancer, balancedSources, contiguous } from './balance.js';

/**
 * Options of a cluster run: the options of {@link RunOptions} and those of `cluster({...})`.
 * @category Runtime
 */
export interface ClusterRunOptions extends Omit<RunOptions, 'runtime'> {
  /** The runtime named in the run's options (ignored here: this is the cluster runtime). */
  runtime?: RunOptions['runtime'] | 'cluster';
  /** Worker process count (default 2, or the pool's size). */
  workers?: number;
  /** Where checkpoints are kept; a rerun with the same directory resumes after its last commit. */
  checkpointDir?: string;
  /** Workers already started (a pool serves one job at a time); else `workers` are forked for this run and stopped after it. @internal */
  pool?: WorkerPool;
  /** How workers rebuild the pipeline; without it they re-execute this process's entry script. */
  worker?: PipelineRef;
  /**
   * Partitions of each source as partition-aware operators (mapPartitions) see them, as the
   * local runtime's `partitions` option (default: `partitions`, else 1).
   */
  sourcePartitions?: number;
  /** How long a worker may take to build the pipeline and report its plan hash (default 60 s). */
  helloTimeoutMs?: number;
  /**
   * Balance the slices of a source read in slices (default true): each worker reads a share
   * of every batch in proportion to how fast it has been, so a worker on a slower core does
   * not hold the others back. Only where the cut cannot change the output: the source's
   * stage feeds nothing but keyed or gathering exchanges. `false`: equal slices, so a reduce
   * that is not exactly associative (floating-point sums) gives the same bits in every run.
   */
  balance?: boolean;
  /**
   * With a `checkpointDir`: take a checkpoint (state files and commit) every this many
   * batches (default 1, every batch). The last batch of a run stopped by `numBatches` and
   * the final pass of a drained job are always committed. A restart resumes after the last
   * commit and runs the batches after it again: file sinks skip the batch times they hold
   * (exactly-once), console and foreachBatch sinks see those batches again when the
   * coordinator itself was killed (after a worker crash the coordinator skips what it
   * already wrote).
   */
  checkpointInterval?: number;
  /**
   * With `numBatches` and a `checkpointDir`: the last batch ends the job as drained input
   * does (final pass, committed complete) instead of pausing it. The test harness sets it:
   * its explicit batches are the whole job.
   */
  endsJob?: boolean;
}

let jobs = 0;

/** Runs a plan on worker processes. */
export async function runCluster(plan: Plan, bindings: Bindings, opts: ClusterRunOptions): Promise<RunResult> {
  pacingOf(bindings, opts, plan.batchIntervalMs, Date.now()); // checks numBatches before any worker starts
  if (opts.checkpointInterval !== undefined && (!Number.isInteger(opts.checkpointInterval) || opts.checkpointInterval < 1)) {
    throw new RuntimeError(`checkpointInterval must be a positive integer (batches), got ${opts.checkpointInterval}`, {}, 'pass { checkpointInterval: 10 } to commit every 10 batches');
  }
  const workers = opts.pool?.size ?? opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1) throw new RuntimeError(`workers must be a positive integer, got ${opts.workers}`, {}, 'pass { workers: 2 }');
  // Sources that can be read in slices are read by every partition of their stage (when it is spread).
  const sliced = new Set(plan.nodes.filter((n) => n.kind === 'source' && typeof bindings.sources.get(n.id)?.openSlice === 'function').map((n) => n.id));
  const physical = planPhysical(plan, { partitions: opts.partitions ?? workers, sliced });
  const checkpoints = opts.checkpointDir !== undefined ? Checkpoints.open(resolve(opts.checkpointDir), plan, physical.planHash) : undefined;
  claimOutputs(plan, bindings, { overwrite: opts.overwrite, checkpointDir: checkpoints?.dir });
  let last: Omit<Commit, 'committedAt'> | undefined = checkpoints?.lastCommit;
  const committables = committableSinks(plan, bindings);
  if (last?.complete) {
    await recoverSinks(committables, last.t);
    debug({}, `checkpoint ${checkpoints!.dir}: the job completed at batch ${last.t}; nothing to do`);
    return { metrics: { batches: 0, records: Object.fromEntries(plan.nodes.map((n) => [n.id, 0])), deadLetters: 0, lateRecords: 0 } };
  }
  if (last?.mode === 'snapshot') {
    // Refuses missing or corrupt state files and per-partition state on another partition count before starting.
    const point = checkpoints!.restorePoint(plan, physical.nodePartitions);
    // Sources' state (position, input fingerprint) is small: read partition 0's from its segments and refuse a changed input file.
    if (point) {
      const sources: Record<string, ExecutorState> = {};
      for (const n of plan.nodes) {
        if (n.kind !== 'source') continue;
        const s = restorePartition(checkpoints!.dir, plan, point, n.id, 0, physical.nodePartitions[n.id]);
        if (s) sources[n.id] = s;
      }
      refuseChangedInputs(plan, sources, checkpoints!.dir, bindings.sources);
    }
  }
  const output: Output = {
    writers: new Map(),
    committables,
    checkpointing: checkpoints !== undefined,
    last: () => last,
    states: () => checkpoints!.restorePoint(plan, physical.nodePartitions)!,
    dir: checkpoints?.dir,
    metrics: { batches: 0, records: Object.fromEntries(plan.nodes.map((n) => [n.id, 0])), deadLetters: 0, lateRecords: 0 },
    exchangeDir: mkdtempSync(join(tmpdir(), 'sluice-x-')),
    // Pipelining is proven (kill tests byte for byte) with sources read in slices, unless a source says otherwise (Source.pipelined).
    sourcesPipelinable: plan.nodes.every((n) => n.kind !== 'source' || (sliced.has(n.id) && bindings.sources.get(n.id)?.pipelined !== false)),
    commit: (c, positions) => { checkpoints?.commit(c, plan, positions); last = c; },
    stopper: new AbortController(),
  };
  if (opts.signal?.aborted) output.stopper.abort();
  else opts.signal?.addEventListener('abort', () => output.stopper.abort(), { once: true });
  output.observer = await Observer.open(plan, opts, 'cluster', pacingOf(bindings, opts, plan.batchIntervalMs, Date.now()).pace);
  const pool = opts.pool ?? WorkerPool.start({ workers, mode: opts.worker ? 'module' : 'reexec', pipeline: plan.name });
  const failures = new Map<string, number>();
  try {
    for (const id of plan.nodes.filter((x) => x.kind === 'sink').map((x) => x.id)) {
      const sink = bindings.sinks.get(id);
      if (!sink) throw new RuntimeError(`${id}: no sink bound to this node`, { operator: id });
      if (!committables.has(id)) output.writers.set(id, sink.open({ operator: id, pipeline: plan.name }));
    }
    if (!committables.has('deadLetters')) output.deadWriter = (bindings.deadLetters ?? defaultDeadLetters(plan)).open({ operator: 'deadLetters', pipeline: plan.name });
    for (;;) {
      try {
        return await new CoordinatorJob(pool, ++jobs, plan, bindings, physical, opts, output).run();
      } catch (e) {
        if (!(e instanceof WorkerCrashed)) throw e;
        const key = e.site.batchTime === undefined ? 'start' : String(e.site.batchTime);
        const n = (failures.get(key) ?? 0) + 1;
        failures.set(key, n);
        if (n >= MAX_ATTEMPTS) {
          throw new RuntimeError(
            `${key === 'start' ? 'starting the job' : `batch ${key}`} failed ${n} times (${e.detail}); giving up`,
            e.site,
            'see the workers\' stderr above; SLUICE_LOG=debug logs every stage partition',
          );
        }
        const from = last?.mode === 'snapshot' ? `resuming after batch ${last.t} from its checkpoint` : 'replaying from the first batch';
        info({}, `${e.detail}${key === 'start' ? '' : ` in batch ${key}`}: restarting the workers (attempt ${n + 1} of ${key === 'start' ? 'the start' : `batch ${key}`}), ${from}`);
        output.observer?.restarted();
        await pool.restart();
      }
    }
  } finally {
    const errors: unknown[] = [];
    for (const w of output.writers.values()) { try { await w.close(); } catch (e) { errors.push(e); } }
    try { await output.deadWriter?.close(); } catch (e) { errors.push(e); }
    if (!opts.pool) await pool.close();
    rmSync(output.exchangeDir, { recursive: true, force: true });
    await output.observer?.close();
    if (errors.length) throw errors[0];
  }
}

/** Times the same batch may fail by a worker crash before the job gives up. */
const MAX_ATTEMPTS = 3;

/** Where finished batches go: sink writers, the dead-letter writer, and the commit of each batch. */
interface Output {
  /** Writers of the sinks written here (callbacks). */
  readonly writers: Map<string, SinkWriter<unknown>>;
  /** The sinks the workers write, by node id (`deadLetters` for the dead-letter file). */
  readonly committables: Map<string, CommittableSink<unknown>>;
  deadWriter?: SinkWriter<DeadLetter>;
  /** A checkpoint directory is kept: ask workers for state snapshots. */
  readonly checkpointing: boolean;
  /** The checkpoint directory (absolute), where workers write their state files. */
  readonly dir?: string;
  /** A private temporary directory for the workers' exchange sockets (removed after the run). */
  readonly exchangeDir: string;
  /** Every source of the job is read in slices (files, in-memory, Kafka) and none says `pipelined: false`: batches may be pipelined. */
  readonly sourcesPipelinable: boolean;
  /** The last commit (by this run or, with a checkpoint directory, an earlier one). */
  last(): Omit<Commit, 'committedAt'> | undefined;
  /** The state segments of the last commit (snapshot mode), which each worker reads itself. */
  states(): RestorePoint;
  /** What the run summary counts: every batch once, over every attempt (a batch run again after a recovery is not counted again). */
  readonly metrics: RunMetrics;
  /** The last batch whose sinks this process wrote (a batch after the last commit may have been written before a worker crash). */
  written?: number;
  /** The zero time of this process's first attempt (kept for a restart before the first commit). */
  zeroTime?: number;
  commit(c: Omit<Commit, 'committedAt'>, positions?: Record<string, unknown>): void;
  /** Reports each batch's progress (when the run is observed). */
  observer?: Observer;
  /** Aborted by the run's `signal`, or when a worker got SIGINT/SIGTERM: the run stops after its current batch, over every attempt. */
  readonly stopper: AbortController;
}

/** A worker process died (exit, signal): the job is replayed on new workers. */
export class WorkerCrashed extends RuntimeError {
  constructor(message: string, readonly detail: string, batchTime: number | undefined) {
    super(message, { batchTime }, 'see the worker\'s stderr above; SLUICE_LOG=debug logs every stage partition');
  }
}

interface Phase {
  readonly what: string;
  readonly got: Set<number>;
  resolve(): void;
  reject(e: unknown): void;
}

interface BatchState {
  readonly t: number;
  readonly final: boolean;
  readonly sinks: Map<string, Array<unknown[] | undefined>>;
  readonly records: Record<string, number>;
  readonly dead: DeadLetter[];
  /** Dead letters of the batch (also those the workers wrote themselves). */
  deadLetters: number;
  lateRecords: number;
  any: boolean;
  drained: boolean;
  /** Some window still holds data a later batch would emit. */
  holds: boolean;
  /** Stage partitions finished, as `stage/p`. */
  readonly stages: Set<string>;
  /** State files the workers wrote for this batch (checkpointing). */
  readonly segments: Array<StateSegment>;
  /** Source positions after the batch (checkpointing). */
  readonly positions: Record<string, unknown>;
  /** Records of each node by worker (when the run is observed). */
  readonly byWorker: Record<string, number[]>;
  /** The workers' time per node, state keys, watermarks and Kafka reports, added up. */
  readonly stats: JobStats;
  readonly startedAt: number;
  /** This process wrote the batch before a worker crash: it is run again for its state only. */
  readonly replayed: boolean;
  /** In snapshot mode: the workers write state files and the batch gets a commit. */
  readonly snapshot: boolean;
  readonly commit: boolean;
  /** Workers that sent `done`. */
  readonly got: Set<number>;
  /** Settles when every worker sent `done` (rejected when the job fails). */
  readonly done: Promise<void>;
  settle?: { resolve(): void; reject(e: unknown): void };
  /** The next batch is sure to run: a worker sent `more` for this one (its input goes on), or numBatches says so. */
  more: boolean;
}

/** One run of one pipeline on a pool. */
class CoordinatorJob {
  private phase?: Phase;
  private failure?: Error;
  /** Batches sent to the workers and not finished here, by time. */
  private readonly batches = new Map<number, BatchState>();
  /** When the last batch was finished: a batch started ahead (pipelined) is reported as processing from then, when the workers went on to it. */
  private lastFinishedAt = 0;
  /** While batches run with asap pacing: starts the batch after t if it is sure to run and the one before t is done by every worker. */
  private pipeline?: (t: number) => void;
  private readonly n: number;
  private readonly sinkNodes: string[];
  private readonly codecs = new Map<string, ReturnType<typeof codecFor>>();
  /** Workers' executors that cannot snapshot their state. */
  private readonly cannot: string[] = [];
  /** Whether batches are checkpointed with state (else commits are replay points). */
  private snapshots = false;
  private zeroTime = 0;
  /** The last batch the workers were told to commit (their sinks). */
  private committing?: number;
  /** Weighs the slices of the balanced sources (`balance.ts`), when there are any. */
  private readonly balancer?: Balancer;
  private readonly balanced: ReadonlySet<string>;

  constructor(
    private readonly pool: WorkerPool,
    private readonly job: number,
    private readonly plan: Plan,
    private readonly bindings: Bindings,
    private readonly physical: PhysicalPlan,
    private readonly opts: ClusterRunOptions,
    private readonly output: Output,
  ) {
    this.n = pool.size;
    this.sinkNodes = plan.nodes.filter((x) => x.kind === 'sink' && !output.committables.has(x.id)).map((x) => x.id);
    this.balanced = opts.balance === false ? new Set() : balancedSources(physical, (id) => contiguous(bindings.sources.get(id)), this.n);
    if (this.balanced.size) this.balancer = new Balancer(this.n);
  }

  async run(): Promise<RunResult> {
    const { plan, opts } = this;
    const interval = plan.batchIntervalMs;
    const { pace, zeroTime: fresh } = pacingOf(this.bindings, opts, interval, Date.now());
    const previous = this.output.last();
    const zeroTime = previous?.zeroTime ?? this.output.zeroTime ?? fresh;
    // Resume after a snapshot commit; after a replay commit (or none) run from the first batch.
    const resume = previous?.mode === 'snapshot' ? previous : undefined;
    const restore = resume ? this.output.states() : undefined;
    this.zeroTime = zeroTime;
    this.output.zeroTime = zeroTime;
    if (this.output.observer) this.output.observer.zeroTime = zeroTime;
    if (!this.pool.alive) throw new RuntimeError('cluster runtime: a worker of the pool has exited', {}, 'start a new pool');
    this.pool.listen({ message: (w, m) => this.onMessage(w, m), exit: (w, why) => this.onExit(w, why) });
    try {
      // The last commit's sink output becomes visible, anything prepared after it is dropped (a crash may have left either).
      await recoverSinks(this.output.committables, previous?.t);
      if (previous?.complete) return { metrics: this.output.metrics };
      await this.all('hello', opts.helloTimeoutMs ?? 60_000, () => {
        for (let i = 0; i < this.n; i++) this.pool.send(i, { type: 'job', job: this.job, pipeline: plan.name, ref: opts.worker });
      });
      await this.all('ready', undefined, () => {
        for (let i = 0; i < this.n; i++) {
          this.pool.send(i, {
            type: 'start', job: this.job, physical: this.physical, workers: this.n, zeroTime,
            maxBatchSize: opts.maxBatchSize ?? 100_000, wait: pace === 'asap',
            sourcePartitions: opts.sourcePartitions ?? opts.partitions ?? 1, restore,
            checkpointDir: this.output.dir, exchangeDir: this.output.exchangeDir, observed: this.output.observer !== undefined,
          });
        }
      });
      this.snapshots = this.output.checkpointing && this.cannot.length === 0;
      if (this.output.checkpointing && !this.snapshots) debug({}, `checkpoints in replay mode: ${this.cannot.join(', ')} cannot snapshot`);
      if (resume) info({}, `resuming after batch ${resume.t} from its checkpoint`);
      const first = resume ? Math.round((resume.t - zeroTime) / interval) + 1 : 1;
      let last = { time: resume?.t ?? zeroTime, end: false };
      // A job committed after its input ran out goes on with its final pass, as it would have without the stop.
      let drained = !!resume?.drained && opts.numBatches === undefined;
      let holds = false;
      // With asap pacing batch t + 1 starts as soon as it is sure to run (a worker's source has
      // more input after t, or numBatches says so) and every worker is done with t - 1, so each
      // worker goes on to it while t ends elsewhere: at most two batches in flight at a worker;
      // the coordinator finishes them in order. Not with checkpoints every N > 1 batches, where
      // a stop must be able to checkpoint the last batch it runs, nor with a source not read in
      // slices (generators, sockets) or one that says `pipelined: false`.
      const pipelined = pace === 'asap' && this.output.sourcesPipelinable && (!this.output.checkpointing || (opts.checkpointInterval ?? 1) === 1);
      const started = new Map<number, BatchState>();
      const indexOf = (t: number) => Math.round((t - zeroTime) / interval);
      const launch = (index: number): BatchState => {
        const every = opts.checkpointInterval ?? 1;
        const checkpoint = every === 1 || index % every === 0 || (opts.numBatches !== undefined && index >= opts.numBatches) || !!this.output.stopper.signal.aborted;
        const b = this.startBatch(zeroTime + index * interval, false, true, checkpoint);
        started.set(index, b);
        if (opts.numBatches !== undefined && index < opts.numBatches) b.more = true;
        return b;
      };
      if (pipelined) {
        this.pipeline = (t) => {
          const index = indexOf(t) + 1;
          if (started.has(index) || !started.has(index - 1) || !started.get(index - 1)!.more || this.output.stopper.signal.aborted || this.failure) return;
          if (opts.numBatches !== undefined && index > opts.numBatches) return;
          const before = started.get(index - 2);
          if (before && before.got.size < this.n) return; // started when every worker is done with it
          this.pipeline?.(launch(index).t);
        };
      }
      if (!drained && opts.numBatches !== 0 && !this.output.stopper.signal.aborted && !(opts.numBatches !== undefined && first > opts.numBatches)) {
        for (let index = first; ; index++) {
          const time = zeroTime + index * interval;
          let b = started.get(index);
          if (!b) {
            if (pace === 'realtime' && !(await sleepUntil(time, this.output.stopper.signal))) break;
            b = launch(index);
            this.pipeline?.(time);
          }
          await this.finishBatch(b);
          started.delete(index);
          drained = b.drained;
          holds = b.holds;
          // A bounded run goes on with empty batches until every window holding data has fired.
          const end = opts.numBatches !== undefined ? index >= opts.numBatches : drained && !b.holds;
          last = { time, end };
          // A stop ends the run after the batches already started.
          if (end || (this.output.stopper.signal.aborted && !started.has(index + 1))) break;
        }
      }
      this.pipeline = undefined;
      // The final pass flushes event-time windows as the local runtime does, and is committed
      // (complete) only when the job has ended: its sources drained and its windows fired. With a
      // checkpoint directory, a run stopped by numBatches is a pause: no final pass, nothing
      // marked complete, and a rerun with more batches resumes at the next batch exactly as an
      // uninterrupted run would have gone on.
      const ended = drained && !holds && (opts.numBatches === undefined || !!opts.endsJob);
      const pause = opts.numBatches !== undefined && this.output.checkpointing && !opts.endsJob;
      if ((last.end || ended) && !pause) await this.runBatch(last.time + interval, true, ended);
      // Every batch told to commit is visible before the run returns.
      const upTo = this.committing;
      if (upTo !== undefined) await this.all('committed', undefined, () => { for (let i = 0; i < this.n; i++) this.pool.send(i, { type: 'commit', job: this.job, t: upTo }); });
    } finally {
      await this.end();
      this.pool.listen(undefined);
    }
    return { metrics: this.output.metrics, ...(this.output.stopper.signal.aborted ? { stopped: true } : {}) };
  }

  /** Tells the workers the job is over and waits for them (not after a worker died: the pool is then killed by its owner). */
  private async end(): Promise<void> {
    if (!this.pool.alive) { this.pool.kill(); return; }
    try {
      await this.all('ended', 10_000, () => { for (let i = 0; i < this.n; i++) this.pool.send(i, { type: 'end', job: this.job }); }, true);
    } catch {
      this.pool.kill();
    }
  }

  /**
   * Runs batch t and writes its sinks; `commit` false: never commit it (an undrained final
   * pass); `checkpoint` false: in snapshot mode, no state files and no commit for it (between
   * two checkpoints of `checkpointInterval`).
   */
  private runBatch(t: number, final: boolean, commit = true, checkpoint = true): Promise<BatchState> {
    return this.finishBatch(this.startBatch(t, final, commit, checkpoint));
  }

  /** Sends batch t to the workers; {@link finishBatch} waits for it and writes it. */
  private startBatch(t: number, final: boolean, commit: boolean, checkpoint: boolean): BatchState {
    // A batch this process already wrote (before a worker crash) is run again for its state only.
    const replayed = t <= Math.max(this.output.last()?.t ?? -Infinity, this.output.written ?? -Infinity);
    const snapshot = this.snapshots && commit && checkpoint && !replayed;
    let settle: BatchState['settle'];
    const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
    done.catch(() => {}); // a batch started ahead may fail before it is waited for
    const b: BatchState = {
      t, final, sinks: new Map(), records: {}, dead: [], deadLetters: 0, lateRecords: 0, any: false, drained: true, holds: false, stages: new Set(), segments: [], positions: {},
      byWorker: this.output.observer ? Object.fromEntries(this.plan.nodes.map((x) => [x.id, new Array<number>(this.n).fill(0)])) : {},
      stats: new JobStats(this.n), startedAt: Date.now(), replayed, snapshot, commit, got: new Set(), done, settle, more: false,
    };
    for (const id of this.sinkNodes) b.sinks.set(id, new Array(this.physical.nodePartitions[id]).fill(undefined));
    this.batches.set(t, b);
    debug({ batch: t }, final ? 'final pass' : 'start');
    if (this.failure) settle!.reject(this.failure);
    else {
      const weights = this.balancer?.weights();
      for (let i = 0; i < this.n; i++) this.pool.send(i, { type: 'batch', job: this.job, t, final, checkpoint: snapshot, ...(weights ? { weights } : {}) });
    }
    return b;
  }

  /**
   * Waits for batch t (started by {@link startBatch}) and writes its sinks; `commit` false:
   * never commit it (an undrained final pass); `checkpoint` false: in snapshot mode, no
   * state files and no commit for it (between two checkpoints of `checkpointInterval`).
   * Batches finish in the order they started.
   */
  private async finishBatch(b: BatchState): Promise<BatchState> {
    const { t, final, replayed, snapshot, commit } = b;
    let committed: { durationMs: number; bytes: number } | undefined;
    await b.done;
    for (const [id, parts] of replayed ? [] : b.sinks) {
      const defined = parts.filter((p): p is unknown[] => p !== undefined);
      if (!defined.length) continue;
      const records = defined.length === 1 ? defined[0] : defined.flat(1);
      await writeBatch(this.plan.nodes.find((x) => x.id === id)!, this.output.writers.get(id)!, records, t);
    }
    if (b.dead.length && !replayed && this.output.deadWriter) await this.output.deadWriter.write(b.dead, t);
    if (!replayed) this.output.written = t;
    if (!replayed && commit && (snapshot || !this.snapshots)) {
      const mode = this.snapshots ? 'snapshot' : 'replay';
      const zeroTime = this.zeroTime;
      const segments = this.snapshots ? b.segments.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0)) : undefined;
      const t0 = performance.now();
      this.output.commit({ t, mode, zeroTime, complete: final, ...(!final && b.drained && !b.holds ? { drained: true } : {}), ...(segments ? { segments } : {}) }, this.snapshots ? b.positions : undefined);
      committed = { durationMs: performance.now() - t0, bytes: b.segments.reduce((n, x) => n + x.bytes, 0) };
      this.commitSinks(t);
    }
    // A final pass that is never committed (undrained, no checkpoint of it) is still written, as the callback sinks get it.
    else if (!replayed && !commit) this.commitSinks(t);
    else if (replayed) info({ batch: t }, 'replayed after a recovery: its sinks and dead letters were written before and are not written again');
    if (!replayed) {
      const m = this.output.metrics;
      for (const [id, n] of Object.entries(b.records)) m.records[id] = (m.records[id] ?? 0) + n;
      m.lateRecords += b.lateRecords;
      m.deadLetters += b.deadLetters;
      if (!final || b.any) m.batches++;
      if (b.stats.kafka) m.kafka = { ...m.kafka, ...b.stats.kafka };
    }
    if (b.stats.kafka) debug({ batch: t }, () => `kafka ${kafkaText(b.stats.kafka!)}`);
    if (!final || b.any) {
      this.output.observer?.batchDone({
        time: t, final, startedAt: Math.max(b.startedAt, this.lastFinishedAt), records: b.records, byWorker: b.byWorker, dead: b.dead, lateRecords: b.lateRecords,
        times: b.stats.times, timesByWorker: b.stats.timesByWorker, stateKeys: b.stats.stateKeys, stateKeysByWorker: b.stats.stateKeysByWorker,
        watermarks: b.stats.watermarks, lag: b.stats.lag(), kafka: b.stats.kafka,
        ...(replayed ? { replayed } : {}), ...(committed ? { checkpoint: committed } : {}),
      });
    }
    this.batches.delete(t);
    this.lastFinishedAt = Date.now();
    return b;
  }

  /** Tells worker 0 to commit the sinks the workers write up to t (it does so after the batches it was sent before; the run waits for it at its end). */
  private commitSinks(t: number): void {
    if (!this.output.committables.size) return;
    this.committing = t;
    this.pool.send(0, { type: 'commit', job: this.job, t });
  }

  /** Sends with `send` and waits until every worker answered `what` (or something failed). */
  private all(what: string, timeoutMs: number | undefined, send: () => void, quiet = false): Promise<void> {
    if (this.failure && !quiet) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (e?: unknown) => {
        if (timer) clearTimeout(timer);
        this.phase = undefined;
        if (e) reject(e); else resolve();
      };
      this.phase = { what, got: new Set(), resolve: () => done(), reject: (e) => done(e) };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const missing = [...Array(this.n).keys()].filter((i) => !this.phase?.got.has(i));
          const err = what === 'hello'
            ? new RuntimeError(
                `worker ${missing.join(', ')} did not report the plan of pipeline ${this.plan.name} within ${timeoutMs / 1000} s`,
                {},
                'make sure the entry script builds and runs the same pipeline in every process (no argv- or time-dependent branches)',
              )
            : new RuntimeError(`worker ${missing.join(', ')} did not answer '${what}' within ${timeoutMs / 1000} s`);
          this.fail(err);
        }, timeoutMs);
      }
      send();
    });
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    this.phase?.reject(this.failure);
    for (const b of this.batches.values()) b.settle?.reject(this.failure);
  }

  private onMessage(w: number, m: FromWorker): void {
    if (m.job !== this.job) return;
    switch (m.type) {
      case 'sink': {
        const b = this.batches.get(m.t);
        if (!b) return;
        b.sinks.get(m.node)![m.partition] = m.defined ? this.codec(m.node).decode(m.data!) : undefined;
        return;
      }
      case 'stage':
        this.batches.get(m.t)?.stages.add(`${m.stage}/${m.partition}`);
        return;
      case 'stop':
        if (!this.output.stopper.signal.aborted) info({}, `worker ${w} got ${m.signal}: stopping the job after the current batch`);
        this.output.stopper.abort();
        return;
      case 'more': {
        const b = this.batches.get(m.t);
        if (!b || b.more) return;
        b.more = true;
        this.pipeline?.(m.t);
        return;
      }
      case 'hello':
        if (m.planHash !== this.physical.planHash) {
          this.fail(new RuntimeError(
            `worker ${w} built a different plan (hash ${m.planHash.slice(0, 12)}≠${this.physical.planHash.slice(0, 12)}): version skew — run the same code in every process`,
            {},
            `the worker built pipeline '${m.pipeline}'; deploy the same version of the job to every process`,
          ));
          return;
        }
        debug({ worker: w }, `hello: pid ${m.pid}, plan ${m.planHash.slice(0, 12)}`);
        return this.answered(w, 'hello');
      case 'done': {
        const b = this.batches.get(m.t);
        if (b && !b.got.has(w)) {
          for (const [id, n] of Object.entries(m.records)) b.records[id] = (b.records[id] ?? 0) + n;
          if (this.output.observer) for (const [id, n] of Object.entries(m.records)) (b.byWorker[id] ??= new Array<number>(this.n).fill(0))[w] += n;
          b.dead.push(...m.dead);
          b.deadLetters += m.deadLetters ?? m.dead.length;
          b.lateRecords += m.lateRecords;
          b.any ||= m.any;
          b.drained &&= m.drained;
          b.holds ||= m.holds ?? false;
          if (m.segments) b.segments.push(...m.segments);
          if (m.positions) mergePositions(b.positions, m.positions);
          b.stats.add(w, m.stats);
          if (this.balancer && m.busyMs !== undefined) {
            let read = 0;
            for (const id of this.balanced) read += m.records[id] ?? 0;
            this.balancer.done(m.t, w, read, m.busyMs);
            debug({ batch: m.t, worker: w }, () => `balanced sources read ${read} records in ${m.busyMs!.toFixed(0)} ms busy; slice weights now ${this.balancer!.weights()?.join(':') ?? 'equal'}`);
          }
          b.got.add(w);
          if (b.got.size === this.n) {
            b.settle?.resolve();
            // The batch after the next may start now that every worker is done with this one.
            const after = this.batches.get(m.t + this.plan.batchIntervalMs);
            if (after?.more) this.pipeline?.(after.t);
          }
        }
        return;
      }
      case 'ready':
        if (!m.snapshots) this.cannot.push(`worker ${w}: ${m.cannot}`);
        return this.answered(w, 'ready');
      case 'ended': return this.answered(w, 'ended');
      case 'committed': return this.answered(w, 'committed');
      case 'failed': {
        const where = siteText({ worker: w, stage: m.stage, partition: m.partition, batch: m.t });
        this.fail(fromWire(m.error, where));
        return;
      }
    }
  }

  private answered(w: number, what: string): void {
    const ph = this.phase;
    if (!ph || ph.what !== what) return;
    ph.got.add(w);
    if (ph.got.size === this.n) ph.resolve();
  }

  private onExit(w: number, why: string): void {
    // The batch the worker was running: the oldest it had not sent `done` for (it runs its
    // batches in order), else the oldest not finished here.
    const inFlight = [...this.batches.values()].sort((x, y) => x.t - y.t);
    const b = inFlight.find((x) => !x.got.has(w)) ?? inFlight[0];
    let doing = 'between batches';
    if (b) {
      const unfinished = this.physical.stages.flatMap((s) => {
        const out: string[] = [];
        for (let p = w; p < s.partitions; p += this.n) if (!b.stages.has(`${s.id}/${p}`)) out.push(`${s.id}/p${p} [${s.nodes.filter((id) => this.physical.nodePartitions[id] > p).join(', ')}]`);
        return out;
      });
      doing = `while running ${unfinished[0] ?? 'its last messages'}`;
    } else if (this.phase?.what === 'hello') {
      // Not a crash to retry: the worker never built the pipeline.
      this.fail(new RuntimeError(
        `worker ${w} exited (${why}) before reporting the plan of pipeline '${this.plan.name}'`,
        {},
        this.opts.worker
          ? `see the worker's stderr above: importing ${this.opts.worker.module} or calling '${this.opts.worker.export}' failed`
          : 're-executed as a worker, the entry script must build the same pipeline and call run() on it with the cluster runtime (no branch on SLUICE_WORKER, argv or time before that)',
      ));
      return;
    } else if (this.phase) doing = `while waiting for '${this.phase.what}'`;
    const detail = `worker ${w} crashed (${why}) ${doing}`;
    this.fail(new WorkerCrashed(b ? `${detail} in batch ${b.t}` : detail, detail, b?.t));
  }

  private codec(id: string) {
    let c = this.codecs.get(id);
    if (!c) {
      const n = this.plan.nodes.find((x) => x.id === id)!;
      c = codecFor(`${n.inputs[0].from}→${id}`, 'inferred');
      this.codecs.set(id, c);
    }
    return c;
  }
}

/** Sleeps until the wall clock reaches `time`; false when aborted first. */
function sleepUntil(time: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, Math.max(0, time - Date.now()));
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export { WorkerPool };
