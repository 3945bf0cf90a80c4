/**
 * What the Kafka benchmark does with plain kafkajs: the input lines, topics, the kafkajs
 * produce and consume loops (the ceiling of one Node process), a producer at a fixed rate,
 * and reading an output topic back (final counts, end-to-end latency).
 *
 * @module
 */
import kafkajs, { type Admin, type Kafka as KafkaClient } from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** Distinct words in the input. */
export const VOCABULARY = 1000;
/** Words per input line. */
export const WORDS_PER_LINE = 8;
/** Records per produce request of the kafkajs loops (as KAFKA.md's measurements). */
export const SEND_BATCH = 1000;

/** A timed run: all of it, and the part after the first `warmup` records (the same cut for every side). */
export interface Timed {
  readonly ms: number;
  /** ms and records from the first time `warmup` records were done to the end. */
  readonly warm: { readonly ms: number; readonly records: number };
}

/** Times a run that reports its progress: `done(n)` after every n records done in all. */
export function stopwatch(warmup: number): { done: (total: number) => void; result: () => Timed } {
  const t0 = performance.now();
  let warmAt: number | undefined;
  let warmRecords = 0;
  let last = t0;
  let total = 0;
  return {
    done(n) {
      last = performance.now();
      total = n;
      if (warmAt === undefined && n >= warmup) { warmAt = last; warmRecords = n; }
    },
    result: () => ({ ms: last - t0, warm: { ms: last - (warmAt ?? t0), records: total - warmRecords } }),
  };
}

/** Input line `i`: WORDS_PER_LINE words `w<n>` picked by a hash of i (the same lines on every side and run). */
export function line(i: number): string {
  const words: string[] = new Array(WORDS_PER_LINE);
  for (let j = 0; j < WORDS_PER_LINE; j++) words[j] = `w${wordOf(i * WORDS_PER_LINE + j)}`;
  return words.join(' ');
}

function wordOf(x: number): number {
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % VOCABULARY;
}

/** The count of each word over lines 0 … n − 1. */
export function expectedCounts(n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) for (const w of line(i).split(' ')) out.set(w, (out.get(w) ?? 0) + 1);
  return out;
}

/** A kafkajs client and admin on `bootstrap`. */
export class Load {
  readonly kafka: KafkaClient;
  private constructor(readonly bootstrap: string, readonly admin: Admin) {
    this.kafka = new Kafka({ brokers: [bootstrap], clientId: 'sluice-bench', logLevel: logLevel.NOTHING });
  }

