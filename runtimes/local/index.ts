import { EMPTY, defer, expand, fromEvent, lastValueFrom, NEVER, takeUntil, timer, concatMap, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Bindings } from '../../src/dsl/graph.js';
import { NODE_KINDS } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import type { RunOptions, RunResult, Runtime } from '../../src/runtime.js';
import { claimOutputs } from '../../src/io/claim-outputs.js';
import { Engine } from './engine.js';
import { pacingOf } from './pacing.js';
import { Observer } from '../../src/observe/observer.js';
import { RuntimeError } from '../../src/errors.js';
import { LocalCheckpoints } from './checkpoints.js';
import { committableSinks, recoverSinks } from '../core/sink-recovery.js';

interface Step { readonly index: number; readonly time: number; readonly end: boolean }

/**
 * Options of the local runtime, given to {@link local}.
 * @example
 * ```ts
 * const opts: LocalOptions = { checkpointDir: 'ckpt', checkpointInterval: 5 };
 * await pipeline.run({ runtime: local(opts) });
 * ```
 * @category Runtime
 */
export interface LocalOptions {
  /**
   * Where checkpoints are kept (the layout of the cluster runtime, docs/ENGINE.md): a rerun
   * with the same directory resumes after its last commit, with the output of an
   * uninterrupted run; a checkpoint of one runtime resumes on the other.
   */
  readonly checkpointDir?: string;
  /**
   * With a `checkpointDir`: commit every this many batches (default 1). The last batch of a
   * run stopped by `numBatches` or a signal, and the final pass of a drained job, are always
   * committed; a resume runs the batches after the last commit again (file sinks skip the
   * batch times they hold).
   */
  readonly checkpointInterval?: number;
}

/** A local runtime object, with the options it was made with. @category Runtime */
export interface LocalRuntime extends Runtime {
  readonly name: 'local';
  /** The options given to {@link local}. */
  readonly options: LocalOptions;
}

/**
 * Runs a plan on the local engine. RxJS drives the batch clock: with `asap` pacing batches
 * follow each other at once and batch time is virtual ((i+1) × interval); with `realtime`
 * pacing batch i runs when the wall clock reaches zeroTime + (i+1) × interval (late batches
 * run at once, one at a time, as Spark's job queue does). `endsJob` (the test harness's): with
 * `numBatches` and a `checkpointDir` the last batch ends the job as drained input does (final
 * pass, committed complete) instead of pausing it, as the cluster's `endsJob`.
 */
