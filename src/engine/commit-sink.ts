/**
 * The sink contract of the engine core: a sink that can be written by the task that owns
 * each of its partitions, in two phases keyed by (sink, partition, t):
 * - `prepare(t, records)` (each partition, in the process that runs it) writes durably
 *   under a pending name: nothing becomes visible;
 * - `commit(t)` (one process at a time, after the commit record of t) makes every batch
 *   prepared up to t visible, in (batch time, partition) order — batches between two
 *   checkpoints become visible with the next commit;
 * - `recover(committed)` (after a crash, before any partition prepares again) commits
 *   again what the last commit record covers and aborts (deletes) every other prepared
 *   batch.
 * All three are idempotent: `prepare` of a batch already visible writes nothing, `commit`
 * of a batch already visible changes nothing, `recover` run twice does what it did once.
 * Dead letters are a sink like any other (node id `deadLetters`).
 *
 * @module
 * @internal
 */

/** The key that makes each phase idempotent. */
export interface SinkTxnId {
  readonly sink: string;
  readonly partition: number;
  readonly t: number;
}

/** The text of a transaction id, as used in logs (`<sink>.p<partition>.t<t>`). */
export function sinkTxnName(id: SinkTxnId): string {
  return `${id.sink.replace(/[^A-Za-z0-9_.-]/g, '_')}.p${id.partition}.t${id.t}`;
}

/**
 * One partition of a {@link CommittableSink}, opened in the process that runs it.
 *
 * @example
 * ```ts
 * const part = sink.committable.partition({ operator: 'sink#5' }, 1);
 * await part.prepare(t, records); // durable, invisible
 * ```
 * @internal
 */
export interface CommittableSinkPartition<T> {
  /** Writes batch t of this partition under a pending name (temp, fsync, rename); nothing when it is empty or already visible. */
  prepare(t: number, records: readonly T[]): Promise<void>;
}

/**
 * A sink whose partitions are written where they are computed and made visible by a
 * commit, so that a replay, a crash or a restart neither loses nor duplicates a batch.
 *
 * @example
 * ```ts
 * const c = committableOf(sink);
 * if (c) {
 *   await c.recover(lastCommit?.t);              // once, before any prepare
 *   await c.partition(ctx, p).prepare(t, records); // every partition, every batch
 *   // … every task prepared t, the commit record of t is written …
 *   await c.commit(t);                             // one process
 * }
 * ```
 * @internal
 */
export interface CommittableSink<T> {
  /** Opens partition `partition` for preparing batches in this process. */
  partition(ctx: { readonly operator: string }, partition: number): CommittableSinkPartition<T>;
  /** Makes every batch prepared up to t visible (every partition), in (t, partition) order. */
  commit(t: number): Promise<void>;
  /** After a crash: commits what `committed` covers (the last commit record's batch), deletes every other prepared batch. */
  recover(committed: number | undefined): Promise<void>;
}

/**
 * The committable side of a sink, when it has one (the file sinks and the dead-letter file).
 *
 * @example
 * ```ts
 * const c = committableOf(bindings.sinks.get(id));
 * ```
 * @internal
 */
export function committableOf<T>(sink: object | undefined): CommittableSink<T> | undefined {
  return (sink as { committable?: CommittableSink<T> } | undefined)?.committable;
}
