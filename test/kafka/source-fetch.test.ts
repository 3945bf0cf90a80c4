import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import { KafkaLink } from '../../src/io/kafka/client.js';
import { Sources } from '../../src/index.js';
import { bootstrap, freshTopic, kafkaDescribe, produce, topicName } from './helpers.js';

kafkaDescribe('Sources.kafka fetches', () => {
  it('reads a range exactly when its records need more fetches than the size estimate allows (large records after small ones)', async () => {
    // Each fetch asks a partition for about what the rest of its range needs, estimated from the records seen so far:
    // after small records the estimate is far too low for 4 kB records, so a batch takes many fetches.
    const topic = await freshTopic(1);
    const big = (i: number) => `${i}:${'x'.repeat(4_000)}`;
    await produce(topic, Array.from({ length: 50 }, (_, i) => ({ value: `s${i}` })));
    await produce(topic, Array.from({ length: 200 }, (_, i) => ({ value: big(i) })));
    const src = Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest', maxRecordsPerPartition: 150, rangeLog: false });
    const reader = src.open({ operator: 'source#0', deadLetter() { throw new Error('no dead letters expected'); } });
    const batches: string[][] = [];
    for (let t = 1000; ; t += 1000) {
      const r = await reader.poll(100_000, true, t);
      batches.push(r.records.map((x) => x.value));
      if (r.done) break;
    }
    await reader.close();
    expect(batches.map((b) => b.length)).toEqual([150, 100]);
    expect(batches.flat()).toEqual([...Array.from({ length: 50 }, (_, i) => `s${i}`), ...Array.from({ length: 200 }, (_, i) => big(i))]);
  });

  it('decodes little more than each range: a partition with far more records than the range is not decoded to the end', async () => {
    // kafkajs decodes all a fetch returns, so a fetch that asks for too many bytes decodes records beyond the range and drops them:
    // with a first guess of 256 bytes a record, the first 10 000-record range of 40-byte records decoded the whole 60 000.
    const topic = await freshTopic(1);
    const n = 60_000;
    await produce(topic, Array.from({ length: n }, (_, i) => ({ value: `line ${i} ${'w'.repeat(30)}` })));
    const link = await KafkaLink.open({ brokers: [bootstrap] }, 'source#0');
    try {
      const decoded: number[] = [];
      for (let from = 0; from < 40_000; from += 10_000) {
        const before = link.decodedRecords;
        const got = (await link.fetchRanges([{ topic, partition: 0, from, until: from + 10_000 }], 'read_committed')).get(`${topic}:0`)!;
        expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 10_000 }, (_, i) => from + i));
        expect(got[0].value!.toString()).toBe(`line ${from} ${'w'.repeat(30)}`);
        decoded.push(link.decodedRecords - before);
      }
      // The first range on a guess, the others on what the broker sent (a fetch of the rest of a range asks for at least 64 kB).
      expect(decoded[0]).toBeLessThan(20_000);
      for (const d of decoded.slice(1)) expect(d).toBeLessThan(12_500);
    } finally {
      await link.close();
    }
  });

  it('read_committed: the records of an aborted transaction stay out when another producer aborted a transaction it started later, and a committed one after it stays in', async () => {
    // The broker lists a fetch's aborted transactions in the order they were aborted (X before Y here): kafkajs 2.2.4's
    // own filter takes them as sorted by first offset and handed Y's aborted record to read_committed readers.
    const topic = await freshTopic(1);
    const k = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    const [x, y] = ['x', 'y'].map((id) => k.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 }));
    await Promise.all([x.connect(), y.connect()]);
    try {
      const ty = await y.transaction();
      await ty.send({ topic, messages: [{ value: 'y1 aborted' }] });
      const tx = await x.transaction();
      await tx.send({ topic, messages: [{ value: 'x1 aborted' }] });
      await tx.abort();
      const tx2 = await x.transaction();
      await tx2.send({ topic, messages: [{ value: 'x2 committed' }] });
      await tx2.commit();
      await ty.abort();
      const ty2 = await y.transaction();
      await ty2.send({ topic, messages: [{ value: 'y2 committed' }] });
      await ty2.commit();
    } finally {
      await Promise.all([x.disconnect(), y.disconnect()]);
    }
    await produce(topic, [{ value: 'plain' }]);
    const src = Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest', rangeLog: false });
    const reader = src.open({ operator: 'source#0', deadLetter() { throw new Error('no dead letters expected'); } });
    const got: string[] = [];
    for (let t = 1000; ; t += 1000) {
      const r = await reader.poll(100_000, true, t);
      got.push(...r.records.map((m) => m.value));
      if (r.done) break;
    }
    await reader.close();
    expect(got).toEqual(['x2 committed', 'y2 committed', 'plain']);
  });

  it('reads a range of 200,000 small records answered in one fetch (more than a spread call takes as arguments)', async () => {
    const topic = await freshTopic(1);
    const n = 200_000;
    await produce(topic, Array.from({ length: n }, (_, i) => ({ value: String(i % 10) })));
    const link = await KafkaLink.open({ brokers: [bootstrap] }, 'source#0');
    try {
      for (const isolation of ['read_committed', 'settled'] as const) {
        const got = (await link.fetchRanges([{ topic, partition: 0, from: 0, until: n }], isolation)).get(`${topic}:0`)!;
        expect(got.length).toBe(n);
        expect(got[n - 1].offset).toBe(n - 1);
      }
    } finally {
      await link.close();
    }
  });
});
