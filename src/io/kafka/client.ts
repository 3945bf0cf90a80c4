/**
 * The one module that talks to kafkajs (2.2.4, pinned): connecting with a bounded wait,
 * topic lookup, offsets, reading an exact offset range of a partition, committing a
 * consumer group's offsets, and producers. Everything else in `src/io/kafka` goes through
 * here, so another client could be swapped in.
 *
 * Reading a fixed range (Spark's direct stream) needs Fetch requests without a consumer
 * group, which kafkajs's consumer does not offer; this module uses kafkajs's internal
 * cluster object for that (Fetch, ListOffsets, OffsetCommit with generation -1, as a
 * "simple consumer" does), and its own read_committed filter (`aborted.ts`: kafkajs's lets
 * records of aborted transactions through when two producers' transactions interleave).
 *
 * (Internal to sluice.)
 * @module
 */
import kafkajs, { type Kafka as KafkaClient, type KafkaConfig, type Producer, type ProducerConfig, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { RuntimeError } from '../../errors.js';
import { committedMessages, settledMessages, type AbortedTransaction } from './aborted.js';

const { Kafka, logLevel } = kafkajs;

/**
 * How to reach the brokers: `brokers` plus the kafkajs client options that matter for a
 * connection (TLS, SASL, timeouts).
 *
 * @example
 * ```ts
 * const conn: KafkaConnection = { brokers: ['127.0.0.1:9092'], ssl: true, sasl: { mechanism: 'plain', username: 'u', password: 'p' } };
 * ```
 * @category Connectors
 */
export interface KafkaConnection {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** Client id shown in broker logs and quotas (default `sluice`). */
  readonly clientId?: string;
  /** TLS: `true` or Node TLS options. */
  readonly ssl?: boolean | ConnectionOptions;
  /** SASL authentication (plain, scram-sha-256/512, aws, oauthbearer), as kafkajs takes it. */
  readonly sasl?: SASLOptions;
  /** Milliseconds to wait for a TCP connection (default 3000). */
  readonly connectionTimeout?: number;
  /** Milliseconds to wait for a request's answer (default 30000). */
  readonly requestTimeout?: number;
  /** How long the job waits for the brokers at start before it fails (default 15000 ms). */
  readonly startupTimeoutMs?: number;
}

/** A record as fetched: kafkajs's decoded message. */
interface RawMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | Buffer[] | undefined>;
  readonly isControlRecord?: boolean;
  readonly batchContext?: { readonly producerId: string; readonly inTransaction: boolean };
}

/** A fetched record as sluice hands it on. */
const fetched = (m: RawMessage): FetchedRecord => ({ offset: Number(m.offset), timestamp: Number(m.timestamp), key: m.key, value: m.value, headers: m.headers ?? {} });

/** One fetched record. */
export interface FetchedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | Buffer[] | undefined>;
}

/** A topic partition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** kafkajs's internal cluster, as far as this module uses it. */
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(q: { nodeId: string }): Promise<Broker>;
  findGroupCoordinator(q: { groupId: string }): Promise<Broker>;
  fetchTopicsOffset(topics: Array<{ topic: string; partitions: Array<{ partition: number }>; fromBeginning?: boolean; fromTimestamp?: number }>): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}
