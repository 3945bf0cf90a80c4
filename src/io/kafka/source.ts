import { RuntimeError } from '../../errors.js';
import type { Source, SourceContext, SourceReader, SourceSlice } from '../connector.js';
import { hash32 } from '../../planner/key-groups.js';
import { KafkaLink, parseTp, tpKey, where, type KafkaConnection, type TopicPartition } from './client.js';
import { badFormat, decoder, type FormatType, type KafkaFormat } from './codec.js';
import { RangeLog } from './range-log.js';

/**
 * One record read from Kafka: the decoded key and value with where it came from. The
 * record timestamp (CreateTime or LogAppendTime, ms) can be the event time:
 * `.withEventTime((r) => r.timestamp, { watermarkDelay: seconds(5) })`.
 *
 * @example
 * ```ts
 * const r: KafkaRecord<{ sensor: string }> = { topic: 'readings', partition: 0, offset: 41, timestamp: 1700000000000, key: 's1', value: { sensor: 's1' }, headers: {} };
 * ```
 * @category Connectors
 */
export interface KafkaRecord<V, K = string | null> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record's timestamp in ms since the epoch. */
  readonly timestamp: number;
  /** The key, decoded with the source's `key` format (null when the record has none). */
  readonly key: K;
  readonly value: V;
  /** Headers as UTF-8 text (a header sent several times keeps its last value). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Where a Kafka source starts when it has no checkpointed position: the earliest or latest
 * offset, the first offset at or after a timestamp, or explicit offsets per partition
 * (`{ topic: { '0': 42 } }`; partitions not listed start at the earliest offset).
 * @example
 * ```ts
 * const from: StartingOffsets = { 'sensor-readings': { '0': 1200, '1': 980 } };
 * ```
 * @category Connectors
 */
export type StartingOffsets = 'earliest' | 'latest' | { readonly timestamp: number } | Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * Options of {@link kafka}: the connection, what to read and how to decode it.
 * @example
 * ```ts
 * const opts: KafkaSourceOptions<'string'> = { brokers: ['127.0.0.1:9092'], topics: ['lines'], groupId: 'wc', value: 'string', maxRecordsPerPartition: 10_000 };
 * ```
 * @category Connectors
 */
export interface KafkaSourceOptions<V extends KafkaFormat<any>, K extends KafkaFormat<any> = 'string'> extends KafkaConnection {
  /** Topics to read (or `topicPattern`). */
  readonly topics?: readonly string[];
  /** Reads every topic whose name matches (checked at each batch, so new topics are picked up). */
  readonly topicPattern?: RegExp;
  /** The consumer group the processed offsets are committed to, so Kafka tools show the job's lag. */
  readonly groupId: string;
  /** The values' format: a schema (Avro binary, or JSON with `format: 'json'`), `'json'`, `'string'` or `'bytes'`. */
  readonly value: V;
  /** With a schema as `value`: `'avro'` (default, Avro binary) or `'json'` (JSON text checked against the schema). */
  readonly format?: 'avro' | 'json';
  /** The keys' format (default `'string'`). */
  readonly key?: K;
  /** Where to start without a checkpointed position (default `'latest'`, as Spark). New partitions start at their earliest offset. */
  readonly startingOffsets?: StartingOffsets;
  /** `'latest'`: the source is bounded, reading up to the latest offsets at start (a batch job over a topic). */
  readonly endingOffsets?: 'latest';
  /** Most records one batch takes from one partition (default: no cap beyond the run's maxBatchSize). */
  readonly maxRecordsPerPartition?: number;
  /** `read_committed` (default: aborted transactions are skipped) or `read_uncommitted`. */
  readonly isolation?: 'read_committed' | 'read_uncommitted';
  /**
   * Adapts the records per partition and batch to the processing time, as Spark's
   * `spark.streaming.backpressure`: each batch takes about as many records as the previous
   * batches processed in `targetMs` (default: 1000 ms).
   */
  readonly backpressure?: boolean | { readonly targetMs?: number; readonly minRecordsPerPartition?: number };
  /**
   * Records each batch's offset ranges in a small Kafka topic before the batch runs, so that
   * a batch replayed after a crash reads exactly the same records (default true; needed
   * for exactly-once output). The topic is `_sluice_source_ranges`, created when missing.
   */
  readonly rangeLog?: boolean;
}

