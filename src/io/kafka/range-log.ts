/**
 * The Kafka source's write-ahead log of offset ranges (Spark's offset log): before batch t
 * reads, its range per partition is recorded; a replay of batch t (after a crash, from an
 * older checkpoint) finds the entry and reads exactly the same records, whatever arrived
 * since. Kept in the compacted topic `_sluice_source_ranges`, one record per
 * (consumer group, source operator, topic partition) holding its most recent entries, so
 * that a source read in slices keeps the entries of the partitions each slice owns, and a
 * resume on another number of slices finds every partition's entries. (Before, one record
 * per source held every partition's entries; such a record is still read.)
 *
 * (Internal to sluice.)
 * @module
 */
import type { Producer } from 'kafkajs';
import { tpKey, type KafkaLink, type TopicPartition } from './client.js';

/** The topic of the range log. */
export const RANGE_TOPIC = '_sluice_source_ranges';
/** Entries kept per partition: enough for any replay since the last checkpoint. */
const KEEP = 100;

type Range = TopicPartition & { from: number; until: number };
/** The record of a whole source, as written before the log was kept per partition. */
interface LegacyEntry { readonly t: number; readonly ranges: Record<string, [number, number]> }
/** What one partition read in batch `t`: `[t, from, until]`. */
type Entry = readonly [t: number, from: number, until: number];

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
 * The last committed value of each key of a compacted single-partition topic. With `settle`
 * (a transactional writer reading back its own commits, after its `initTransactions` ended
 * its predecessor's transaction): read to the high watermark, each transactional record
 * counted when its producer's marker after it is a commit. read_committed would stop at the
 * last stable offset, which any other producer's open transaction on the topic holds back
 * (for up to its transaction timeout), and the markers of a commit that has just returned
 * may not be written yet (KAFKA.md pitfall 5): a transaction of this writer's id ended
 * before its `initTransactions` returned, so its markers are there.
 */
export async function readLatest(link: KafkaLink, topic: string, keep: (key: string) => boolean, settle = false): Promise<Map<string, Buffer | null>> {
  const p = [{ topic, partition: 0 }];
  const k0 = tpKey(topic, 0);
  const lo = (await link.offsets(p, 'earliest')).get(k0)!;
  const hi = (await link.offsets(p, 'latest', settle)).get(k0)!;
  const got = await link.fetchRanges([{ topic, partition: 0, from: lo, until: hi }], settle ? 'settled' : 'read_committed', true);
  const out = new Map<string, Buffer | null>();
  for (const m of got.get(k0) ?? []) {
    const k = m.key?.toString('utf8');
    if (k !== undefined && keep(k)) out.set(k, m.value);
  }
  return out;
}

export class RangeLog {
  /** The last write of the entries (they hold every entry handed out): a replay of a batch whose write failed writes them again. */
  private lastWrite: Promise<void> = Promise.resolve();
  /** The partitions of the last batch: what a write records. */
  private current: string[] = [];

  private constructor(
    private readonly id: string,
    private readonly entries: Map<string, Entry[]>,
    /** The last batch any partition of the source recorded before this log was opened, when the run resumes (else -Infinity). */
    private readonly replaysTo: number,
    private readonly producer: Producer,
  ) {}

  /**
   * The log of source `id`, with the entries of the partitions `owns` accepts (absent:
   * all). `resumed`: the run resumes from a checkpoint, so its first batches may be replays.
   */
  static async open(link: KafkaLink, id: string, owns: ((partition: string) => boolean) | undefined, resumed: boolean): Promise<RangeLog> {
    await ensureCompacted(link, RANGE_TOPIC);
    const prefix = `${id}|`;
    const entries = new Map<string, Entry[]>();
    const legacy = new Map<string, Entry[]>();
    let last = -Infinity;
    for (const [k, v] of await readLatest(link, RANGE_TOPIC, (k) => k === id || k.startsWith(prefix))) {
      if (!v) continue;
      if (k === id) {
        for (const e of JSON.parse(v.toString('utf8')) as LegacyEntry[]) {
          last = Math.max(last, e.t);
          for (const [tp, [from, until]] of Object.entries(e.ranges)) legacy.set(tp, [...(legacy.get(tp) ?? []), [e.t, from, until]]);
        }
        continue;
      }
      const list = JSON.parse(v.toString('utf8')) as Entry[];
      for (const e of list) last = Math.max(last, e[0]);
      const tp = k.slice(prefix.length);
      if (!owns || owns(tp)) entries.set(tp, list);
    }
    // A record of the whole source gives the partitions that have no record of their own.
    for (const [tp, list] of legacy) if ((!owns || owns(tp)) && !entries.has(tp)) entries.set(tp, list);
    const producer = link.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return new RangeLog(id, entries, resumed ? last : -Infinity, producer);
  }

  /**
   * The ranges batch `t` reads, partition by partition:
   * - the range recorded for t, when there is one starting where `proposed` does (a replay);
   * - nothing, when the partition was not read in t: it has entries of later batches only, or
   *   none at all while t is a batch the source recorded before this run (it appeared since;
   *   a replayed batch whose output is already committed must not take new records);
   * - else the proposed range, recorded.
   *
   * `recorded` settles when the ranges are in the log (for a replay: when the last write
   * did; it is written again if that failed): the caller may read the ranges meanwhile, but
   * must not hand their records on before it has settled.
   */
  fix(t: number, proposed: Range[]): { ranges: Range[]; recorded: Promise<void> } {
    let fresh = false;
    const ranges = proposed.map((r) => {
      const k = tpKey(r.topic, r.partition);
      const list = this.entries.get(k) ?? [];
      const old = list.find((e) => e[0] === t);
      if (old && old[1] === r.from) return { ...r, until: old[2] };
      if (!old && (list.some((e) => e[0] > t) || (list.length === 0 && t <= this.replaysTo))) return { ...r, until: r.from };
      // A resumed run whose checkpoint and log disagree (a checkpoint restored from elsewhere, a log written by another job under this group): say so, the replay cannot be the recorded one.
      if (old && this.replaysTo > -Infinity) process.stderr.write(`sluice: ${this.id}: batch ${t} of ${k} was recorded as offsets [${old[1]}, ${old[2]}) but the position restored is ${r.from}; reading from there\n`);
      fresh = true;
      this.entries.set(k, [...list.filter((e) => e[0] < t), [t, r.from, r.until] as const].slice(-KEEP));
      return r;
    });
    this.current = proposed.map((r) => tpKey(r.topic, r.partition));
    this.lastWrite = fresh ? this.write() : this.lastWrite.catch(() => this.write());
    return { ranges, recorded: this.lastWrite };
  }

  private async write(): Promise<void> {
    const messages = this.current.map((k) => ({ key: `${this.id}|${k}`, value: JSON.stringify(this.entries.get(k) ?? []) }));
    if (messages.length) await this.producer.send({ topic: RANGE_TOPIC, acks: -1, messages });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