interface Broker {
  fetch(req: { replicaId?: number; isolationLevel: number; maxWaitTime: number; minBytes: number; maxBytes: number; topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }> }): Promise<{ responses: Array<{ topicName: string; partitions: Array<{ partition: number; errorCode: number; highWatermark: string; lastStableOffset: string; abortedTransactions?: AbortedTransaction[] | null; messages: RawMessage[] }> }> }>;
  offsetCommit(req: { groupId: string; groupGenerationId: number; memberId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<unknown>;
}

const PRIVATE_CLUSTER = 'private:Kafka:createCluster';

/** The kafkajs client for `conn` (kafkajs's own logging off: sluice reports what matters). */
export function kafkaClient(conn: KafkaConnection, retry: KafkaConfig['retry'] = { initialRetryTime: 100, maxRetryTime: 5000, retries: 20 }, report = true): KafkaClient {
  if (!Array.isArray(conn.brokers) || conn.brokers.length === 0 || conn.brokers.some((b) => typeof b !== 'string' || !/^[^:\s]+:\d+$/.test(b))) {
    throw new RuntimeError(`Kafka: brokers must be a non-empty list of host:port, got ${JSON.stringify(conn.brokers)}`, {}, "pass { brokers: ['127.0.0.1:9092'] }");
  }
  const config: KafkaConfig = {
    brokers: [...conn.brokers],
    clientId: conn.clientId ?? 'sluice',
    // kafkajs's own errors (a broker gone, a request failed) as one line each, at most one a second.
    logLevel: report ? logLevel.ERROR : logLevel.NOTHING,
    logCreator: () => reportErrors(conn),
    connectionTimeout: conn.connectionTimeout ?? 3000,
    requestTimeout: conn.requestTimeout ?? 30_000,
    // By default a broker restart is retried with backoff for about a minute before a request fails.
    retry,
    ...(conn.ssl !== undefined ? { ssl: conn.ssl } : {}),
    ...(conn.sasl !== undefined ? { sasl: conn.sasl } : {}),
  };
  return new Kafka(config);
}

/** Reports kafkajs errors on stderr, one line each, at most one a second per text: kafkajs retries them with backoff. */
function reportErrors(conn: KafkaConnection): (entry: { namespace: string; log: { message: string; broker?: string } }) => void {
  const last = new Map<string, number>();
  return ({ namespace, log }) => {
    // Protocol errors kafkajs retries routinely (coordinator not ready yet, a transaction still ending) are not news.
    if (namespace === 'Connection' && log.message.startsWith('Response ')) return;
    const now = Date.now();
    if ((last.get(log.message) ?? 0) > now - 1000) return;
    last.set(log.message, now);
    process.stderr.write(`sluice: Kafka ${where(conn)}: ${namespace ? `${namespace}: ` : ''}${log.message}; retrying with backoff\n`);
  };
}

/** The address list as people write it, for messages. */
export function where(conn: KafkaConnection): string {
  return conn.brokers.join(',');
}

/** Retries `f` until it succeeds or `timeoutMs` passes; then throws what `fail` makes of the last error. */
async function within<T>(timeoutMs: number, f: () => Promise<T>, fail: (e: Error) => Error): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 100;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() + wait > deadline) throw fail(e as Error);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 2000);
    }
  }
}

/**
 * A connection to the cluster for one source or sink: metadata, offsets, exact-range fetches,
 * group offset commits. `open` fails after a bounded wait with one line naming the brokers.
 */
export class KafkaLink {
  private uncommitted?: Cluster;
  /**
   * Bytes a record takes in a fetch response, as seen so far (a running estimate; a low
   * guess before the first fetch). A fetch asks each partition for about what its range
   * needs: the broker answers up to the partition's maxBytes and kafkajs decodes all of it,
   * so every byte asked for beyond the range is decoded and dropped. Asking too little costs
   * one more fetch for the rest of the range; asking too much costs decoding records that
   * are thrown away (the first guess, 256 bytes, decoded about six times the range of
   * 40-byte records in the first batch, and 1.25 × the framing estimate about 1.7 times
   * the range in every batch after). So the guess starts low and is corrected by
   * {@link KafkaLink.learnSizes} from what the broker actually sends.
   */
  private recordBytes = 64;
  /** Records kafkajs decoded in this link's range fetches (those beyond a range included): for tests of the fetch sizing. */
  decodedRecords = 0;

  private constructor(
    readonly conn: KafkaConnection,
    readonly client: KafkaClient,
    private readonly cluster: Cluster,
    readonly admin: kafkajs.Admin,
    private readonly operator: string,
    private readonly makeCluster: (o: object) => Cluster,
  ) {}

