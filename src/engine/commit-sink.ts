/**
 * The sink contract of the engine core: each sink partition is written by the task that
 * owns it, in two phases keyed by (sink, partition, t):
 * - `prepare(t, records)` writes durably under a pending name (nothing visible);
 * - `commit(t)` makes it visible (a rename, a Kafka transaction commit);
 * - `abort(t)` drops it.
 * All three are idempotent: `prepare` of a batch already committed writes nothing,
 * `commit` of a batch already visible does nothing, `abort` of a missing batch does
 * nothing. Dead letters are a sink like any other (node id `deadLetters`).
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

/** The text of a transaction id, as used in pending file names (`<sink>.p<partition>.t<t>`). */
export function sinkTxnName(id: SinkTxnId): string {
  return `${id.sink.replace(/[^A-Za-z0-9_.-]/g, '_')}.p${id.partition}.t${id.t}`;
}

/**
 * A sink partition that prepares and commits.
 *
 * @example
 * ```ts
 * await part.prepare({ sink: 'sink#5', partition: 1, t }, records);
 * // … every task prepared, the commit record of t is written …
 * await part.commit({ sink: 'sink#5', partition: 1, t });
 * ```
 * @internal
 */
export interface CommittableSinkPartition<T> {
  prepare(id: SinkTxnId, records: readonly T[]): Promise<void>;
  commit(id: SinkTxnId): Promise<void>;
  abort(id: SinkTxnId): Promise<void>;
  close(): Promise<void>;
}