export async function runLocal(plan: Plan, bindings: Bindings, opts: RunOptions & LocalOptions & { readonly endsJob?: boolean }, scheduler: SchedulerLike = asyncScheduler): Promise<RunResult> {
  const interval = plan.batchIntervalMs;
  const { pace, zeroTime: fresh } = pacingOf(bindings, opts, interval, scheduler.now());
  const every = opts.checkpointInterval ?? 1;
  if (!Number.isInteger(every) || every < 1) {
    throw new RuntimeError(`checkpointInterval must be a positive integer (batches), got ${opts.checkpointInterval}`, {}, 'pass { checkpointInterval: 10 } to commit every 10 batches');
  }
  const ck = opts.checkpointDir !== undefined ? LocalCheckpoints.open(opts.checkpointDir, plan) : undefined;
  claimOutputs(plan, bindings, { overwrite: opts.overwrite, checkpointDir: ck?.dir });
  const previous = ck?.last;
  // What a killed run left in its sinks beyond the last commit record (temp files, unlisted parts, pending dead letters) goes.
  if (ck) await recoverSinks(committableSinks(plan, bindings), previous?.t);
  if (previous?.complete) return { metrics: { batches: 0, records: Object.fromEntries(plan.nodes.map((n) => [n.id, 0])), deadLetters: 0, lateRecords: 0 } };
  // Refuses missing or corrupt state files and changed input files before anything runs.
  const states = previous?.mode === 'snapshot' ? ck!.restoreStates(bindings.sources) : new Map();
  const zeroTime = previous?.zeroTime ?? fresh;
  const engine = new Engine(plan, bindings, {
    zeroTime,
    maxBatchSize: opts.maxBatchSize ?? 100_000,
    wait: pace === 'asap',
    partitions: opts.partitions ?? 1,
    checkpointing: ck !== undefined,
    stateWriter: ck && (() => ck.writer),
  });
  engine.restore(states);
  // After a snapshot commit the job resumes at the next batch; after a replay commit it runs
  // again from its first batch without writing what the commit covers.
  const resume = previous?.mode === 'snapshot' ? previous : undefined;
  if (previous?.mode === 'replay') engine.replayThrough = previous.t;
  const first = resume ? Math.round((resume.t - zeroTime) / interval) + 1 : 1;
  const observer = await Observer.open(plan, opts, 'local', pace);
  if (observer) observer.zeroTime = zeroTime;
  engine.observe(observer);
  // A bounded run goes on with empty batches until every window that holds data has fired;
  // with numBatches it runs exactly that many (the test harness's explicit batches, as Spark's).
  const ended = (index: number, time: number) => (opts.numBatches !== undefined ? index >= opts.numBatches : engine.drained && !engine.holds(time));
  const stop$ = opts.signal ? fromEvent(opts.signal, 'abort') : NEVER;
  /** The last batch committed (by this run or the one it resumes). */
  let committed = resume?.t ?? -Infinity;
  const commit = (time: number, complete: boolean) => {
    ck!.commit(time, zeroTime, complete, engine.task, engine.drained && !engine.holds(time));
    committed = time;
  };
  // A job committed after its input ran out and its windows fired goes on with its final pass, as the uninterrupted run did.
  const drainedAtResume = !!resume?.drained && opts.numBatches === undefined;
  const step = (index: number) =>
    defer(async (): Promise<Step> => {
      const time = zeroTime + index * interval;
      await engine.runBatch(time);
      const end = ended(index, time);
      // A checkpointed run commits each batch it runs to the end (the abort signal stops it between batches).
      if (ck && time > engine.replayThrough && (every === 1 || index % every === 0 || end || opts.signal?.aborted)) commit(time, false);
      return { index, time, end: end || (ck !== undefined && !!opts.signal?.aborted) };
    });
  const next = (index: number) =>
    pace === 'asap' ? step(index) : timer(Math.max(0, zeroTime + index * interval - scheduler.now()), scheduler).pipe(takeUntil(stop$), concatMap(() => step(index)));
  let last: Step = { index: first - 1, time: resume?.t ?? zeroTime, end: drainedAtResume };
  try {
    await engine.start();
    ck?.begin(engine.task);
    if (!drainedAtResume && !(opts.numBatches === 0) && !(opts.numBatches !== undefined && first > opts.numBatches)) {
      if (opts.signal?.aborted) return { metrics: engine.metrics, stopped: true };
      const done = await lastValueFrom(
        next(first).pipe(expand((s) => (s.end ? EMPTY : next(s.index + 1))), ck ? (x) => x : takeUntil(stop$)),
        { defaultValue: last },
      );
      last = done;
    }
    // With a checkpoint directory a run stopped by numBatches is a pause: no final pass and
    // nothing marked complete, so a rerun with more batches goes on as an uninterrupted run.
    const pause = ck !== undefined && opts.numBatches !== undefined && !opts.endsJob;
    // Stopped by the signal while waiting for a batch between two checkpoints: commit the last batch run.
    if (ck && opts.signal?.aborted && last.index >= first && committed < last.time && last.time > engine.replayThrough) commit(last.time, false);
    const stoppedEarly = ck !== undefined && !!opts.signal?.aborted && !(engine.drained && !engine.holds(last.time));
    if ((last.end || (opts.numBatches === undefined && engine.drained)) && !pause && !stoppedEarly) {
      const t = last.time + interval;
      const complete = (opts.numBatches === undefined || !!opts.endsJob) && engine.drained && !engine.holds(last.time);
      await engine.finish(t);
      if (ck && complete) commit(t, true);
    }
  } finally {
    try { await engine.close(); } finally { await observer?.close(); }
  }
  return { metrics: engine.metrics, ...(opts.signal?.aborted ? { stopped: true } : {}) };
}

/**
 * The local runtime: one process, every node kind.
 *
 * @example
 * ```ts
 * import { localRuntime } from 'sluice';
 * await localRuntime.run(pipeline.plan(), pipeline.bindings(), { pace: 'asap' });
 * ```
 * @category Runtime
 */
export const localRuntime: Runtime = localWith({});

/**
 * The local runtime, for `run({ runtime: local() })`: every node kind, in this process;
 * with `checkpointDir`, checkpoints in the layout the cluster runtime uses.
 *
 * @example
 * ```ts
 * import { local } from 'sluice';
 * await pipeline.run({ runtime: local(), pace: 'asap' });
 * await pipeline.run({ runtime: local({ checkpointDir: 'ckpt' }) }); // a rerun resumes after its last commit
 * ```
 * @category Runtime
 */
export function local(options?: LocalOptions): LocalRuntime {
  return options === undefined ? (localRuntime as LocalRuntime) : localWith(options);
}

function localWith(options: LocalOptions): LocalRuntime {
  return {
    name: 'local',
    supports: new Set(NODE_KINDS),
    options,
    run: (plan, bindings, opts) => runLocal(plan, bindings, { ...opts, ...options }),
  };
}
