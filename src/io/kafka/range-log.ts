/**
 * The Kafka source's write-ahead log of offset ranges (Spark's offset log): before batch t
 * reads, its range per partition is recorded; a replay of batch t (after a crash, from an
 * older checkpoint) finds the entry and reads exactly the same records, whatever arrived
 * since. Kept in the compacted topic `_sluice_source_ranges`, one record per
 * (consumer group, source operator) holding the most recent entries.
 *
 * (Internal to sluice.)
 * @module
 */
import type { Producer } from 'kafkajs';
import { tpKey, type KafkaLink, type TopicPartition } from './client.js';

/** The topic of the range log. */
export const RANGE_TOPIC = '_sluice_source_ranges';
/** Entries kept per source: enough for any replay since the last checkpoint. */
const KEEP = 100;

type Range = TopicPartition & { from: number; until: number };
interface Entry { readonly t: number; readonly ranges: Record<string, [number, number]> }

/** Creates a compacted single-partition topic when it is missing (and waits until it has a leader). */
export async function ensureCompacted(link: KafkaLink, topic: string): Promise<void> {
  const topics = await link.admin.listTopics();
  if (!topics.includes(topic)) {
    try {
      await link.admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: String(1 << 20) }] }], waitForLeaders: false });
    } catch (e) {
      if (!/exist/i.test((e as Error).message)) throw e;
    }
  }
  for (let i = 0; i < 200; i++) {
    try {
      const md = await link.admin.fetchTopicMetadata({ topics: [topic] });
      if (md.topics[0]?.partitions.every((p) => p.leader >= 0) && md.topics[0].partitions.length) return;
    } catch { /* metadata lags behind creation (KAFKA.md pitfall 1) */ }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The last committed value of each key of a compacted single-partition topic. A transaction
 * that wrote `key` and has just ended may not show yet (its markers are written after the
 * commit returns; KAFKA.md pitfall 5): with `settle`, first wait until every record written
 * so far under a key `settle` accepts lies below the last stable offset.
 */
export async function readLatest(link: KafkaLink, topic: string, keep: (key: string) => boolean, settle = false): Promise<Map<string, Buffer | null>> {
  const p = [{ topic, partition: 0 }];
  const k0 = tpKey(topic, 0);
  const lo = (await link.offsets(p, 'earliest')).get(k0)!;
  let hi = (await link.offsets(p, 'latest')).get(k0)!;
  if (settle) {
    const hw = (await link.offsets(p, 'latest', true)).get(k0)!;
    const raw = (await link.fetchRanges([{ topic, partition: 0, from: lo, until: hw }], 'read_uncommitted', true)).get(k0) ?? [];
    const mine = raw.filter((m) => m.key !== null && keep(m.key.toString('utf8')));
    const last = mine.length ? mine[mine.length - 1].offset : -1;
    for (let i = 0; hi <= last; i++) {
      if (i > 600) throw new Error(`the transaction that wrote offset ${last} of ${topic} did not end within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
      hi = (await link.offsets(p, 'latest')).get(k0)!;
    }
  }
  const got = await link.fetchRanges([{ topic, partition: 0, from: lo, until: hi }], 'read_committed', true);
  const out = new Map<string, Buffer | null>();
  for (const m of got.get(tpKey(topic, 0)) ?? []) {
    const k = m.key?.toString('utf8');
    if (k !== undefined && keep(k)) out.set(k, m.value);
  }
  return out;
}

export class RangeLog {
  /** The last write of the entries (they hold every entry handed out): a replay of a batch whose write failed writes them again. */
  private lastWrite: Promise<void> = Promise.resolve();

  private constructor(private readonly id: string, private entries: Entry[], private readonly producer: Producer) {}

  static async open(link: KafkaLink, id: string): Promise<RangeLog> {
    await ensureCompacted(link, RANGE_TOPIC);
    const v = (await readLatest(link, RANGE_TOPIC, (k) => k === id)).get(id);
    const entries = v ? (JSON.parse(v.toString('utf8')) as Entry[]) : [];
    const producer = link.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return new RangeLog(id, entries, producer);
  }

  /**
   * The ranges batch `t` reads: those recorded for t when an entry exists whose starts are
   * these (a replay), else `proposed`. `recorded` settles when the ranges are in the log
   * (for a replay: when the last write did; it is written again if that failed): the caller may read the ranges meanwhile, but must not hand
   * their records on before it has settled.
   */
  fix(t: number, proposed: Range[]): { ranges: Range[]; recorded: Promise<void> } {
    const old = this.entries.find((e) => e.t === t);
    if (old && proposed.every((r) => { const o = old.ranges[tpKey(r.topic, r.partition)]; return o === undefined || o[0] === r.from; })) {
      const ranges = proposed.map((r) => {
        const o = old.ranges[tpKey(r.topic, r.partition)];
        return { ...r, until: o ? o[1] : r.from };
      });
      this.lastWrite = this.lastWrite.catch(() => this.write());
      return { ranges, recorded: this.lastWrite };
    }
    const entry: Entry = { t, ranges: Object.fromEntries(proposed.map((r) => [tpKey(r.topic, r.partition), [r.from, r.until]])) };
    this.entries = [...this.entries.filter((e) => e.t < t), entry].slice(-KEEP);
    this.lastWrite = this.write();
    return { ranges: proposed, recorded: this.lastWrite };
  }

  private async write(): Promise<void> {
    await this.producer.send({ topic: RANGE_TOPIC, acks: -1, messages: [{ key: this.id, value: JSON.stringify(this.entries) }] });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