/**
 * What a Kafka source's reader reports about the last batch (see {@link kafkaReport}).
 * @example
 * ```ts
 * const r: KafkaBatchReport = { ranges: { 'lines:0': [0, 500] }, records: { 'lines:0': 500 }, lag: { 'lines:0': 20 } };
 * ```
 * @category Connectors
 */
export interface KafkaBatchReport {
  /** Offset range per `topic:partition`: `[from, until)`. */
  readonly ranges: Readonly<Record<string, readonly [number, number]>>;
  /** Records read per `topic:partition` (records that did not decode included). */
  readonly records: Readonly<Record<string, number>>;
  /** Consumer lag per `topic:partition` after the batch: latest offset minus processed offset. */
  readonly lag: Readonly<Record<string, number>>;
}

/** The last batch reports of the readers opened in this process, by source operator id. */
const reports = new Map<string, { count: number; bySlice: Map<number, KafkaBatchReport> }>();

/** Keeps the last report of slice `index` of `count` of `operator` (a run on another slice count drops the old slices' reports). */
function keepReport(operator: string, index: number, count: number, report: KafkaBatchReport): void {
  let r = reports.get(operator);
  if (!r || r.count !== count) reports.set(operator, (r = { count, bySlice: new Map() }));
  r.bySlice.set(index, report);
}

/**
 * The last batch's offset ranges, records per partition and consumer lag of the Kafka
 * source `operator` read in this process (undefined before its first batch).
 * @example
 * ```ts
 * const r = kafkaReport('source#0'); // { ranges: { 'readings:0': [0, 500] }, records: { 'readings:0': 500 }, lag: { 'readings:0': 0 } }
 * ```
 * @category Connectors
 */
export function kafkaReport(operator: string): KafkaBatchReport | undefined {
  const r = reports.get(operator);
  if (!r) return undefined;
  const out = { ranges: {}, records: {}, lag: {} };
  for (const s of r.bySlice.values()) {
    Object.assign(out.ranges, s.ranges);
    Object.assign(out.records, s.records);
    Object.assign(out.lag, s.lag);
  }
  return out;
}

/** Attempts at one poll when the brokers fail (with backoff up to 5 s: about a minute) before the run fails. */
const RETRIES = 16;

/** A serialisable position: next offset to read per `topic:partition`. */
type Positions = Record<string, number>;

/**
 * Records of Kafka topics, in the style of Spark's direct stream: each batch fixes an
 * offset range per topic partition (from the last position to the latest offset, capped by
 * `maxRecordsPerPartition`) and reads exactly that range with Fetch requests (no consumer
 * group rebalancing). The position (next offset per partition) is the source's checkpoint
 * position, so a job resumed from a checkpoint goes on where it stopped; with `rangeLog`
 * (default) a replayed batch reads exactly the range it read the first time. Partitions
 * added to a topic are picked up at the next batch, from their earliest offset.
 *
 * Values and keys decode with the declared format. A record that does not decode goes to
 * the dead-letter output with origin `kafka:<topic>/<partition>@<offset>`, the raw value as
 * base64 and the reason; the batch goes on. After each batch the offsets processed by the
 * previous one are committed to the consumer group `groupId` (the checkpoint stays the
 * source of truth), so `kafka-consumer-groups.sh --describe` shows the job's lag.
 *
 * A broker that cannot be reached within `startupTimeoutMs` (default 15 s) fails the run
 * with one line naming the brokers; a topic that does not exist, one line naming the topic.
 *
 * On the cluster runtime the source is read in slices by topic partition: each worker reads,
 * records in the range log and commits to the group only the partitions it owns (spread
 * evenly over the workers), so reading scales with the workers up to the partition count.
 * A resume on another worker count gives each worker the positions of the partitions it owns.
 *
 * @example
 * ```ts
 * import { Pipeline, S, Sources, seconds } from 'sluice';
 * const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
 * const p = Pipeline.create('sensors', { batchInterval: seconds(1) });
 * p.source(Sources.kafka({ brokers: ['127.0.0.1:9092'], topics: ['sensor-readings'], groupId: 'sensors', value: Reading, startingOffsets: 'earliest' }))
 *   .map((r) => r.value.celsius)
 *   .print();
 * await p.run();
 * ```
 * @category Connectors
 */