  static async open(bootstrap: string): Promise<Load> {
    const admin = new Kafka({ brokers: [bootstrap], clientId: 'sluice-bench-admin', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    return new Load(bootstrap, admin);
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }

  /** Creates `topic` and waits until every partition has a leader (KRaft metadata lags; KAFKA.md pitfall 1). */
  async topic(topic: string, partitions: number, configEntries: Array<{ name: string; value: string }> = []): Promise<string> {
    await this.admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: false });
    for (let i = 0; ; i++) {
      try {
        const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
        const ps = md.topics[0]?.partitions ?? [];
        if (ps.length === partitions && ps.every((p) => p.leader >= 0)) return topic;
      } catch (e) {
        if (i > 200) throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The kafkajs produce ceiling: lines 0 … n − 1 to `topic` from one idempotent producer,
   * acks=all, SEND_BATCH records per request, one request at a time (round-robin over
   * partitions), timed from after connecting; `warmup` as {@link stopwatch}.
   */
  async produceLines(topic: string, n: number, from = 0, warmup = 0): Promise<Timed> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const watch = stopwatch(warmup);
    for (let i = 0; i < n; i += SEND_BATCH) {
      const messages = [];
      for (let k = i; k < Math.min(n, i + SEND_BATCH); k++) messages.push({ value: line(from + k) });
      await producer.send({ topic, acks: -1, messages });
      watch.done(Math.min(n, i + SEND_BATCH));
    }
    await producer.disconnect();
    return watch.result();
  }

  /**
   * The kafkajs consume ceiling: every record of `topic` (n in all) through a consumer group
   * with eachBatch, timed from `run` (the group join included); `warmup` as {@link stopwatch}.
   */
  async consumeAll(topic: string, n: number, groupId: string, warmup = 0): Promise<Timed> {
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytes: 10 << 20 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let seen = 0;
    const watch = stopwatch(warmup);
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (m.value) seen++;
          watch.done(seen);
          if (seen >= n) resolve();
        },
      }).catch(reject);
    });
    await consumer.disconnect();
    return watch.result();
  }

  /**
   * Lines `from` … `from + n − 1` to `topic` inside one open transaction (SEND_BATCH
   * records per send): read_committed readers see none of them, nor anything after them,
   * until `commit()`, which returns the time (ms since the epoch) it was called. So a
   * backlog can be put in place before a system starts and released at one instant.
   */
  async holdLines(topic: string, n: number, from: number): Promise<{ commit: () => Promise<number>; abort: () => Promise<void> }> {
    const producer = this.kafka.producer({ transactionalId: `${topic}-held`, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 600_000, retry: { initialRetryTime: 10 } });
    await producer.connect();
    const tx = await producer.transaction();
    for (let i = 0; i < n; i += SEND_BATCH) {
      const messages = [];
      for (let k = i; k < Math.min(n, i + SEND_BATCH); k++) messages.push({ value: line(from + k) });
      await tx.send({ topic, acks: -1, messages });
    }
    let open = true;
    return {
      async commit() {
        const at = Date.now();
        await tx.commit();
        open = false;
        await producer.disconnect();
        return at;
      },
      async abort() {
        if (open) await tx.abort().catch(() => {});
        open = false;
        await producer.disconnect();
      },
    };
  }

  /**
   * Produces lines `from` … `from + rate·seconds − 1` at `rate` records/s (a send every
   * 10 ms, each record stamped with its send time), from one idempotent producer. Returns
   * the records' timestamps by line number.
   */
  async produceAtRate(topic: string, rate: number, seconds: number, from: number): Promise<number[]> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const total = Math.round(rate * seconds);
    const stamps: number[] = [];
    const t0 = Date.now();
    let i = 0;
    while (i < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
      if (due > i) {
        const now = Date.now();
        const messages = [];
        for (; i < due; i++) { messages.push({ value: line(from + i), timestamp: String(now) }); stamps.push(now); }
        await producer.send({ topic, acks: -1, messages });
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await producer.disconnect();
    return stamps;
  }

  /**
   * Reads `topic` read_committed from the start until `done(updates)` holds or `timeoutMs`
   * passes; each update is [word, count, append time, time read]. The output topics use
   * LogAppendTime, so a record's timestamp is when the broker appended it.
   */
  async readCounts(topic: string, done: (updates: readonly Update[]) => boolean, timeoutMs: number): Promise<Update[]> {
    const consumer = this.kafka.consumer({ groupId: `${topic}-reader`, readUncommitted: false, maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const updates: Update[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const now = Date.now();
          for (const m of batch.messages) {
            const v = m.value!.toString('utf8');
            const c = v.lastIndexOf(':');
            updates.push([v.slice(0, c), Number(v.slice(c + 1)), Number(m.timestamp), now]);
          }
          if (done(updates)) { clearTimeout(timer); resolve(); }
        },
      }).catch(reject);
    });
    await consumer.disconnect();
    return updates;
  }
}

/**
 * Reads output `topic` as {@link Load.readCounts} does, watching for `stages` in order (each
 * a count per word): `reached[i]` is the time (ms since the epoch) a read_committed reader
 * first saw every word of stage i at its count or above; `updates` all the updates, once
 * the last stage is reached. A stage not reached within `timeoutMs` rejects.
 */
