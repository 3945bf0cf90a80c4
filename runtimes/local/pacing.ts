import type { Bindings } from '../../src/dsl/graph.js';
import { RuntimeError } from '../../src/errors.js';
import type { RunOptions } from '../../src/runtime.js';

/** How a run's batches are timed; the same rules for the local and the cluster runtime. */
export interface Pacing {
  readonly pace: 'asap' | 'realtime';
  /** Batch i runs at zeroTime + i × interval. */
  readonly zeroTime: number;
}

/**
 * Checks `numBatches` and decides the pacing: `asap` (virtual time from 0) by default when
 * every source is bounded, else `realtime` (zero time the wall clock rounded down to the
 * interval).
 */
export function pacingOf(bindings: Bindings, opts: Omit<RunOptions, 'runtime'>, intervalMs: number, now: number): Pacing {
  if (opts.numBatches !== undefined && (!Number.isInteger(opts.numBatches) || opts.numBatches < 0)) {
    throw new RuntimeError(`numBatches must be a non-negative integer, got ${opts.numBatches}`);
  }
  const bounded = [...bindings.sources.values()].every((s) => s.spec.bounded);
  const pace = opts.pace ?? (bounded ? 'asap' : 'realtime');
  return { pace, zeroTime: pace === 'asap' ? 0 : Math.floor(now / intervalMs) * intervalMs };
}
