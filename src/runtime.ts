import type { Plan } from './ir/plan.js';
import type { NodeKind } from './ir/nodes.js';
import type { Bindings } from './dsl/graph.js';
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
}

/**
 * How to run a pipeline.
 *
 * @example
 * ```ts
 * await pipeline.run({ runtime: 'local', pace: 'asap' });
 * ```
 * @category Runtime
 */
export interface RunOptions {
  /** Which runtime: `local` (default, one process, RxJS) or `cluster` (worker processes). */
  runtime?: 'local' | 'cluster';
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
  /** Cluster runtime: worker process count. */
  workers?: number;
  /** Cluster runtime: where checkpoints are kept. */
  checkpointDir?: string;
  /** Called after every batch with its progress record (same shape on every runtime). */
  onProgress?: (progress: BatchProgress) => void;
  /** Write each batch's progress record to this file as a JSON line (the file is replaced). */
  progressFile?: string;
  /** Prometheus metrics of the run: `{ port: 9464 }` serves them at `http://127.0.0.1:9464/metrics`. */
  metrics?: MetricsOptions;
}

/**
 * What a finished run reports.
 * @category Runtime
 */
export interface RunResult {
  /** The run's counters: batches, records per operator, dead letters, late records. */
  readonly metrics: RunMetrics;
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