export function watchCounts(load: Load, topic: string, stages: ReadonlyArray<ReadonlyMap<string, number>>, timeoutMs: number): { reached: Array<Promise<number>>; updates: Promise<Update[]> } {
  const checks = stages.map(reaches);
  const settle: Array<{ resolve: (t: number) => void; reject: (e: Error) => void }> = [];
  const reached = stages.map(() => new Promise<number>((resolve, reject) => { settle.push({ resolve, reject }); }));
  for (const r of reached) r.catch(() => {});
  let k = 0;
  const updates = load.readCounts(topic, (us) => {
    while (k < checks.length && us.length && checks[k](us)) settle[k++].resolve(us[us.length - 1][3]);
    return k === checks.length;
  }, timeoutMs).then((us) => {
    if (k < checks.length) {
      const e = new Error(`bench: ${topic}: the counts of stage ${k + 1} of ${checks.length} did not arrive within ${timeoutMs / 1000} s`);
      for (let i = k; i < settle.length; i++) settle[i].reject(e);
      throw e;
    }
    return us;
  });
  return { reached, updates };
}

/** One output record: word, running count, broker append time, time a read_committed reader got it (ms since the epoch). */
export type Update = readonly [word: string, count: number, appended: number, read: number];

/**
 * A check for `readCounts`: whether every word has reached its expected count. Incremental
 * (it remembers how far it has looked), so call it with one growing array.
 */
export function reaches(expected: ReadonlyMap<string, number>): (updates: readonly Update[]) => boolean {
  const last = new Map<string, number>();
  let seen = 0;
  let missing = expected.size;
  return (updates) => {
    for (; seen < updates.length; seen++) {
      const [w, n] = updates[seen];
      const want = expected.get(w);
      const before = last.get(w) ?? 0;
      if (n <= before) continue;
      last.set(w, n);
      if (want !== undefined && before < want && n >= want) missing--;
    }
    return missing === 0;
  };
}

/** Words whose last count differs from the expected one (for the correctness check), as `word: got ≠ want`. */
export function wrongCounts(updates: readonly Update[], expected: ReadonlyMap<string, number>): string[] {
  const last = new Map<string, number>();
  for (const [w, n] of updates) last.set(w, n);
  const bad: string[] = [];
  for (const [w, n] of expected) if (last.get(w) !== n) bad.push(`${w}: ${last.get(w)} ≠ ${n}`);
  for (const w of last.keys()) if (!expected.has(w)) bad.push(`${w}: unexpected`);
  return bad;
}

/**
 * End-to-end latency of each input line `from + i` stamped `stamps[i]` (after the first
 * `skip` of them): the
 * time from its producer timestamp until every word in it is counted in the output, by
 * broker append time and by the time a read_committed reader got it. The k-th occurrence
 * of a word is counted by the first output record of that word with a count ≥ k (the
 * input topic has one partition, so occurrences are counted in order).
 */
export function latencies(stamps: readonly number[], from: number, updates: readonly Update[], skip: number): { appended: number[]; read: number[] } {
  const byWord = new Map<string, Update[]>();
  for (const u of updates) {
    if (!byWord.has(u[0])) byWord.set(u[0], []);
    byWord.get(u[0])!.push(u);
  }
  // The first time (each kind) a count ≥ k was visible, for each k, per word.
  const firstAt = new Map<string, { appended: number[]; read: number[] }>();
  for (const [w, us] of byWord) {
    us.sort((x, y) => x[3] - y[3] || x[2] - y[2]);
    const appended: number[] = [];
    const read: number[] = [];
    for (const [, n, a, r] of us) {
      for (let k = appended.length + 1; k <= n; k++) { appended[k - 1] = a; read[k - 1] = r; }
    }
    firstAt.set(w, { appended, read });
  }
  const seen = expectedCounts(from);
  const out = { appended: [] as number[], read: [] as number[] };
  stamps.forEach((ts, i) => {
    let a = -Infinity;
    let r = -Infinity;
    for (const w of line(from + i).split(' ')) {
      const k = (seen.get(w) ?? 0) + 1;
      seen.set(w, k);
      const f = firstAt.get(w);
      a = Math.max(a, f?.appended[k - 1] ?? Infinity);
      r = Math.max(r, f?.read[k - 1] ?? Infinity);
    }
    if (i >= skip) { out.appended.push(a - ts); out.read.push(r - ts); }
  });
  return out;
}

/** The q-quantile (0 … 1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
