import type { SinkSpec, SourceSpec } from '../ir/nodes.js';
import type { Schema } from '../schema/schema.js';

/**
 * A record that could not be read or processed, kept with the reason instead of being lost.
 *
 * @example
 * ```ts
 * const dl: DeadLetter = { origin: 'readings.jsonl:12', reason: 'Unexpected token', raw: '{"sensor":', batchTime: 1000 };
 * ```
 * @category Connectors
 */
export interface DeadLetter {
  /** Where the record came from: the operator id and, for sources, file and line. */
  readonly origin: string;
  /** Why it was rejected. */
  readonly reason: string;
  /** The raw input (a line, a JSON form of the record). */
  readonly raw: string;
  /** Batch time at which it was rejected. */
  readonly batchTime: number;
}

/** What a running source may call back into. @category Connectors */
export interface SourceContext {
  /** The source node's id, for error messages. */
  readonly operator: string;
  /** Hands a malformed record to the dead-letter output; the source goes on. */
  deadLetter(origin: string, reason: string, raw: string): void;
}

/** One poll's worth of records. @category Connectors */
export interface PollResult<T> {
  readonly records: T[];
  /** True once a bounded source has nothing more to give. */
  readonly done: boolean;
}

/**
 * A source opened for one run.
 * @category Connectors
 */
export interface SourceReader<T> {
  /**
   * Returns up to `max` records. With `wait` true the reader waits until it has `max`
   * records or the source ends (batch mode over historical data); with `wait` false it
   * returns what has arrived so far (real-time mode). A reader built from explicit
   * batches returns one batch per poll whatever `max` is. `batchTime`, when the runtime
   * knows it, is the time of the batch the records are for (a source that fixes what each
   * batch reads, such as Kafka's, keys its write-ahead log by it).
   */
  poll(max: number, wait: boolean, batchTime?: number): PollResult<T> | Promise<PollResult<T>>;
  /** A JSON-serialisable position after the last polled record, for checkpoints. */
  position?(): unknown;
  /** What the last poll read, for the run's metrics (the Kafka source: ranges, records and lag per partition). */
  report?(): { readonly kind: 'kafka'; readonly ranges: Record<string, readonly [number, number]>; readonly records: Record<string, number>; readonly lag: Record<string, number> } | undefined;
  /** Releases the reader's resources (files, sockets); called once when the run ends. */
  close(): void | Promise<void>;
}

/**
 * Which slice of a source a partition reads ({@link Source.openSlice}).
 *
 * @example
 * ```ts
 * const slice: SourceSlice = { index: 1, count: 4 };
 * ```
 * @category Connectors
 */
export interface SourceSlice {
  readonly index: number;
  readonly count: number;
  /** A source sliced `'byKey'`: whether this slice owns the unit of input named `key` (a file's name). Absent: every key. */
  readonly owns?: (key: string) => boolean;
  /**
   * A source sliced `'contiguous'` that says {@link Source.weightedSlices}: the records
   * `[a, b)` of the batch being polled, of `records`, that this slice takes, when the
   * runtime balances the slices (the cluster gives a faster worker a larger slice). Called
   * during a poll; the bounds of the `count` slices of one batch always tile `[0, records)`
   * in index order. Absent: equal slices. Connectors cut with {@link sliceBounds}, which
   * applies it.
   */
  readonly bounds?: (records: number) => readonly [number, number];
}

/**
 * The records `[a, b)` of a batch of `records` that slice `slice` of a `'contiguous'`
 * source takes: `slice.bounds` when the runtime balances the slices, else the equal cut
 * `[⌊index·records/count⌋, ⌊(index+1)·records/count⌋)`. The slices of one batch, in
 * index order, tile the batch.
 *
 * @example
 * ```ts
 * sliceBounds(10, { index: 1, count: 4 }); // [2, 5]
 * sliceBounds(10, { index: 1, count: 2, bounds: (n) => [3, n] }); // [3, 10]
 * ```
 * @category Connectors
 */
export function sliceBounds(records: number, slice: SourceSlice): readonly [number, number] {
  if (slice.bounds) return slice.bounds(records);
  return [Math.floor((slice.index * records) / slice.count), Math.floor(((slice.index + 1) * records) / slice.count)];
}

/**
 * The bounds of slice `index` when the slices of a batch of `records` take shares in
 * proportion to `weights` (non-negative integers, one a slice, not all 0): the cut before
 * slice i is ⌊records · (w₀ + … + wᵢ₋₁) / Σw⌋, so equal weights give the equal cut of
 * {@link sliceBounds} and the last slice always ends at `records`.
 *
 * @example
 * ```ts
 * weightedBounds(100, [3, 1], 0); // [0, 75]
 * weightedBounds(100, [3, 1], 1); // [75, 100]
 * ```
 * @category Connectors
 */
export function weightedBounds(records: number, weights: readonly number[], index: number): readonly [number, number] {
  let before = 0;
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    if (i < index) before += weights[i];
    total += weights[i];
  }
  const cut = (w: number) => Math.floor((records * w) / total);
  return [cut(before), index === weights.length - 1 ? records : cut(before + weights[index])];
}

/**
 * A source connector: a serialisable spec plus the code that reads it.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * const lines: Source<string> = Sources.textFile('data/lines.txt');
 * ```
 * @category Connectors
 */
