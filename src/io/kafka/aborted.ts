/**
 * What a `read_committed` reader may see of one partition's fetch response: the records of
 * committed transactions and non-transactional records, without control records and without
 * the records of aborted transactions.
 *
 * A fetch response lists the aborted transactions that overlap it (producer id, first
 * offset), in the order the broker's transaction index holds them: the order in which they
 * were aborted, not the order in which they started. kafkajs 2.2.4 (`filterAbortedMessages`)
 * takes that list as sorted by first offset and starts at most one transaction per record,
 * so when two producers' transactions interleave on a partition and the later-started one
 * is aborted first, records of the other aborted transaction pass as committed, and the
 * other producer's records after its abort marker can be dropped as aborted. Measured here
 * against Kafka 4: producer Y opens a transaction and writes, X opens one, writes and aborts,
 * X commits a second one, Y aborts; kafkajs's consumer and `Batch` both hand Y's aborted
 * record to read_committed readers. `_sluice_sink_commits`, shared by every transactional
 * sink, is such a partition, so exactly-once relied on the right answer here.
 *
 * This follows the Java consumer (`CompletedFetch`): aborted transactions taken in order of
 * first offset; before each record, every one starting at or before it marks its producer
 * aborted; an abort marker of a producer ends that; a transactional record of a producer
 * marked aborted is dropped.
 *
 * (Internal to sluice.)
 * @module
 */

/** An aborted transaction as a fetch response lists it. */
export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** A record of a fetch response, with what its record batch says (kafkajs's decoded message). */
export interface BatchedMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext?: { readonly producerId: string; readonly inTransaction: boolean };
}

/** The key of an abort marker: control record version 0, type 0 (a commit marker is type 1). */
const ABORT = Buffer.from([0, 0, 0, 0]);

/**
 * The records of `messages` (one partition, in offset order, control records included) that
 * a read_committed reader sees, given the response's `aborted` transactions.
 *
 * @example
 * ```ts
 * const seen = committedMessages(batch.messagesWithinOffset, partitionData.abortedTransactions);
 * ```
 * @internal
 */
export function committedMessages<M extends BatchedMessage>(messages: readonly M[], aborted: readonly AbortedTransaction[] | null | undefined): M[] {
  if (!aborted?.length) return messages.filter((m) => !m.isControlRecord);
  const pending = [...aborted].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset));
  const abortedProducers = new Set<string>();
  let next = 0;
  const out: M[] = [];
  for (const m of messages) {
    while (next < pending.length && compareOffsets(pending[next].firstOffset, m.offset) <= 0) abortedProducers.add(pending[next++].producerId);
    const batch = m.batchContext;
    if (m.isControlRecord) {
      if (batch && m.key && ABORT.equals(m.key)) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch?.inTransaction && abortedProducers.has(batch.producerId)) continue;
    out.push(m);
  }
  return out;
}

/**
 * The records of `messages` (one partition, in offset order, control records included, read
 * read_uncommitted) whose transactions the messages show committed, and the
 * non-transactional ones, in offset order: a transactional record counts when the next
 * marker of its producer is a commit; one whose producer has no marker after it (a
 * transaction still open) does not. Unlike read_committed this does not stop at the last
 * stable offset, so another producer's open transaction does not hold it back; it is right
 * for the transactions that have ended (a transactional producer's own, once its
 * `initTransactions` has fenced its predecessor).
 *
 * @example
 * ```ts
 * const latest = settledMessages(allRecordsReadUncommitted).filter((m) => m.key?.toString() === myId).at(-1);
 * ```
 * @internal
 */
export function settledMessages<M extends BatchedMessage>(messages: readonly M[]): M[] {
  const open = new Map<string, M[]>();
  const out: M[] = [];
  for (const m of messages) {
    const batch = m.batchContext;
    if (m.isControlRecord) {
      if (!batch) continue;
      const records = open.get(batch.producerId);
      open.delete(batch.producerId);
      if (records && !(m.key && ABORT.equals(m.key))) for (const r of records) out.push(r);
      continue;
    }
    if (batch?.inTransaction) {
      const records = open.get(batch.producerId);
      if (records) records.push(m); else open.set(batch.producerId, [m]);
    } else out.push(m);
  }
  return out.sort((a, b) => compareOffsets(a.offset, b.offset));
}

/** Compares two non-negative Int64 offsets given as decimal strings. */
function compareOffsets(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