export function kafka<V extends KafkaFormat<any>, K extends KafkaFormat<any> = 'string'>(opts: KafkaSourceOptions<V, K>): Source<KafkaRecord<FormatType<V>, FormatType<K> | null>> {
  type R = KafkaRecord<FormatType<V>, FormatType<K> | null>;
  const fail = (why: string, fix?: string) => new RuntimeError(`Sources.kafka: ${why}`, {}, fix);
  if (!opts || typeof opts !== 'object') throw fail('options are required', "pass { brokers, topics, groupId, value: 'string' }");
  if (!opts.topics === !opts.topicPattern) throw fail('give exactly one of topics and topicPattern', "pass { topics: ['readings'] }");
  if (opts.topics && (!Array.isArray(opts.topics) || opts.topics.length === 0 || opts.topics.some((t) => typeof t !== 'string' || t === ''))) throw fail(`topics must be a non-empty list of topic names, got ${JSON.stringify(opts.topics)}`);
  if (typeof opts.groupId !== 'string' || opts.groupId === '') throw fail('groupId is required', "pass { groupId: 'my-job' }");
  const bad = badFormat(opts.value) ?? (opts.key !== undefined ? badFormat(opts.key) : undefined);
  if (bad) throw fail(`value/key format: ${bad}`);
  const cap = opts.maxRecordsPerPartition;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) throw fail(`maxRecordsPerPartition must be a positive integer, got ${cap}`);
  const isolation = opts.isolation ?? 'read_committed';
  const decodeValue = decoder<FormatType<V>>(opts.value as KafkaFormat<FormatType<V>>, opts.format);
  const decodeKey = decoder<FormatType<K>>((opts.key ?? 'string') as KafkaFormat<FormatType<K>>);
  const bp = opts.backpressure === true ? {} : opts.backpressure || undefined;
  const spec = {
    type: 'kafka',
    bounded: opts.endingOffsets === 'latest',
    brokers: [...opts.brokers],
    ...(opts.topics ? { topics: [...opts.topics] } : { topicPattern: String(opts.topicPattern) }),
    groupId: opts.groupId,
  };
  /** A reader of the partitions `owns` accepts (absent: all of them). */
  const openReader = (ctx: SourceContext, resumeFrom: unknown, slice?: SourceSlice): SourceReader<R> => {
    const owns = slice?.owns;
    const mine = (p: TopicPartition) => !owns || owns(tpKey(p.topic, p.partition));
    /** This reader's report of its last batch. */
    let last: KafkaBatchReport | undefined;
    // A position of the whole source (an unsliced run's checkpoint) keeps the partitions this reader owns.
    let positions: Positions | undefined = resumeFrom && typeof resumeFrom === 'object'
      ? Object.fromEntries(Object.entries(resumeFrom as Positions).filter(([k]) => mine(parseTp(k))))
      : undefined;
    let link: KafkaLink | undefined;
    let ends: Map<string, number> | undefined;
    let log: RangeLog | undefined;
    let committing: Promise<void> | undefined;
    let lastCommitted: string | undefined;
    let rate: number | undefined; // records per ms per partition, for backpressure
    let lastPollEnd: number | undefined;
    let lastCount = 0;
    let done = false;
    const operator = ctx.operator;

    // The topics to read; `check`: fail naming a listed topic that does not exist (at start, and when a poll fails: not a round trip every batch).
    const topicsNow = async (l: KafkaLink, check = false) => {
      const topics = opts.topics ? [...opts.topics] : await l.topicsMatching(opts.topicPattern!);
      if (opts.topics && check) await l.requireTopics(topics);
      return topics;
    };

    const start = async (): Promise<KafkaLink> => {
      const l = await KafkaLink.open(opts, operator, isolation);
      try {
        const parts = (await l.partitions(await topicsNow(l, true))).filter(mine);
        if (!positions) positions = await startAt(l, parts, opts.startingOffsets ?? 'latest');
        if (opts.endingOffsets === 'latest') ends = await l.offsets(parts, 'latest');
        if (opts.rangeLog !== false) log = await RangeLog.open(l, `${opts.groupId}|${operator}`, owns, resumeFrom !== undefined && resumeFrom !== null);
      } catch (e) {
        await l.close();
        throw e;
      }
      return l;
    };

    const commitGroup = (pos: Positions) => {
      const key = JSON.stringify(pos);
      if (committing || key === lastCommitted || !link || key === '{}') return;
      const l = link;
      committing = l.commitGroup(opts.groupId, new Map(Object.entries(pos)))
        .then(() => { lastCommitted = key; }, () => { /* best effort: the checkpoint is the source of truth */ })
        .finally(() => { committing = undefined; });
    };

    const pollOnce = async (l: KafkaLink, max: number, batchTime: number | undefined) => {
      const pos = positions!;
      commitGroup(pos); // what the previous batch processed
      const parts = (await l.partitions(await topicsNow(l))).filter(mine);
      for (const p of parts) {
        const k = tpKey(p.topic, p.partition);
        if (pos[k] === undefined && !(ends && !ends.has(k))) pos[k] = (await l.offsets([p], 'earliest')).get(k)!;
      }
      const known = parts.filter((p) => pos[tpKey(p.topic, p.partition)] !== undefined);
      const latest = await l.offsets(known, 'latest');
      let perPartition = Math.min(cap ?? Infinity, max);
      if (bp && rate !== undefined) perPartition = Math.min(perPartition, Math.max(bp.minRecordsPerPartition ?? 100, Math.ceil(rate * (bp.targetMs ?? 1000))));
      let ranges = known.map((p) => {
        const k = tpKey(p.topic, p.partition);
        const from = pos[k];
        let end = latest.get(k) ?? from;
        if (ends) end = Math.min(end, ends.get(k) ?? from);
        return { ...p, from, until: Math.max(from, Math.min(end, from + perPartition)) };
      });
      let recorded: Promise<void> | undefined;
      if (log && batchTime !== undefined) ({ ranges, recorded } = log.fix(batchTime, ranges));
      // The ranges are read while they are being recorded; the records go on only once both are done.
      const [fetched] = await Promise.all([l.fetchRanges(ranges, isolation), recorded]);
      const records: R[] = [];
      const report: { ranges: Record<string, [number, number]>; records: Record<string, number>; lag: Record<string, number> } = { ranges: {}, records: {}, lag: {} };
      for (const r of ranges) {
        const k = tpKey(r.topic, r.partition);
        const got = fetched.get(k) ?? [];
        report.ranges[k] = [r.from, r.until];
        report.records[k] = got.length;
        report.lag[k] = Math.max(0, (latest.get(k) ?? r.until) - r.until);
        for (const m of got) {
          const origin = `kafka:${r.topic}/${r.partition}@${m.offset}`;
          let value: FormatType<V>;
          let key: FormatType<K> | null = null;
          try {
            if (m.value === null) throw new Error('the record has no value (a tombstone)');
            value = decodeValue(m.value);
            if (m.key !== null) {
              try { key = decodeKey(m.key); } catch (e) { throw new Error(`key: ${(e as Error).message}`); }
            }
          } catch (e) {
            ctx.deadLetter(origin, (e as Error).message, (m.value ?? Buffer.alloc(0)).toString('base64'));
            continue;
          }
          records.push({ topic: r.topic, partition: r.partition, offset: m.offset, timestamp: m.timestamp, key, value, headers: headersOf(m.headers) });
        }
        pos[k] = r.until;
      }
      last = report;
      keepReport(operator, slice?.index ?? 0, slice?.count ?? 1, report);
      const now = Date.now();
      if (bp && lastPollEnd !== undefined && lastCount > 0) {
        const perPart = lastCount / Math.max(1, ranges.length);
        const observed = perPart / Math.max(1, now - lastPollEnd);
        rate = rate === undefined ? observed : 0.5 * rate + 0.5 * observed;
      }
      lastPollEnd = now;
      lastCount = records.length;
      if (ends) done = [...ends].every(([k, e]) => (pos[k] ?? e) >= e);
      return { records, done };
    };

    return {
      async poll(max: number, _wait: boolean, batchTime?: number) {
        if (done) return { records: [], done: true };
        if (!link) link = await start();
        // A broker that goes away mid-job (a restart, a leader move): retry with backoff; the range log keeps a retried batch's ranges.
        for (let attempt = 1; ; attempt++) {
          try {
            return await pollOnce(link, max, batchTime);
          } catch (e) {
            // A topic deleted mid-job: the one line naming it, not retries.
            if (!(e instanceof RuntimeError) && /topic/i.test(`${(e as { type?: string }).type} ${(e as Error).message}`)) await topicsNow(link, true).catch((gone: unknown) => { if (gone instanceof RuntimeError) throw gone; });
            if (e instanceof RuntimeError || attempt >= RETRIES) throw e instanceof RuntimeError ? e : new RuntimeError(`${operator}: reading Kafka at ${where(opts)} failed ${attempt} times: ${(e as Error).message}`, { operator, location: where(opts) });
            process.stderr.write(`sluice: ${operator}: reading Kafka failed (${(e as Error).message}); retrying (attempt ${attempt + 1} of ${RETRIES})\n`);
            await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5000)));
          }
        }
      },
      report: () => last && { kind: 'kafka' as const, ...last },
      // Before the first poll: the position it was opened with (null: none yet, start at startingOffsets).
      position: () => (positions ? { ...positions } : resumeFrom ?? null),
      async close() {
        if (!link) return;
        await committing;
        if (positions && Object.keys(positions).length) {
          await link.commitGroup(opts.groupId, new Map(Object.entries(positions))).catch(() => {});
        }
        await log?.close();
        await link.close();
        link = undefined;
      },
    };
  };
  return {
    spec,
    open: (ctx: SourceContext, resumeFrom?: unknown) => openReader(ctx, resumeFrom),
    openSlice: (ctx: SourceContext, slice: SourceSlice, resumeFrom?: unknown) => openReader(ctx, resumeFrom, slice),
    slicing: 'byKey',
    unitGroup: kafkaPartitionGroup,
  };
}

