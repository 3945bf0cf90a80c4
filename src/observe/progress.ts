/**
 * The progress record of one batch: the same shape from the local and the cluster runtime,
 * as Structured Streaming's `StreamingQueryProgress`.
 * @module
 */

/**
 * One operator's share of a batch.
 *
 * @example
 * ```ts
 * await p.run({ onProgress: (b) => console.log(b.operators['reduceByKey#3'].stateKeys) });
 * ```
 * @category Observability
 */
export interface OperatorProgress {
  /** The node kind, e.g. `map`, `reduceByKey`. */
  readonly kind: string;
  /** Records the operator emitted in this batch. */
  readonly records: number;
  /** Records its inputs emitted in this batch (what it read). */
  readonly recordsIn: number;
  /**
   * Wall time spent in the operator (ms). On the local runtime a fused chain of narrow
   * operators (map, filter, flatMap…) is timed at its first operator; on the cluster runtime
   * it is the sum over the workers (operators are not fused there).
   */
  readonly timeMs?: number;
  /** Keys held in the operator's state after the batch (stateful operators). */
  readonly stateKeys?: number;
  /** Event-time operators: the watermark after the batch (ms since the epoch). */
  readonly watermark?: number;
  /** Cluster runtime: records emitted by each worker (index = worker). */
  readonly byWorker?: readonly number[];
  /** Cluster runtime: time spent in the operator by each worker (ms; `timeMs` is their sum). */
  readonly timeByWorker?: readonly number[];
  /** Cluster runtime: keys held by each worker (`stateKeys` is their sum). */
  readonly stateKeysByWorker?: readonly number[];
}

/**
 * What a Kafka source read in one batch, by `topic:partition` (its consumer lag is in
 * {@link BatchProgress.lag}).
 *
 * @example
 * ```ts
 * await p.run({ onProgress: (b) => console.log(b.kafka?.['source#0'].ranges) }); // { 'readings:0': [120, 170] }
 * ```
 * @category Observability
 */
export interface KafkaProgress {
  /** The offset range read, `[from, until)`. */
  readonly ranges: Readonly<Record<string, readonly [number, number]>>;
  /** Records read (records that did not decode went to dead letters and count here too). */
  readonly records: Readonly<Record<string, number>>;
}

/**
 * A source's share of a batch.
 *
 * @example
 * ```ts
 * await p.run({ onProgress: (b) => console.log(b.sources['source#0'].inputRate, 'records/s') });
 * ```
 * @category Observability
 */
export interface SourceProgress {
  /** Records read in this batch. */
  readonly records: number;
  /** Records per second of batch interval (Spark's input rate). */
  readonly inputRate: number;
  /** Records per second of processing time. */
  readonly processedRate: number;
}

/**
 * A dead letter as the progress record shows it: the raw input cut to 200 characters.
 *
 * @example
 * ```ts
 * await p.run({ onProgress: (b) => b.deadLetters.latest.forEach((d) => console.log(d.origin, d.reason)) });
 * ```
 * @category Observability
 */
export interface DeadLetterPreview {
  /** The operator id and, for sources, file and line. */
  readonly origin: string;
  /** Why it was rejected. */
  readonly reason: string;
  /** The raw input, at most 200 characters (then `…`). */
  readonly raw: string;
  /** Batch time at which it was rejected. */
  readonly batchTime: number;
}

/**
 * What happened in one batch. `run({ onProgress })` receives one per batch; `sluice run
 * --progress-file F` writes them as JSON lines.
 *
 * @example
 * ```ts
 * await p.run({ onProgress: (b) => console.log(b.batch, b.processingMs, b.sources) });
 * ```
 * @category Observability
 */
export interface BatchProgress {
  /** The pipeline's name. */
  readonly pipeline: string;
  /** `local` or `cluster`. */
  readonly runtime: string;
  /** 1 for the first batch of this run; the final pass of a bounded run has the next number. */
  readonly batch: number;
  /** The batch time (ms; virtual with `asap` pacing, wall clock with `realtime`). */
  readonly batchTime: number;
  /** The end-of-input pass that flushes event-time windows. */
  readonly final: boolean;
  /** The batch interval (ms). */
  readonly batchIntervalMs: number;
  /** Wall clock when the batch started (ms since the epoch). */
  readonly startedAt: number;
  /** How long the batch waited to start after its batch time (ms; 0 with `asap` pacing). */
  readonly schedulingDelayMs: number;
  /** How long the batch ran (ms). */
  readonly processingMs: number;
  /** Scheduling delay plus processing time (ms). */
  readonly totalDelayMs: number;
  /** By source node id. */
  readonly sources: Readonly<Record<string, SourceProgress>>;
  /** By node id, every operator of the plan (sources and sinks included). */
  readonly operators: Readonly<Record<string, OperatorProgress>>;
  /** Dead letters of this batch: how many, by reason (the text before the first `:`), the last few. */
  readonly deadLetters: {
    readonly count: number;
    readonly byReason: Readonly<Record<string, number>>;
    readonly latest: readonly DeadLetterPreview[];
  };
  /** Records that arrived after their event-time window closed. */
  readonly lateRecords: number;
  /** Consumer lag by `topic:partition` (records) after the batch, when a source reports it (Kafka). */
  readonly lag?: Readonly<Record<string, number>>;
  /** Kafka sources' offset ranges and records per `topic:partition` in this batch, by source node id. */
  readonly kafka?: Readonly<Record<string, KafkaProgress>>;
  /** Cluster runtime: the batch was run again after a worker crash (its output was already written). */
  readonly replayed?: boolean;
  /** Cluster runtime: a checkpoint was committed after this batch. */
  readonly checkpoint?: { readonly durationMs: number; readonly bytes: number };
}

/** How many dead letters a progress record keeps. */
export const LATEST_DEAD_LETTERS = 5;
/** How much of a dead letter's raw text a progress record keeps. */
export const RAW_PREVIEW = 200;

/**
 * The reason class of a dead letter, for counting: the text before the first `:` with
 * digits replaced, so "expected 3 columns, got 2" and "expected 4 columns, got 1" count
 * together.
 */
export function reasonClass(reason: string): string {
  const head = reason.split(':', 1)[0].trim();
  return head.replace(/\d+/g, 'N').slice(0, 60) || 'unknown';
}
