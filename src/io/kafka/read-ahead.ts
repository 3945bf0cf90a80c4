/**
 * The Kafka source's read-ahead: while a batch is processed, the records the next batch
 * will most likely read (from the new positions, up to the offsets known to be readable,
 * at most as many per partition as this batch took) are fetched in the background, as
 * kafkajs's own consumer fetches while `eachBatch` runs. The next batch still fixes its own
 * ranges (and records them in the range log); it takes what was read ahead of each range
 * and fetches only the rest. Records below the offsets a read saw as readable (the last
 * stable offset under read_committed) do not change, so what was read ahead is what the
 * batch would have fetched itself.
 *
 * (Internal to sluice.)
 * @module
 */
import { tpKey, type FetchedRecord, type KafkaLink, type TopicPartition } from './client.js';

type Range = TopicPartition & { readonly from: number; readonly until: number };
type Isolation = 'read_committed' | 'read_uncommitted';

export class ReadAhead {
  private pending?: { readonly ranges: ReadonlyMap<string, Range>; readonly fetched: Promise<Map<string, FetchedRecord[]> | undefined> };

  /** Starts reading the non-empty `ranges` in the background (a read that fails is dropped: the batch then fetches its ranges itself). */
  start(link: KafkaLink, ranges: readonly Range[], isolation: Isolation): void {
    const todo = ranges.filter((r) => r.until > r.from);
    if (!todo.length) return;
    this.pending = { ranges: new Map(todo.map((r) => [tpKey(r.topic, r.partition), r])), fetched: link.fetchRanges(todo, isolation).catch(() => undefined) };
  }

  /** Every record of each range of `ranges` (as {@link KafkaLink.fetchRanges}): what was read ahead from its start, the rest fetched now. */
  async read(link: KafkaLink, ranges: readonly Range[], isolation: Isolation): Promise<Map<string, FetchedRecord[]>> {
    const ahead = this.pending;
    this.pending = undefined;
    const got = ahead && (await ahead.fetched);
    if (!ahead || !got) return link.fetchRanges(ranges, isolation);
    const out = new Map<string, FetchedRecord[]>();
    const rest: Range[] = [];
    for (const r of ranges) {
      const k = tpKey(r.topic, r.partition);
      const a = ahead.ranges.get(k);
      if (!a || a.from !== r.from || r.until <= r.from) {
        rest.push(r);
        continue;
      }
      const records = got.get(k) ?? [];
      out.set(k, a.until <= r.until ? records : records.filter((m) => m.offset < r.until));
      if (a.until < r.until) rest.push({ ...r, from: a.until });
    }
    if (rest.length) {
      for (const [k, records] of await link.fetchRanges(rest, isolation)) {
        const list = out.get(k);
        if (!list) out.set(k, records);
        else for (const m of records) list.push(m);
      }
    }
    return out;
  }

  /** Waits for a read in flight and drops it (before the link closes). */
  async settle(): Promise<void> {
    const ahead = this.pending;
    this.pending = undefined;
    await ahead?.fetched;
  }
}
