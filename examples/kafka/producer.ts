/**
 * Feeds the Kafka examples: creates their topics when missing and writes the sample
 * sensor readings (Avro, keyed by sensor, record timestamp = reading time) to
 * `sensor-readings` and the sample text, line by line, to `lines`.
 *
 *   npm run kafka:up
 *   node --import tsx examples/kafka/producer.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Message } from 'kafkajs';
import { Reading } from '../temperature.js';
import { brokers, topic } from './env.js';

const data = (f: string) => fileURLToPath(new URL(`../data/${f}`, import.meta.url));
const kafka = new kafkajs.Kafka({ brokers: brokers(), clientId: 'sluice-example-producer', logLevel: kafkajs.logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const topics = [['sensor-readings', 3], ['sensor-averages', 1], ['lines', 2], ['word-counts', 1]] as const;
const existing = new Set(await admin.listTopics());
await admin.createTopics({ topics: topics.filter(([t]) => !existing.has(topic(t))).map(([t, n]) => ({ topic: topic(t), numPartitions: n })) });
// KRaft metadata can lag behind topic creation: wait until every partition has a leader.
for (let i = 0; i < 100; i++) {
  const md = await admin.fetchTopicMetadata({ topics: topics.map(([t]) => topic(t)) }).catch(() => undefined);
  if (md && md.topics.every((t) => t.partitions.length && t.partitions.every((p) => p.leader >= 0))) break;
  await new Promise((r) => setTimeout(r, 100));
}
await admin.disconnect();

/**
 * Writes `messages` to `topicName` in chunks of 500, each in a Kafka transaction: a chunk
 * whose send fails is aborted (read_committed readers, such as the examples' sources, never
 * see it) and sent again from a new producer. kafkajs's idempotent producer can lose track of
 * its sequence numbers when a send is retried (kafkajs issue #598: OUT_OF_ORDER_SEQUENCE_NUMBER);
 * a new producer starts them afresh, and the transaction keeps the retry from writing twice.
 */
async function sendInTransactions(topicName: string, messages: Message[]): Promise<void> {
  const open = async () => {
    const p = kafka.producer({ transactionalId: `sluice-example-producer-${topicName}`, idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    return p;
  };
  let producer = await open();
  for (let i = 0; i < messages.length; i += 500) {
    for (let attempt = 1; ; attempt++) {
      const txn = await producer.transaction();
      try {
        await txn.send({ topic: topicName, acks: -1, messages: messages.slice(i, i + 500) });
        await txn.commit();
        break;
      } catch (e) {
        await txn.abort().catch(() => {});
        if (attempt >= 5) throw e;
        process.stderr.write(`writing to ${topicName} failed (${(e as Error).message}); retrying with a new producer\n`);
        await producer.disconnect().catch(() => {});
        producer = await open();
      }
    }
  }
  await producer.disconnect();
}

// The sample file has a few malformed lines on purpose: they go out as the text they are, and
// the sensor pipeline sends them to its dead letters (they are not Avro readings).
let malformed = 0;
const readings = readFileSync(data('readings.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((line) => {
  try {
    const r = Reading.fromJSON(JSON.parse(line));
    return { key: r.sensor, value: Reading.encode(r), timestamp: String(r.ts) };
  } catch {
    malformed++;
    return { value: line };
  }
});
await sendInTransactions(topic('sensor-readings'), readings);
const lines = readFileSync(data('lines.txt'), 'utf8').split('\n').filter((l) => l.trim());
await sendInTransactions(topic('lines'), lines.map((value) => ({ value })));
process.stderr.write(`wrote ${readings.length} readings (${malformed} malformed) to ${topic('sensor-readings')} and ${lines.length} lines to ${topic('lines')} at ${brokers().join(',')}\n`);
