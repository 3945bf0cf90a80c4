/**
 * The test harness: run a stream-building function over explicit input batches on the
 * local runtime, in virtual time, and get the output batch by batch.
 *
 * @module
 */
import { Pipeline } from '../dsl/pipeline.js';
import type { Stream } from '../dsl/stream.js';
import type { DeadLetter } from '../io/connector.js';
import { collect } from '../io/sinks/collect.js';
import { batches } from '../io/sources/memory.js';
import type { RunMetrics } from '../runtime.js';
import { seconds, type Duration } from '../time/duration.js';

/**
 * Options of {@link runBatches}.
 * @example
 * ```ts
 * await runBatches(input, build, { batchInterval: seconds(1), numBatches: 6 });
 * ```
 * @category Testing
 */
export interface RunBatchesOptions {
  /** Batch interval (default 1 s). Input batch i arrives at (i + 1) × interval. */
  batchInterval?: Duration;
  /** How many batches to run (default: the number of input batches); extra batches are empty. */
  numBatches?: number;
  /** Partitions for partition-aware operators (default 1). */
  partitions?: number;
  /** Receives the run's dead letters and metrics. */
  inspect?: (report: { deadLetters: DeadLetter[]; metrics: RunMetrics }) => void;
}

async function run<U>(
  build: (p: Pipeline) => Stream<U>,
  numBatches: number,
  opts: RunBatchesOptions,
): Promise<U[][]> {
  const dead = collect<DeadLetter>();
  const p = Pipeline.create('test', { batchInterval: opts.batchInterval ?? seconds(1), deadLetters: dead });
  const out = collect<U>();
  build(p).to(out);
  const { metrics } = await p.run({ pace: 'asap', numBatches, partitions: opts.partitions });
  opts.inspect?.({ deadLetters: dead.records(), metrics });
  return out.batches.map(([, rs]) => rs);
}

/**
 * Runs `build` over the input batches on the local runtime in virtual time and returns
 * one array per batch time at which the built stream produced output.
 *
 * @example
 * ```ts
 * import { runBatches } from 'sluice/testing';
 * const out = await runBatches([['a b', 'a'], ['b']], (s) => s.flatMap((l) => l.split(' ')).countByValue());
 * // [[['a', 2], ['b', 1]], [['b', 1]]]
 * ```
 * @category Testing
 */
export function runBatches<T, U>(input: T[][], build: (s: Stream<T>) => Stream<U>, opts: RunBatchesOptions = {}): Promise<U[][]> {
  return run((p) => build(p.source(batches(input))), opts.numBatches ?? input.length, opts);
}

/**
 * Like {@link runBatches} with two inputs.
 *
 * @example
 * ```ts
 * import { runBatches2 } from 'sluice/testing';
 * const out = await runBatches2([[['a', 1]]], [[['a', 'x']]], (a, b) => a.join(b));
 * // [[['a', [1, 'x']]]]
 * ```
 * @category Testing
 */
export function runBatches2<T1, T2, U>(
  input1: T1[][],
  input2: T2[][],
  build: (a: Stream<T1>, b: Stream<T2>) => Stream<U>,
  opts: RunBatchesOptions = {},
): Promise<U[][]> {
  return run((p) => build(p.source(batches(input1)), p.source(batches(input2))), opts.numBatches ?? Math.max(input1.length, input2.length), opts);
}
