/**
 * The task contract of the engine core: a task is one stage × one partition of a physical
 * plan. Every runtime places tasks (all in one process, in forked workers, on machines in
 * a Kafka consumer group) and moves batches between them; the semantics live in the task.
 *
 * Lifecycle, per task:
 * ```
 * open(ctx) ─▶ restore(snapshot)? ─▶ { process(t) ─▶ prepare(t) ─▶ commit(t) | abort(t) }*  ─▶ close()
 * ```
 * - `process(t)` runs batch t: takes the batch of every input (forward edges from the same
 *   partition, exchange edges from every producer partition), runs the fused operators and
 *   hands each output edge its batch; it must not make anything visible outside the task.
 * - `prepare(t)` makes batch t durable but invisible: state snapshot files, sink part
 *   files under a pending name, dead letters of t. It returns what the commit record lists.
 * - `commit(t)` makes what `prepare(t)` wrote visible; `abort(t)` discards it. Both are
 *   idempotent by (task, t): called again after a crash they change nothing more.
 * - A runtime commits t only after every task prepared t (the commit barrier); the commit
 *   record (one atomic write) is the single point where t becomes complete.
 *
 * @module
 * @internal
 */

/** Identifies a task: stage id and partition index (`stage-2/p1`). */
export interface TaskId {
  readonly stage: string;
  readonly partition: number;
}

/** The canonical text of a task id, used in file names and logs. */
export function taskName(id: TaskId): string {
  return `${id.stage}/p${id.partition}`;
}

/**
 * Event time (ms) up to which an event-time operator considers its input complete;
 * `-Infinity` before the first record.
 *
 * sluice follows Spark's micro-batch watermark, not Flink's per-channel one: after batch t
 * the watermark is `max(previous, E − delay − 1)`, where E is the largest event time of
 * every record the operator received so far **over all partitions**. So an exchange into an
 * event-time operator carries, with each producer partition's part of t (empty parts
 * included), that producer's largest event time of t (`EdgeBatch.maxEventTime`); every
 * consumer partition combines them with {@link batchMaxEventTime} (the maximum, not Flink's
 * minimum over channels) and so derives the same watermark as one partition would.
 */
export type Watermark = number;

/**
 * The largest event time of a batch over its producer partitions (each part's
 * `maxEventTime`; `-Infinity` when no producer saw an event time).
 */
export function batchMaxEventTime(perProducer: readonly number[]): number {
  let m = -Infinity;
  for (const w of perProducer) if (w > m) m = w;
  return m;
}

/** One batch on one edge from one producer partition, as an exchange carries it. */
export interface EdgeBatch<T = unknown> {
  readonly edge: string;
  readonly t: number;
  readonly from: number;
  readonly to: number;
  /** undefined: the producer produced nothing at t (a window between slides). */
  readonly records: T[] | undefined;
  /**
   * On an edge into an event-time operator: the largest event time of every record the
   * producer partition sent on the edge at t (`-Infinity` or absent when none).
   */
  readonly maxEventTime?: number;
}

/** What a prepared task reports for the commit record of t. */
export interface Prepared {
  readonly task: TaskId;
  readonly t: number;
  /** State files written for t (relative to the checkpoint directory). */
  readonly state: ReadonlyArray<{ readonly node: string; readonly file: string; readonly bytes: number }>;
  /** Positions of the splits this task reads, after t. */
  readonly positions: Readonly<Record<string, unknown>>;
  /** Sink partitions prepared for t (sink node id → bytes written). */
  readonly sinks: Readonly<Record<string, number>>;
}

/** What a runtime gives a task when it opens it. */
export interface TaskContext {
  readonly id: TaskId;
  /** Partitions of the task's stage in this run. */
  readonly partitions: number;
  /** The job's zero time; batch times are zeroTime + k · interval. */
  readonly zeroTime: number;
  /** The checkpoint directory, when the run keeps one. */
  readonly checkpointDir?: string;
}

/**
 * One stage × one partition, as any runtime drives it.
 *
 * @example
 * ```ts
 * await task.open(ctx);
 * if (snapshot) task.restore(snapshot);
 * const out = await task.process(t, inputs);
 * const p = await task.prepare(t);
 * await (barrierPassed ? task.commit(t) : task.abort(t));
 * ```
 * @internal
 */
export interface Task {
  readonly id: TaskId;
  open(ctx: TaskContext): void | Promise<void>;
  /** Puts back the state of the task's key groups (or its own partition's local state); before the first `process`. */
  restore?(snapshot: unknown): void;
  /** Runs batch t over its inputs and returns the batches of its output edges. */
  process(t: number, inputs: ReadonlyArray<EdgeBatch>): Promise<ReadonlyArray<EdgeBatch>>;
  /** Makes batch t durable but not visible; idempotent by (task, t). */
  prepare(t: number, checkpoint: boolean): Promise<Prepared>;
  /** Makes what `prepare(t)` wrote visible; idempotent by (task, t). */
  commit(t: number): Promise<void>;
  /** Discards what `prepare(t)` wrote; idempotent by (task, t). */
  abort(t: number): Promise<void>;
  close(): Promise<void>;
}
