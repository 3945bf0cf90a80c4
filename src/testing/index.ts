/**
 * The test harness: run a stream-building function over explicit input batches on the
 * local runtime, in virtual time, and get the output batch by batch.
 *
 * @module
 */
import { Pipeline } from '../dsl/pipeline.js';
import type { Stream } from '../dsl/stream.js';
import type { DeadLetter } from '../io/connector.js';
import { collect, type CollectSink } from '../io/sinks/collect.js';
import { RuntimeError } from '../errors.js';
import { batches } from '../io/sources/memory.js';
import type { RunMetrics, RunOptions } from '../runtime.js';
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
  /** Runtime (default `local`). `cluster` needs `worker`, so that worker processes can rebuild the pipeline. */
  runtime?: 'local' | 'cluster';
  /** Cluster: worker processes (default 2, or the size of `pool`). */
  workers?: number;
  /** Cluster: partitions of keyed stages (default: the worker count). `partitions` stays what partition-aware operators see, as on the local runtime. */
  clusterPartitions?: number;
  /**
   * Cluster: how a worker process rebuilds this pipeline: `module` (absolute path) exports
   * `export`, a function that, called with `args`, returns `harnessPipeline(...).pipeline`
   * for the same inputs, build function and batch interval.
   */
  worker?: { readonly module: string; readonly export: string; readonly args?: readonly unknown[] };
  /** Cluster: a `WorkerPool` (from `runtimes/cluster`) to run on instead of forking workers for this run. */
  pool?: { readonly size: number };
  /** Cluster: checkpoint every batch (state snapshots, offsets, commits) into this directory. */
  checkpointDir?: string;
}

/**
 * What the harness runs: a pipeline named `test` with one `Sources.batches` source per
 * input, `build` applied to them, its output collected and its dead letters kept.
 * Exported so that worker processes of the cluster runtime can rebuild the same pipeline.
 *
 * @example
 * ```ts
 * import { harnessPipeline } from 'sluice/testing';
 * export const wordCount = () => harnessPipeline([[['a b']]], (s) => s.flatMap((l: string) => l.split(' '))).pipeline;
 * ```
 * @category Testing
 */
export function harnessPipeline<U>(
  inputs: readonly unknown[][][],
  build: (...streams: Stream<any>[]) => Stream<U>,
  opts: { batchInterval?: Duration } = {},
): { pipeline: Pipeline; out: CollectSink<U>; dead: CollectSink<DeadLetter> } {
  const dead = collect<DeadLetter>();
  const pipeline = Pipeline.create('test', { batchInterval: opts.batchInterval ?? seconds(1), deadLetters: dead });
  const out = collect<U>();
  build(...inputs.map((input) => pipeline.source(batches(input)))).to(out);
  return { pipeline, out, dead };
}

async function run<U>(
  inputs: readonly unknown[][][],
  build: (...streams: Stream<any>[]) => Stream<U>,
  numBatches: number,
  opts: RunBatchesOptions,
): Promise<U[][]> {
  const { pipeline: p, out, dead } = harnessPipeline(inputs, build, opts);
  const runtime = opts.runtime ?? 'local';
  if (runtime === 'cluster' && !opts.worker) {
    throw new RuntimeError('runBatches on the cluster runtime needs { worker: { module, export } }: worker processes cannot see this build function', {}, 'export a function returning harnessPipeline(...).pipeline and pass its module path and name');
  }
  const cluster = runtime === 'cluster'
    ? { workers: opts.workers, partitions: opts.clusterPartitions, sourcePartitions: opts.partitions ?? 1, worker: opts.worker, pool: opts.pool, checkpointDir: opts.checkpointDir, endsJob: true }
    : { partitions: opts.partitions };
  const { metrics } = await p.run({ runtime, pace: 'asap', numBatches, ...cluster } as RunOptions);
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
  return run([input], build as (s: Stream<any>) => Stream<U>, opts.numBatches ?? input.length, opts);
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
  return run([input1, input2], build as (a: Stream<any>, b: Stream<any>) => Stream<U>, opts.numBatches ?? Math.max(input1.length, input2.length), opts);
}
