/**
 * Feeds the Kafka examples: creates their topics when missing and writes the sample
 * sensor readings (Avro, keyed by sensor, record timestamp = reading time) to
 * `sensor-readings` and the sample text, line by line, to `lines`.
 *
 *   npm run kafka:up
 *   node --import tsx examples/kafka-producer.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { Reading } from './temperature.js';
import { brokers, topic } from './kafka-env.js';

const data = (f: string) => fileURLToPath(new URL(`./data/${f}`, import.meta.url));
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

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
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
for (let i = 0; i < readings.length; i += 500) {
  await producer.send({ topic: topic('sensor-readings'), acks: -1, messages: readings.slice(i, i + 500) });
}
const lines = readFileSync(data('lines.txt'), 'utf8').split('\n').filter((l) => l.trim());
await producer.send({ topic: topic('lines'), acks: -1, messages: lines.map((value) => ({ value })) });
await producer.disconnect();
process.stderr.write(`wrote ${readings.length} readings (${malformed} malformed) to ${topic('sensor-readings')} and ${lines.length} lines to ${topic('lines')} at ${brokers().join(',')}\n`);
