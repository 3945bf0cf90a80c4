/**
 * Runs a job module starts itself. A module meant for `node job.js` often ends in
 * `await pipeline.run()`; under the CLI that run must be the only one. While the CLI is
 * loading and running a job, `Pipeline.prototype.run` is wrapped: a run the job starts is
 * recorded (and given the command line's options and stop signal), so that the CLI waits
 * for it instead of running the pipeline a second time. Under `explain` nothing runs.
 */
import { Pipeline } from '../dsl/pipeline.js';
import type { RunOptions, RunResult } from '../runtime.js';

/** A run the job module started, and how it ended. */
export interface JobRun {
  readonly pipeline: Pipeline;
  readonly result: Promise<RunResult>;
}

/** What the wrapper does with a run the job starts. */
export type RunPolicy =
  /** Run it with the command line's options over the job's own, and the CLI's stop signal. */
  | { readonly mode: 'run'; readonly options: RunOptions; readonly signal: AbortSignal }
  /** Do not run it (`explain`): it resolves at once with empty metrics. */
  | { readonly mode: 'explain' };

/** What a run that `explain` skipped resolves with (a fresh object each time: the job may keep it). */
const notRun = (): RunResult => ({ metrics: { batches: 0, records: {}, deadLetters: 0, lateRecords: 0 } });

/**
 * Wraps `Pipeline.prototype.run` until `restore()`; returns the runs the job starts and the
 * unwrapped `run`, for the CLI's own run.
 */
export function watchJobRuns(policy: RunPolicy, beforeRun: () => void = () => {}): { runs: JobRun[]; run: Pipeline['run']; restore(): void } {
  const original = Object.getOwnPropertyDescriptor(Pipeline.prototype, 'run');
  const run = Pipeline.prototype.run;
  const runs: JobRun[] = [];
  Pipeline.prototype.run = function (this: Pipeline, opts: RunOptions = {}): Promise<RunResult> {
    beforeRun();
    let result: Promise<RunResult>;
    if (policy.mode === 'explain') result = Promise.resolve(notRun());
    else {
      const signal = opts.signal ? AbortSignal.any([opts.signal, policy.signal]) : policy.signal;
      result = run.call(this, { ...opts, ...policy.options, signal });
    }
    // The CLI reports the outcome; this copy keeps a failure from counting as unhandled meanwhile.
    result.catch(() => {});
    runs.push({ pipeline: this, result });
    return result;
  };
  return {
    runs,
    run,
    restore: () => {
      if (original) Object.defineProperty(Pipeline.prototype, 'run', original);
    },
  };
}
