import { randomBytes } from 'node:crypto';
import kafkajs, { type Admin, type IHeaders } from 'kafkajs';
import { afterAll, describe, inject } from 'vitest';

const { Kafka, logLevel } = kafkajs;

/** The test broker's bootstrap address ('' when the Kafka tests skip). */
export const bootstrap = inject('kafkaBootstrap');
const skip = inject('kafkaSkip');

/** `describe` for tests against the broker: skipped (with the reason in its name) when there is none. */
export function kafkaDescribe(name: string, fn: () => void): void {
  if (skip) describe.skip(`${name} (skipped: ${skip})`, fn);
  else describe(name, fn);
}

const kafka = new Kafka({ brokers: [bootstrap || '127.0.0.1:9'], clientId: 'sluice-tests', logLevel: logLevel.NOTHING });
let adminClient: Admin | undefined;

/** A connected admin client, closed after the test file. */
export async function admin(): Promise<Admin> {
  if (!adminClient) {
    adminClient = kafka.admin();
    await adminClient.connect();
  }
  return adminClient;
}

afterAll(async () => {
  await adminClient?.disconnect();
  adminClient = undefined;
  await producerClient?.disconnect();
  producerClient = undefined;
});

/** A random topic name, unique per call. */
export function topicName(prefix = 't'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * Creates a fresh topic with `partitions` partitions and waits until each has a leader
 * (kafkajs's `waitForLeaders` can throw while KRaft metadata lags; KAFKA.md pitfall 1).
 */
export async function freshTopic(partitions = 1, configEntries: { name: string; value: string }[] = [], name = topicName()): Promise<string> {
  const a = await admin();
  try {
    await a.createTopics({ topics: [{ topic: name, numPartitions: partitions, configEntries }], waitForLeaders: false });
  } catch (e) {
    if (!/already exists/i.test((e as Error).message)) throw e;
  }
  for (let i = 0; ; i++) {
    try {
      const md = await a.fetchTopicMetadata({ topics: [name] });
      const ps = md.topics[0]?.partitions ?? [];
      if (ps.length === partitions && ps.every((p) => p.leader >= 0)) return name;
    } catch (e) {
      if (i > 100) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

let producerClient: kafkajs.Producer | undefined;

/** One record to produce. */
export interface Out {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly timestamp?: string;
  readonly headers?: IHeaders;
}

/** Drops the shared producer (its metadata would not know partitions added since). */
export async function resetProducer(): Promise<void> {
  await producerClient?.disconnect();
  producerClient = undefined;
}

/** Produces `messages` to `topic` (idempotent, acks=all). */
export async function produce(topic: string, messages: Out[]): Promise<void> {
  if (!producerClient) {
    producerClient = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producerClient.connect();
  }
  for (let i = 0; i < messages.length; i += 1000) {
    await producerClient.send({ topic, acks: -1, messages: messages.slice(i, i + 1000) });
  }
}

/** A record read back. */
export interface In {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

/**
 * Every record of `topic` up to its current end, read `read_committed` (what a downstream
 * consumer sees: aborted transactions and control records left out), in partition then
 * offset order.
 */
export async function readAll(topic: string, settleMs = 10_000): Promise<In[]> {
  // The admin's ListOffsets is read_committed: `high` is the last stable offset, which stops
  // short of a transaction whose commit markers the broker has not written yet (they are
  // written after the producer's commit returns). So a partition is read until the fetch's
  // high watermark, where every transaction that wrote to it has its marker; a transaction
  // left open (a producer killed in it) holds that back until the broker aborts it, so after
  // `settleMs` the last stable offset is enough — asked for again then: the one seen first may
  // stop short of a transaction that was committing (its markers pending), and a reader slow to
  // join its group (a loaded machine) could otherwise stop there.
  const a = await admin();
  const ends = await a.fetchTopicOffsets(topic);
  const stable = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const out: In[] = [];
  if ([...stable.values()].every((h) => h === 0)) return out;
  const consumer = kafka.consumer({ groupId: topicName('read'), readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const next = new Map<number, number>([...stable.keys()].map((p) => [p, 0]));
  const high = new Map<number, number>();
  let redelivered = 0;
  const settled = () => [...stable.keys()].every((p) => next.get(p)! >= (high.get(p) ?? stable.get(p)!));
  const stableReached = () => [...stable].every(([p, h]) => next.get(p)! >= h);
  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    let asked: 'no' | 'asking' | 'yes' = 'no';
    const timer = setInterval(() => {
      const late = Date.now() - started > settleMs;
      if (late && asked === 'no') {
        asked = 'asking';
        a.fetchTopicOffsets(topic).then((now) => { for (const e of now) stable.set(e.partition, Number(e.high)); }, () => {}).finally(() => { asked = 'yes'; });
      }
      if (settled() || (late && asked === 'yes' && stableReached())) { clearInterval(timer); resolve(); }
    }, 50);
    consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          // A consumer that rejoins its group (a rebalance on a loaded machine) starts again from
          // the group's offsets, none here: records it delivers again are the ones already read,
          // not records the job wrote twice (those have offsets of their own).
          if (Number(m.offset) < next.get(batch.partition)!) { redelivered++; continue; }
          out.push({ partition: batch.partition, offset: Number(m.offset), key: m.key?.toString() ?? null, value: m.value, headers: m.headers ?? {} });
        }
        next.set(batch.partition, Math.max(next.get(batch.partition)!, Number(batch.lastOffset()) + 1));
        high.set(batch.partition, Number(batch.highWatermark));
      },
    }).catch((e) => { clearInterval(timer); reject(e); });
  });
  await consumer.disconnect();
  if (redelivered) process.stderr.write(`readAll(${topic}): the consumer delivered ${redelivered} records again (a rebalance); each is counted once\n`);
  return out.sort((x, y) => x.partition - y.partition || x.offset - y.offset);
}

/** The values of `readAll(topic)` as UTF-8 text. */
export async function readValues(topic: string): Promise<string[]> {
  return (await readAll(topic)).map((r) => r.value?.toString() ?? '');
}