export interface Source<T> {
  readonly spec: SourceSpec;
  /** Declared schema of the records, when the source parses bytes. */
  readonly schema?: Schema<T>;
  /** Opens the source, optionally resuming at a position returned by `position()`. */
  open(ctx: SourceContext, resumeFrom?: unknown): SourceReader<T>;
  /**
   * Opens slice `index` of `count` of every batch (a source read in parallel by `count`
   * partitions), so every partition reads only its own records. By default (`slicing`
   * `'contiguous'`) the slices of a batch, concatenated in index order, are the batch `open`
   * would give, and positions are those of `open` (the same in every slice). Optional: a
   * source without it is read by one partition.
   */
  openSlice?(ctx: SourceContext, slice: SourceSlice, resumeFrom?: unknown): SourceReader<T>;
  /**
   * How {@link Source.openSlice} divides the input. `'contiguous'` (default): contiguous
   * slices of every batch. `'byKey'`: by unit of input (a directory's files, named by
   * key): slice `index` reads the units `slice.owns` accepts, in whatever batch it finds them,
   * and its position is a record by key of each unit's own position; a resume, on any
   * number of slices, gives each slice the entries of the keys it owns.
   */
  readonly slicing?: 'contiguous' | 'byKey';
  /**
   * A source sliced `'contiguous'` whose `openSlice` cuts every batch with
   * {@link sliceBounds}, so that the runtime may give its slices uneven shares
   * ({@link SourceSlice.bounds}: the cluster gives a faster worker more of each batch).
   * Absent or false: the runtime gives it no bounds and every slice is an equal one. Every
   * built-in source read in contiguous slices says true.
   *
   * @example
   * ```ts
   * import { Sources } from 'sluice';
   * Sources.textFile('words.txt').weightedSlices; // true: its openSlice cuts with sliceBounds
   * ```
   */
  readonly weightedSlices?: boolean;
  /**
   * A source sliced `'byKey'`: the key group (of `keyGroups`) of the unit of input named
   * `unit`, which decides the partition that reads it, as a key's group decides which
   * partition keeps its state. Default: the hash of the name. A source with few units (a
   * topic's partitions) spreads them itself, so that each partition reads as many as the
   * others. Must not depend on anything but its arguments.
   *
   * @example
   * ```ts
   * const unitGroup = (unit: string, keyGroups: number) => Number(unit.split(':')[1]) % keyGroups;
   * ```
   */
  unitGroup?(unit: string, keyGroups: number): number;
  /**
   * False: the cluster runtime never starts batch t + 1 of a job reading this source before
   * batch t has ended (no two batches in flight). For a source whose reading ahead of an
   * uncommitted batch has not been proven under the kill tests. Default: true for a source
   * read in slices.
   *
   * @example
   * ```ts
   * const source: Source<string> = { ...Sources.textFile('in.txt'), pipelined: false };
   * ```
   */
  readonly pipelined?: boolean;
  /**
   * A digest of the records an in-memory source gives before `position` (a position of its
   * readers; undefined: it cannot tell). A checkpoint keeps it with the position, and a
   * resume whose source gives other records before that position is refused (the input
   * changed under the checkpoint; records after it may differ, as a file may grow).
   * Optional; file sources are checked by their file's fingerprint instead.
   */
  inputDigest?(position: unknown): string | undefined;
}

/** What a running sink may call back into. @category Connectors */
export interface SinkContext {
  readonly operator: string;
  readonly pipeline: string;
}

/**
 * A sink opened for one run. `write` receives each batch once, whole; a sink that makes a
 * batch visible atomically (the file sinks) gives exactly-once output on replay.
 * @category Connectors
 */
export interface SinkWriter<T> {
  /**
   * Writes one whole batch; the batch completes when the returned promise settles.
   * (A function-valued property, not a method: that makes sinks contravariant in `T`.)
   */
  readonly write: (records: readonly T[], batchTime: number) => void | Promise<void>;
  /** Flushes and releases the writer; called once when the run ends. */
  close(): void | Promise<void>;
}

/**
 * A sink connector: a serialisable spec plus the code that writes it.
 *
 * A sink is contravariant in `T`: a sink of a wider type (`Sink<unknown>`, a union, fewer
 * record fields) takes a narrower stream, but a sink that needs fields or members a stream's
 * records lack is a type error, e.g. a `Sink<{ id: number; name: string }>` on a
 * `Stream<{ id: number }>`.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * stream.to(Sinks.jsonLines('out/counts.jsonl'));
 * ```
 * @category Connectors
 */
export interface Sink<in T> {
  readonly spec: SinkSpec;
  /** The schema records are written with, if any: only its parts that take a `T`, so that it keeps the sink contravariant. */
  readonly schema?: Pick<Schema<unknown>, 'avro' | 'check'> & {
    /** Encodes a record to Avro binary. */
    readonly encode: (value: T) => Buffer;
  };
  /** Opens the sink for one run. */
  open(ctx: SinkContext): SinkWriter<T>;
  /**
   * Called once before a run starts, in the process that runs the job: a sink whose output
   * outlives the run (files) refuses output an earlier run left there, unless the run
   * overwrites it or resumes the checkpoint that wrote it.
   */
  claim?(ctx: ClaimContext): void;
}

/**
 * What a sink is told before a run starts, to decide whether it may write where it writes.
 * @category Connectors
 */
export interface ClaimContext extends SinkContext {
  /** Replace what an earlier run left (`--overwrite`, `overwrite: true`). */
  readonly overwrite: boolean;
  /** The run's checkpoint directory (absolute), when it keeps one: output it wrote may be resumed. */
  readonly checkpointDir?: string;
}
