import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import { Pipeline, Sinks, Sources, millis } from '../../src/index.js';
import { kafkaDescribe, topicName } from './helpers.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

/** `tsx scripts/kafka.ts <args>` against a broker of its own (state in `state`), not the shared test broker. */
async function kafkaScript(state: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/kafka.ts', ...args], { cwd: root, env: { ...process.env, SLUICE_KAFKA_STATE: state }, timeout: 120_000 });
  return stdout.trim();
}

kafkaDescribe('a broker restarted during a job', () => {
  it('the job retries with backoff and goes on: nothing lost, nothing duplicated for read_committed readers', async () => {
    const state = mkdtempSync(join(tmpdir(), 'sluice-kafka-own-'));
    const brokers = [await kafkaScript(state, 'up')];
    const k = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING });
    const admin = k.admin();
    const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });
    const [input, output] = [topicName('in'), topicName('out')];
    const ac = new AbortController();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 1 }] });
      await new Promise((r) => setTimeout(r, 1500)); // KRaft metadata lags creation (KAFKA.md pitfall 1)
      await producer.connect();
      const send = (from: number) => producer.send({ topic: input, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ value: `r${from + i}` })) });
      await send(0);

      const p = Pipeline.create(topicName('restart'), { batchInterval: millis(300) });
      p.source(Sources.kafka({ brokers, topics: [input], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest' }))
        .map((r) => r.value)
        .to(Sinks.kafka<string>({ brokers, topic: output, value: 'string', transactional: true }));
      const job = p.run({ pace: 'realtime', signal: ac.signal });
      await new Promise((r) => setTimeout(r, 2000));
      await kafkaScript(state, 'restart', '2000');
      await send(100);
      // Read the output (read_committed) until all 200 arrived, then stop the job.
      const seen: string[] = [];
      const consumer = k.consumer({ groupId: topicName('check'), maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topics: [output], fromBeginning: true });
      await new Promise<void>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); if (seen.length >= 200) resolve(); } });
        setTimeout(resolve, 90_000);
      });
      await new Promise((r) => setTimeout(r, 1000)); // a duplicate would arrive now
      ac.abort();
      await job;
      await consumer.disconnect();
      expect(seen.length).toBe(200);
      expect(new Set(seen).size).toBe(200);
    } finally {
      ac.abort();
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await kafkaScript(state, 'down').catch(() => '');
      rmSync(state, { recursive: true, force: true });
    }
  }, 240_000);
});