  /** Connects, waiting at most `conn.startupTimeoutMs` (default 15 s) for a broker to answer. */
  static async open(conn: KafkaConnection, operator: string, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<KafkaLink> {
    const client = kafkaClient(conn);
    const make = (client as unknown as Record<symbol, unknown>)[Object.getOwnPropertySymbols(client).find((s) => s.description === PRIVATE_CLUSTER)!] as (o: object) => Cluster;
    const cluster = make({ allowAutoTopicCreation: false, isolationLevel: isolation === 'read_committed' ? 1 : 0, metadataMaxAge: 30_000 });
    const admin = client.admin();
    const timeout = conn.startupTimeoutMs ?? 15_000;
    // Probe with a client that does not retry on its own, so the wait stays bounded.
    const probe = kafkaClient({ ...conn, connectionTimeout: Math.min(conn.connectionTimeout ?? 3000, timeout) }, { retries: 0 }, false).admin();
    await within(timeout, async () => {
      try {
        await probe.connect();
        await probe.describeCluster();
      } finally {
        await probe.disconnect().catch(() => {});
      }
    }, (e) => new RuntimeError(`${operator}: cannot reach Kafka at ${where(conn)} within ${timeout} ms: ${e.message}`, { operator, location: where(conn) }, 'start the broker (npm run kafka:up) or fix brokers'));
    await admin.connect();
    await cluster.connect();
    return new KafkaLink(conn, client, cluster, admin, operator, make);
  }

  /** Fails with one line naming the first topic of `topics` that does not exist. */
  async requireTopics(topics: readonly string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    for (const t of topics) {
      if (!existing.has(t)) {
        throw new RuntimeError(`${this.operator}: Kafka topic "${t}" does not exist at ${where(this.conn)}`, { operator: this.operator, location: t }, `create it first (kafka-topics.sh --create --topic ${t}) or let the broker auto-create topics`);
      }
    }
  }

  /** The topics whose names match `pattern`. */
  async topicsMatching(pattern: RegExp): Promise<string[]> {
    return (await this.admin.listTopics()).filter((t) => !t.startsWith('__') && pattern.test(t)).sort();
  }

  /** Every partition of `topics`, fresh from the brokers (new partitions show up here). */
  async partitions(topics: readonly string[]): Promise<TopicPartition[]> {
    await this.cluster.addMultipleTargetTopics([...topics]);
    await this.cluster.refreshMetadata();
    return topics.flatMap((topic) => this.cluster.findTopicPartitionMetadata(topic).map((p) => ({ topic, partition: p.partitionId })).sort((a, b) => a.partition - b.partition));
  }

  /**
   * Offsets of `parts`: `latest` (the last stable offset under read_committed, else the high
   * watermark; with `highWatermark` always the latter), `earliest`, or the first offset
   * whose timestamp is at or after `timestamp`.
   */
  async offsets(parts: readonly TopicPartition[], at: 'latest' | 'earliest' | { timestamp: number }, highWatermark = false): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const p of parts) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    let cluster = this.cluster;
    await cluster.addMultipleTargetTopics([...byTopic.keys()]);
    if (highWatermark) {
      if (!this.uncommitted) {
        this.uncommitted = this.makeCluster({ allowAutoTopicCreation: false, isolationLevel: 0, metadataMaxAge: 30_000 });
        await this.uncommitted.connect();
      }
      cluster = this.uncommitted;
      await cluster.addMultipleTargetTopics([...byTopic.keys()]);
    }
    const res = await cluster.fetchTopicsOffset([...byTopic].map(([topic, ps]) => ({
      topic,
      partitions: ps.map((partition) => ({ partition })),
      ...(typeof at === 'object' ? { fromTimestamp: at.timestamp } : { fromBeginning: at === 'earliest' }),
    })));
    const out = new Map<string, number>();
    for (const t of res) for (const p of t.partitions) out.set(tpKey(t.topic, p.partition), Number(p.offset));
    if (typeof at === 'object') {
      // No record at or after the timestamp: -1, i.e. start at the end.
      const ends = [...out].filter(([, o]) => o < 0);
      if (ends.length) {
        const latest = await this.offsets(ends.map(([k]) => parseTp(k)), 'latest');
        for (const [k, o] of latest) out.set(k, o);
      }
    }
    return out;
  }

  /**
   * Every record of each range `[from, until)` (a fixed range: what lies beyond `until` is
   * not returned). Control records and, under read_committed, aborted transactions are left
   * out, so a range may yield fewer records than `until - from`. `settled`: read past the last
   * stable offset and keep the records of the transactions the range shows committed
   * (`settledMessages`), for reading one's own ended transactions while another producer's
   * transaction is open.
   */
  async fetchRanges(ranges: ReadonlyArray<TopicPartition & { from: number; until: number }>, isolation: 'read_committed' | 'read_uncommitted' | 'settled', skipHoles = false): Promise<Map<string, FetchedRecord[]>> {
    const out = new Map<string, FetchedRecord[]>();
    // For `settled`: every record of the range, markers included, resolved once all are in.
    const unresolved = new Map<string, RawMessage[]>();
    const next = new Map<string, number>();
    await this.cluster.addMultipleTargetTopics([...new Set(ranges.map((r) => r.topic))]);
    for (const r of ranges) {
      out.set(tpKey(r.topic, r.partition), []);
      if (r.until > r.from) next.set(tpKey(r.topic, r.partition), r.from);
    }
    const until = new Map(ranges.map((r) => [tpKey(r.topic, r.partition), r.until]));
    let stalls = 0;
    while (next.size) {
      // Group what is left by leader.
      const byLeader = new Map<string, Map<string, number[]>>();
      for (const k of next.keys()) {
        const { topic, partition } = parseTp(k);
        const leaders = this.cluster.findLeaderForPartitions(topic, [partition]);
        const leader = Object.keys(leaders)[0];
        if (leader === undefined) { await this.cluster.refreshMetadata(); continue; }
        const m = byLeader.get(leader) ?? new Map<string, number[]>();
        m.set(topic, [...(m.get(topic) ?? []), partition]);
        byLeader.set(leader, m);
      }
      let progressed = false;
      await Promise.all([...byLeader].map(async ([nodeId, topics]) => {
        const broker = await this.cluster.findBroker({ nodeId });
        const asked = new Map<string, number>();
        const res = await broker.fetch({
          isolationLevel: isolation === 'read_committed' ? 1 : 0,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 32 << 20,
          topics: [...topics].map(([topic, ps]) => ({
            topic,
            partitions: ps.map((partition) => {
              const k = tpKey(topic, partition);
              const maxBytes = this.fetchBytes(until.get(k)! - next.get(k)!);
              asked.set(k, maxBytes);
              return { partition, fetchOffset: String(next.get(k)), maxBytes };
            }),
          })),
        });
        for (const t of res.responses) {
          for (const p of t.partitions) {
            const k = tpKey(t.topicName, p.partition);
            const from = next.get(k);
            if (from === undefined) continue;
            const end = until.get(k)!;
            this.decodedRecords += p.messages.length;
            // A response starts at a record batch's start, which may lie before the offset asked for.
            const raw = p.messages.filter((m) => Number(m.offset) >= from);
            if (!raw.length) {
              // A compacted topic can have holes the broker answers with nothing: step over them.
              if (skipHoles && from + 1 < end) { next.set(k, from + 1); progressed = true; } else if (skipHoles) next.delete(k);
              continue;
            }
            progressed = true;
            this.learnSizes(p.messages, asked.get(k)!, Number(isolation === 'read_committed' ? p.lastStableOffset : p.highWatermark));
            const inRange = Number(raw[raw.length - 1].offset) < end ? raw : raw.filter((m) => Number(m.offset) < end);
            // One by one: a spread of a response's records (hundreds of thousands) overflows the stack.
            if (isolation === 'settled') {
              const kept = unresolved.get(k) ?? [];
              for (const m of inRange) kept.push(m);
              unresolved.set(k, kept);
            } else {
              const list = out.get(k)!;
              for (const m of isolation === 'read_committed' ? committedMessages(inRange, p.abortedTransactions) : inRange.filter((m) => !m.isControlRecord)) list.push(fetched(m));
            }
            const after = Number(raw[raw.length - 1].offset) + 1;
            if (after >= end) next.delete(k); else next.set(k, after);
          }
        }
      }));
      if (!progressed) {
        // Nothing came back: the records may be gone (retention, compaction at the tail) or a leader moved.
        if (++stalls > 50) {
          const [k, o] = [...next][0];
          throw new RuntimeError(`${this.operator}: Kafka ${k} returns no records at offset ${o} although the range ends at ${until.get(k)}`, { operator: this.operator, location: k });
        }
        await this.cluster.refreshMetadata();
        await new Promise((r) => setTimeout(r, 20 * stalls));
      } else stalls = 0;
    }
    for (const [k, raw] of unresolved) out.set(k, settledMessages(raw).map(fetched));
    return out;
  }

  /** The maxBytes to ask one partition for when `records` records remain in its range: about what they take, 64 kB to 8 MB. */
  private fetchBytes(records: number): number {
    return Math.min(8 << 20, Math.max(64 << 10, Math.ceil(records * this.recordBytes * 1.05)));
  }

  /**
   * Updates the bytes-per-record estimate from the records one partition's fetch returned
   * (`decoded`: every record kafkajs decoded), asked for with `maxBytes`, the partition
   * readable up to `readableEnd` (the last stable offset or high watermark). When the
   * partition had more than the broker sent, `maxBytes` cut the answer: maxBytes ÷ records
   * is about what a record takes on the wire (batch headers included). Otherwise, and when
   * the broker sent more than maxBytes (a first batch larger than it is sent whole), the
   * records' own sizes with about 10 bytes of framing each (an answer that ran to the
   * partition's end says nothing about how much more maxBytes would have brought).
   */
  private learnSizes(decoded: readonly RawMessage[], maxBytes: number, readableEnd: number): void {
    if (!decoded.length) return;
    let bytes = 0;
    for (const m of decoded) {
      bytes += 10 + (m.key?.length ?? 0) + (m.value?.length ?? 0);
      if (m.headers) for (const [h, v] of Object.entries(m.headers)) bytes += h.length + (Array.isArray(v) ? v.reduce((n, x) => n + x.length, 0) : v?.length ?? 0);
    }
    const cut = Number(decoded[decoded.length - 1].offset) + 1 < readableEnd;
    this.recordBytes = Math.max(8, (cut ? Math.max(bytes, maxBytes) : bytes) / decoded.length);
  }

  /**
   * Commits `offsets` (next offset to read, per partition) to consumer group `groupId` as a
   * simple consumer (generation -1): no group membership, so tools such as
   * kafka-consumer-groups.sh show the job's lag.
   */
  async commitGroup(groupId: string, offsets: ReadonlyMap<string, number>): Promise<void> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const [k, o] of offsets) {
      const { topic, partition } = parseTp(k);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(o) }]);
    }
    const coordinator = await this.cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
  }

  /** A producer on this link's client. */
  producer(config: ProducerConfig): Producer {
    return this.client.producer(config);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.disconnect(), this.cluster.disconnect(), this.uncommitted?.disconnect()]);
  }
}

/** `topic:partition`, the key of a topic partition in maps and positions. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** The inverse of {@link tpKey} (topic names may not contain ':'). */
export function parseTp(k: string): TopicPartition {
  const i = k.lastIndexOf(':');
  return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) };
}
