import type { Plan } from './ir/plan.js';
import type { NodeKind } from './ir/nodes.js';
import type { Bindings } from './dsl/graph.js';
import { RuntimeError } from './errors.js';
import type { BatchProgress } from './observe/progress.js';
import type { MetricsOptions } from './observe/observer.js';

/**
 * Counters of one run, kept per operator.
 *
 * @example
 * ```ts
 * const { metrics } = await pipeline.run();
 * console.log(metrics.deadLetters, metrics.records['map#1']);
 * ```
 * @category Runtime
 */
export interface RunMetrics {
  /** Batches completed. */
  batches: number;
  /** Records emitted by each operator, by node id. */
  records: Record<string, number>;
  /** Records sent to the dead-letter output (malformed input, failed functions with the deadLetter policy). */
  deadLetters: number;
  /** Records that arrived after their event-time window closed. */
  lateRecords: number;
  /**
   * Kafka sources' last batch, by source node id: offset range, records read and consumer
   * lag per `topic:partition` (local and cluster runtime).
   */
  kafka?: Record<string, { ranges: Record<string, readonly [number, number]>; records: Record<string, number>; lag: Record<string, number> }>;
}

/**
 * How to run a pipeline: options every runtime takes. Options of one runtime are given to
 * its factory (`cluster({ workers, checkpointDir })`), so they cannot reach another.
 *
 * @example
 * ```ts
 * import { cluster, local } from 'sluice';
 * await pipeline.run({ runtime: local(), pace: 'asap' });
 * await pipeline.run({ runtime: cluster({ workers: 2, checkpointDir: 'ckpt' }), numBatches: 10 });
 * ```
 * @category Runtime
 */
export interface RunOptions {
  /**
   * The runtime: an object from a runtime factory (`local()`, `cluster({...})`), or
   * `'local'` (the default: one process, RxJS). `'cluster'` is accepted as sugar with
   * {@link ClusterShorthand}.
   */
  runtime?: Runtime | 'local';
  /**
   * `realtime`: a batch every batch interval of wall-clock time (for unbounded sources).
   * `asap`: batches back to back, batch time advancing by the interval each batch (virtual
   * time; the default when every source is bounded).
   */
  pace?: 'realtime' | 'asap';
  /** Most records a source contributes to one batch (default 100 000); bounds memory. */
  maxBatchSize?: number;
  /** Stop after this many batches (default: when every bounded source is drained). */
  numBatches?: number;
  /**
   * Replace what an earlier run left in the file sinks' directories and the dead-letter
   * file (default false: such a run is refused before it starts, unless it resumes the
   * checkpoint that wrote them).
   */
  overwrite?: boolean;
  /** Abort to stop the job after the current batch. */
  signal?: AbortSignal;
  /** Number of partitions for partition-aware operators (default 1). */
  partitions?: number;
  /** Called after every batch with its progress record (same shape on every runtime). */
  onProgress?: (progress: BatchProgress) => void;
  /** Write each batch's progress record to this file as a JSON line (the file is replaced; lines are written in blocks, at most 200 ms after their batch). */
  progressFile?: string;
  /** Prometheus metrics of the run: `{ port: 9464 }` serves them at `http://127.0.0.1:9464/metrics`. */
  metrics?: MetricsOptions;
}

/**
 * The string form of the cluster runtime, sugar for `{ runtime: cluster({ workers, checkpointDir }) }`.
 *
 * @example
 * ```ts
 * await pipeline.run({ runtime: 'cluster', workers: 2, checkpointDir: 'ckpt' });
 * ```
 * @category Runtime
 */
export interface ClusterShorthand extends Omit<RunOptions, 'runtime'> {
  runtime: 'cluster';
  /** Worker process count (default 2). */
  workers?: number;
  /** Where checkpoints are kept. */
  checkpointDir?: string;
}

/**
 * What a finished run reports.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * const { metrics, stopped } = await pipeline.run({ signal: stop.signal });
 * console.log(`${stopped ? 'stopped' : 'done'} after ${metrics.batches} batches`);
 * ```
 * @category Runtime
 */
export interface RunResult {
  /** The run's counters: batches, records per operator, dead letters, late records. */
  readonly metrics: RunMetrics;
  /**
   * True when the run was asked to stop before its end: its `signal` was aborted, or (cluster
   * runtime) a worker process got SIGINT or SIGTERM, which stops the whole job after the
   * current batch. With a checkpoint directory, running the job again goes on from there.
   */
  readonly stopped?: boolean;
}

/**
 * A runtime executes plans. It declares what it supports; asking it for anything else
 * fails before the job starts.
 *
 * @example
 * ```ts
 * const rt: Runtime = localRuntime;
 * rt.supports.has('mapWithState'); // true
 * ```
 * @category Runtime
 */
export interface Runtime {
  /** The name `RunOptions.runtime` selects it by, e.g. `local`. */
  readonly name: string;
  /** The node kinds it can execute; a plan with any other kind is refused before it starts. */
  readonly supports: ReadonlySet<NodeKind>;
  /**
   * Runs a validated plan with its bindings (the user functions and connectors by node id).
   * Resolves when the run ends; rejects with a {@link SluiceError} subclass naming the operator.
   * @example
   * ```ts
   * const { metrics } = await localRuntime.run(p.plan(), p.bindings(), { pace: 'asap' });
   * ```
   */
  run(plan: Plan, bindings: Bindings, opts: RunOptions): Promise<RunResult>;
}

/**
 * The runtime `opts` name: the object itself, or for the string sugar the built-in runtime
 * of that name, loaded when first asked for (so that the DSL and planner never import a
 * runtime), with the options to hand its `run`.
 *
 * @example
 * ```ts
 * const { runtime, options } = await resolveRuntime({ runtime: 'cluster', workers: 2 });
 * ```
 * @internal
 */
export async function resolveRuntime(opts: RunOptions | ClusterShorthand): Promise<{ runtime: Runtime; options: RunOptions }> {
  const { runtime = 'local', ...rest } = opts;
  if (typeof runtime === 'object' && runtime !== null && typeof runtime.run === 'function') return { runtime, options: rest };
  switch (runtime) {
    case 'local':
      // The sugar's local options (checkpointDir from the CLI) go to the factory.
      return { runtime: (await import('../runtimes/local/index.js')).local(rest as never), options: rest };
    case 'cluster': {
      // The sugar's cluster options (and, from tests and tools, the cluster runtime's others) go to the factory.
      return { runtime: (await import('../runtimes/cluster/index.js')).cluster(rest as never), options: rest };
    }
    default:
      throw new RuntimeError(`unknown runtime '${String(runtime)}'`, {}, "pass { runtime: local() } or { runtime: cluster({ workers: 2 }) } (or the strings 'local', 'cluster')");
  }
}
