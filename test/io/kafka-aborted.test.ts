import { describe, expect, it } from 'vitest';
import { committedMessages, settledMessages, type AbortedTransaction, type BatchedMessage } from '../../src/io/kafka/aborted.js';

/** A record of producer `pid` at `offset`: transactional unless `pid` is '-1'. */
const rec = (offset: number, pid: string, value: string): BatchedMessage & { value: string } => ({
  offset: String(offset), key: null, value, batchContext: { producerId: pid, inTransaction: pid !== '-1' },
});
/** A control record: an abort (type 0) or commit (type 1) marker of `pid`. */
const marker = (offset: number, pid: string, type: 'abort' | 'commit'): BatchedMessage & { value: string } => ({
  offset: String(offset), key: Buffer.from([0, 0, 0, type === 'abort' ? 0 : 1]), value: `${type}:${pid}`, isControlRecord: true,
  batchContext: { producerId: pid, inTransaction: true },
});
const seen = (ms: ReadonlyArray<BatchedMessage & { value: string }>, aborted: AbortedTransaction[]) => committedMessages(ms, aborted).map((m) => m.value);

describe('committedMessages: what a read_committed reader sees of a fetch response', () => {
  it('drops the records of an aborted transaction listed after one that started later (the broker lists them in the order they were aborted)', () => {
    // Y opens a transaction at 0; X opens one at 1 and aborts it (2); X commits one (3, 4); Y aborts (5).
    const log = [rec(0, 'Y', 'y1'), rec(1, 'X', 'x1'), marker(2, 'X', 'abort'), rec(3, 'X', 'x2'), marker(4, 'X', 'commit'), marker(5, 'Y', 'abort'), rec(6, '-1', 'plain')];
    expect(seen(log, [{ producerId: 'X', firstOffset: '1' }, { producerId: 'Y', firstOffset: '0' }])).toEqual(['x2', 'plain']);
  });

  it('marks every transaction that started before the first record aborted at once, so a producer whose abort marker comes next keeps its later committed records', () => {
    // The response starts at 10, inside three aborted transactions (A, B, P started before it); P's abort marker is the first record.
    const log = [marker(10, 'P', 'abort'), rec(11, 'P', 'p-committed'), marker(12, 'P', 'commit'), rec(13, 'A', 'a'), marker(14, 'A', 'abort'), rec(15, 'B', 'b'), marker(16, 'B', 'abort'), rec(17, 'P', 'p-committed-2'), marker(18, 'P', 'commit')];
    const aborted = [{ producerId: 'A', firstOffset: '3' }, { producerId: 'B', firstOffset: '5' }, { producerId: 'P', firstOffset: '7' }];
    expect(seen(log, aborted)).toEqual(['p-committed', 'p-committed-2']);
  });

  it('a producer with two aborted transactions and a committed one between them: only the committed one is seen', () => {
    const log = [rec(0, 'P', 'a1'), marker(1, 'P', 'abort'), rec(2, 'P', 'c1'), rec(3, 'P', 'c2'), marker(4, 'P', 'commit'), rec(5, 'P', 'a2'), marker(6, 'P', 'abort')];
    expect(seen(log, [{ producerId: 'P', firstOffset: '5' }, { producerId: 'P', firstOffset: '0' }])).toEqual(['c1', 'c2']);
  });

  it('keeps non-transactional records inside an aborted transaction and leaves out control records; offsets compare as numbers', () => {
    const log = [rec(9, 'T', 't'), rec(10, '-1', 'n1'), marker(11, 'T', 'abort'), rec(100, 'U', 'u'), marker(101, 'U', 'commit')];
    expect(seen(log, [{ producerId: 'T', firstOffset: '9' }])).toEqual(['n1', 'u']);
    expect(seen(log, [])).toEqual(['t', 'n1', 'u']);
    expect(committedMessages(log, null).length).toBe(3);
  });
});

describe('settledMessages: the ended transactions of a read_uncommitted read, resolved by their markers', () => {
  it('keeps committed and non-transactional records in offset order, drops aborted ones and those of a transaction still open', () => {
    // Z opens a transaction first and never ends it (it holds the last stable offset); P commits one, aborts one, commits another.
    const log = [rec(0, 'Z', 'z-open'), rec(1, 'P', 'p1'), rec(2, '-1', 'n'), rec(3, 'P', 'p2'), marker(4, 'P', 'commit'), rec(5, 'P', 'p-aborted'), marker(6, 'P', 'abort'), rec(7, 'P', 'p3'), marker(8, 'P', 'commit'), rec(9, 'Z', 'z-open-2')];
    expect(settledMessages(log).map((m) => m.value)).toEqual(['p1', 'n', 'p2', 'p3']);
  });

  it('a transaction of 300,000 records (more than a spread call takes as arguments) is kept whole', () => {
    const log = [...Array.from({ length: 300_000 }, (_, i) => rec(i, 'P', 'p')), marker(300_000, 'P', 'commit')];
    expect(settledMessages(log).length).toBe(300_000);
  });
});
