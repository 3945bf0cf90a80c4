/**
 * The task contract of the engine core: a task is one stage × one partition of a physical
 * plan. Every runtime places tasks (all in one process, in forked workers, on machines in
 * a Kafka consumer group) and moves batches between them; the semantics live in the task.
 *
 * Lifecycle, per task:
 * ```
 * restore(state)? ─▶ open() ─▶ { process(t) ─▶ prepare(t) ─▶ takeDeadLetters() }* ─▶ close()
 * ```
 * - `process(t)` runs batch t: takes the batch of every input (forward edges from the same
 *   partition, exchange edges from every producer partition), runs the fused operators and
 *   returns each exchange edge's parts and each sink partition's batch; it makes nothing
 *   visible outside the task.
 * - `prepare(t)` makes the task's state after t durable but not yet part of the job (state
 *   segments that only a commit record lists) and reports the sources' positions.
 * - The runtime prepares the sink partitions (part files under a pending name) and the dead
 *   letters of t, and commits t only after every task prepared t (the commit barrier): the
 *   commit record (one atomic write) is the single point where t becomes complete. Sinks are
 *   then committed (`CommittableSink.commit(t)`, idempotent: run again after a crash it
 *   changes nothing more).
 *
 * Implemented by `runtimes/core/stage-task.ts` (`StageTask`), which both runtimes run: the
 * cluster's workers one per stage partition, the local runtime one for the whole plan.
 *
 * @module
 * @internal
 */
import type { DeadLetter } from '../io/connector.js';

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

/**
 * A task's input on one edge at t. Forward edges: the producing node's batch (same partition
 * index, another stage). Exchange edges: every producer partition's part, concatenated in
 * producer partition order.
 */
export interface TaskInput<T = unknown> {
  /** The edge id of an exchange edge, or the producing node's id of a forward edge. */
  readonly edge: string;
  /** undefined: no producer produced anything at t. */
  readonly records: T[] | undefined;
  /** Exchange edges into event-time operators: the largest event time over the producers' parts ({@link batchMaxEventTime}). */
  readonly maxEventTime?: number;
}

/** What a task produced at t, for the runtime to deliver. */
export interface TaskOutput {
  /** Whether any node of the task produced a batch at t. */
  readonly any: boolean;
  /** Each node's batch at t by node id (forward edges read theirs); undefined when it produced nothing. */
  readonly batches: ReadonlyMap<string, unknown[] | undefined>;
  /** One part per exchange edge out and consumer partition, empty ones included (`records` undefined when the task produced nothing on the edge). */
  readonly parts: ReadonlyArray<EdgeBatch>;
  /** The batch of each sink partition the task feeds, for the runtime to prepare (undefined: nothing at t). */
  readonly sinks: ReadonlyArray<{ readonly sink: string; readonly records: unknown[] | undefined }>;
}

/** How a batch is run, as the runtime tells every task. */
export interface TaskBatch {
  /** The end-of-input pass: operators flush what they hold and sources are not polled. */
  readonly final: boolean;
  /** Record counts by node (added to). */
  readonly metrics: { records: Record<string, number>; lateRecords: number };
  /** When the run is observed: wall time (ms) per node, added to. */
  readonly times?: Record<string, number>;
}

/** A state segment a task wrote for the commit record of t (path relative to the checkpoint directory). */
export interface PreparedState {
  readonly node: string;
  readonly partition: number;
  readonly partitions: number;
  readonly file: string;
  readonly bytes: number;
}

/**
 * Adds the source positions one task (or worker) reported to `into`. A source read in
 * slices by key reports `{ byKey }`, its slice's positions by key: those of every slice are
 * merged; any other position is the same in every slice and is taken as it comes.
 */
export function mergePositions(into: Record<string, unknown>, from: Readonly<Record<string, unknown>>): void {
  for (const [id, p] of Object.entries(from)) {
    const a = into[id] as { byKey?: Record<string, unknown> } | undefined;
    const b = p as { byKey?: Record<string, unknown> } | undefined;
    into[id] = a?.byKey && b?.byKey ? { byKey: { ...a.byKey, ...b.byKey } } : p;
  }
}

/** What a prepared task reports for the commit record of t. */
export interface Prepared {
  /** State segments written for t, full or delta. */
  readonly state: ReadonlyArray<PreparedState>;
  /** Positions of the sources this task reads, after t, by source node id. */
  readonly positions: Readonly<Record<string, unknown>>;
}

/**
 * One stage × one partition, as any runtime drives it. Sinks are not the task's to commit:
 * the runtime prepares each sink partition with the batch the task hands it
 * (`TaskOutput.sinks`) and commits every sink after the commit record of t
 * (`CommittableSink`).
 *
 * @example
 * ```ts
 * task.restore((node) => stateOf(node));
 * await task.open();
 * const out = await task.process(t, inputs, { final: false, metrics });
 * deliver(out.parts);
 * const p = task.prepare(t, checkpointing);
 * writeDeadLetters(task.takeDeadLetters());
 * ```
 * @internal
 */
export interface Task {
  readonly id: TaskId;
  /** Puts back the state of the task's key groups (or its own partition's local state); before {@link Task.open}. */
  restore(read: (node: string) => unknown): void;
  /** Starts the task's operators (loads tables, opens readers); before the first batch. */
  open(): Promise<void>;
  /** Runs batch t over its inputs; makes nothing visible outside the task. */
  process(t: number, inputs: ReadonlyArray<TaskInput>, batch: TaskBatch): Promise<TaskOutput>;
  /** After t: with `checkpoint`, writes the task's state segments (durable, listed only by the commit record) and reports positions. */
  prepare(t: number, checkpoint: boolean): Prepared;
  /** The dead letters of the batch that ran, in the order they came. */
  takeDeadLetters(): DeadLetter[];
  close(): Promise<void>;
}