/** Bits of the van der Corput sequence of {@link kafkaPartitionGroup}. */
const VDC_BITS = 20;

/**
 * The key group of topic partition `unit` (`topic:partition`). Partition p of a topic goes
 * to the (p + h)-th point of the van der Corput sequence (h from the topic's name), whose
 * consecutive points fill the halves, quarters, eighths… of [0, 1) in turn: 2, 4 or 8
 * workers, each owning a contiguous range of the key groups, get shares of a topic's
 * partitions that differ by at most one (other counts: by at most three). Hashing the
 * names would often put 2 of 2 partitions on one worker.
 *
 * @example
 * ```ts
 * kafkaPartitionGroup('readings:3', 128); // a number in [0, 128)
 * ```
 * @internal
 */
export function kafkaPartitionGroup(unit: string, keyGroups: number): number {
  const { topic, partition } = parseTp(unit);
  const i = (partition + hash32(`t${topic}`)) % 2 ** VDC_BITS;
  let reversed = 0;
  for (let b = 0; b < VDC_BITS; b++) reversed = reversed * 2 + (Math.floor(i / 2 ** b) % 2);
  return Math.min(keyGroups - 1, Math.floor((reversed / 2 ** VDC_BITS) * keyGroups));
}

/** Starting positions for `parts`. */
async function startAt(l: KafkaLink, parts: TopicPartition[], s: StartingOffsets): Promise<Positions> {
  if (s === 'earliest' || s === 'latest' || (typeof s === 'object' && 'timestamp' in s && typeof s.timestamp === 'number')) {
    return Object.fromEntries(await l.offsets(parts, s as 'earliest' | 'latest' | { timestamp: number }));
  }
  const earliest = await l.offsets(parts, 'earliest');
  const out: Positions = Object.fromEntries(earliest);
  for (const [topic, ps] of Object.entries(s as Record<string, Record<string, number>>)) {
    for (const [p, o] of Object.entries(ps)) {
      if (!Number.isInteger(o) || o < 0) throw new RuntimeError(`Sources.kafka: startingOffsets for ${topic}:${p} must be a non-negative integer, got ${o}`);
      out[tpKey(topic, Number(p))] = o;
    }
  }
  return out;
}

function headersOf(h: Record<string, Buffer | Buffer[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = last.toString('utf8');
  }
  return out;
}
