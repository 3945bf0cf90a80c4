import { EMPTY, defer, expand, fromEvent, lastValueFrom, NEVER, takeUntil, timer, concatMap, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Bindings } from '../../src/dsl/graph.js';
import { NODE_KINDS } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import type { RunOptions, RunResult, Runtime } from '../../src/runtime.js';
import { claimOutputs } from '../../src/io/claim-outputs.js';
import { Engine } from './engine.js';
import { pacingOf } from './pacing.js';
import { Observer } from '../../src/observe/observer.js';

interface Step { readonly index: number; readonly time: number; readonly end: boolean }

/**
 * Runs a plan on the local engine. RxJS drives the batch clock: with `asap` pacing batches
 * follow each other at once and batch time is virtual ((i+1) × interval); with `realtime`
 * pacing batch i runs when the wall clock reaches zeroTime + (i+1) × interval (late batches
 * run at once, one at a time, as Spark's job queue does).
 */
export async function runLocal(plan: Plan, bindings: Bindings, opts: RunOptions, scheduler: SchedulerLike = asyncScheduler): Promise<RunResult> {
  const interval = plan.batchIntervalMs;
  const { pace, zeroTime } = pacingOf(bindings, opts, interval, scheduler.now());
  claimOutputs(plan, bindings, { overwrite: opts.overwrite });
  const engine = new Engine(plan, bindings, {
    zeroTime,
    maxBatchSize: opts.maxBatchSize ?? 100_000,
    wait: pace === 'asap',
    partitions: opts.partitions ?? 1,
  });
  const observer = await Observer.open(plan, opts, 'local', pace);
  if (observer) observer.zeroTime = zeroTime;
  engine.observe(observer);
  // A bounded run goes on with empty batches until every window that holds data has fired;
  // with numBatches it runs exactly that many (the test harness's explicit batches, as Spark's).
  const ended = (index: number, time: number) => (opts.numBatches !== undefined ? index >= opts.numBatches : engine.drained && !engine.holds(time));
  const step = (index: number) =>
    defer(async (): Promise<Step> => {
      const time = zeroTime + index * interval;
      await engine.runBatch(time);
      return { index, time, end: ended(index, time) };
    });
  const next = (index: number) =>
    pace === 'asap' ? step(index) : timer(Math.max(0, zeroTime + index * interval - scheduler.now()), scheduler).pipe(concatMap(() => step(index)));
  const stop$ = opts.signal ? fromEvent(opts.signal, 'abort') : NEVER;
  let last: Step = { index: 0, time: zeroTime, end: false };
  try {
    await engine.start();
    if (!(opts.numBatches === 0)) {
      if (opts.signal?.aborted) return { metrics: engine.metrics };
      const done = await lastValueFrom(
        next(1).pipe(expand((s) => (s.end ? EMPTY : next(s.index + 1))), takeUntil(stop$)),
        { defaultValue: last },
      );
      last = done;
    }
    if (last.end || (opts.numBatches === undefined && engine.drained)) await engine.finish(last.time + interval);
  } finally {
    try { await engine.close(); } finally { await observer?.close(); }
  }
  return { metrics: engine.metrics };
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
export const localRuntime: Runtime = {
  name: 'local',
  supports: new Set(NODE_KINDS),
  run: (plan, bindings, opts) => runLocal(plan, bindings, opts),
};
