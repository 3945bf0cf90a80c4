import { expect, it } from 'vitest';
import { Pipeline, RuntimeError, S, Sinks, Sources, seconds, type DeadLetter, type KafkaRecord } from '../../src/index.js';
import { admin, bootstrap, freshTopic, kafkaDescribe, produce, resetProducer, topicName } from './helpers.js';

const Reading = S.record('Reading', { sensor: S.string(), celsius: S.double() });

/** A dead-letter sink that keeps what it gets. */
function deadKeeper() {
  const dead: DeadLetter[] = [];
  return { dead, sink: { spec: { type: 'keep' }, open: () => ({ write: (r: readonly DeadLetter[]) => { dead.push(...r); }, close() {} }) } };
}

kafkaDescribe('Sources.kafka', () => {
  it('reads every partition of a topic up to the latest offsets, with key, headers, partition, offset and timestamp', async () => {
    const topic = await freshTopic(3);
    await produce(topic, Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}`, partition: i % 3, timestamp: String(1_700_000_000_000 + i), headers: { n: String(i) } })));
    const p = Pipeline.create('kafka-read', { batchInterval: seconds(1) });
    const out = Sinks.collect<KafkaRecord<string>>();
    p.source(Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest' })).to(out);
    const { metrics } = await p.run();
    const got = out.records();
    expect(got.map((r) => r.value).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    const r7 = got.find((r) => r.value === 'v7')!;
    expect(r7).toEqual({ topic, partition: 1, offset: 2, timestamp: 1_700_000_000_007, key: 'k2', value: 'v7', headers: { n: '7' } });
    expect(metrics.deadLetters).toBe(0);
  });

  it('fixes an offset range per partition per batch, capped by maxRecordsPerPartition, and resumes from its position', async () => {
    const topic = await freshTopic(2);
    await produce(topic, Array.from({ length: 25 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })));
    const src = Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest', maxRecordsPerPartition: 5 });
    const ctx = { operator: 'source#0', deadLetter() {} };
    const reader = src.open(ctx);
    const first = await reader.poll(1000, false, 1000);
    expect(first.records.map((r) => `${r.partition}@${r.offset}`).sort()).toEqual(['0@0', '0@1', '0@2', '0@3', '0@4', '1@0', '1@1', '1@2', '1@3', '1@4']);
    expect(Sources.kafkaReport('source#0')).toEqual({ ranges: { [`${topic}:0`]: [0, 5], [`${topic}:1`]: [0, 5] }, records: { [`${topic}:0`]: 5, [`${topic}:1`]: 5 }, lag: { [`${topic}:0`]: 8, [`${topic}:1`]: 7 } });
    const pos = reader.position!();
    expect(pos).toEqual({ [`${topic}:0`]: 5, [`${topic}:1`]: 5 });
    await reader.close();
    // A replay of batch 1000 from the start reads the same range, even after more records arrived.
    await produce(topic, [{ value: 'late', partition: 0 }]);
    const again = src.open(ctx);
    const replay = await again.poll(1000, false, 1000);
    expect(replay.records.map((r) => r.value)).toEqual(first.records.map((r) => r.value));
    await again.close();
    // Resuming from the position goes on where batch 1000 ended.
    const resumed = src.open(ctx, JSON.parse(JSON.stringify(pos)));
    const next = await resumed.poll(1000, false, 2000);
    expect(next.records.map((r) => `${r.partition}@${r.offset}`).sort()).toEqual(['0@5', '0@6', '0@7', '0@8', '0@9', '1@5', '1@6', '1@7', '1@8', '1@9']);
    await resumed.close();
  });

  it('decodes Avro values; undecodable records go to dead letters with topic, partition, offset, raw bytes and reason, and the batch goes on', async () => {
    const topic = await freshTopic(1);
    const good = (i: number) => Reading.encode({ sensor: `s${i}`, celsius: i });
    await produce(topic, [
      { value: good(1) },
      { value: Buffer.from('not avro at all') },
      { value: good(2) },
      { value: null },
      { value: good(3) },
    ]);
    const keep = deadKeeper();
    const p = Pipeline.create('kafka-avro', { batchInterval: seconds(1), deadLetters: keep.sink });
    const out = Sinks.collect<number>();
    p.source(Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: Reading, startingOffsets: 'earliest', endingOffsets: 'latest' }))
      .map((r) => r.value.celsius).to(out);
    const { metrics } = await p.run();
    expect(out.records()).toEqual([1, 2, 3]);
    expect(metrics.deadLetters).toBe(2);
    expect(keep.dead.map((d) => d.origin)).toEqual([`kafka:${topic}/0@1`, `kafka:${topic}/0@3`]);
    expect(Buffer.from(keep.dead[0].raw, 'base64').toString()).toBe('not avro at all');
    expect(keep.dead[0].reason).toMatch(/not Avro binary of schema Reading/);
    expect(keep.dead[1].reason).toMatch(/no value/);
  });

  it('checks JSON values against a schema (format json)', async () => {
    const topic = await freshTopic(1);
    await produce(topic, [{ value: '{"sensor":"a","celsius":1.5}' }, { value: '{"sensor":"b","celsius":"hot"}' }, { value: '{oops' }]);
    const keep = deadKeeper();
    const p = Pipeline.create('kafka-json', { batchInterval: seconds(1), deadLetters: keep.sink });
    const out = Sinks.collect<string>();
    p.source(Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: Reading, format: 'json', startingOffsets: 'earliest', endingOffsets: 'latest' }))
      .map((r) => r.value.sensor).to(out);
    await p.run();
    expect(out.records()).toEqual(['a']);
    expect(keep.dead.map((d) => d.reason)).toEqual([expect.stringMatching(/does not match schema Reading: .*celsius/), expect.stringMatching(/invalid JSON/)]);
  });

  it('commits the processed offsets to the consumer group, so Kafka tools show the lag', async () => {
    const topic = await freshTopic(2);
    await produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })));
    const groupId = topicName('g');
    const p = Pipeline.create('kafka-group', { batchInterval: seconds(1) });
    p.source(Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId, value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest' })).to(Sinks.collect());
    await p.run();
    const a = await admin();
    let offsets: Array<{ partition: number; offset: string }> = [];
    for (let i = 0; i < 50; i++) {
      offsets = (await a.fetchOffsets({ groupId, topics: [topic] }))[0].partitions;
      if (offsets.every((o) => o.offset === '5')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(offsets.map((o) => [o.partition, o.offset]).sort()).toEqual([[0, '5'], [1, '5']]);
  });

  it('picks up partitions added to a topic', async () => {
    const topic = await freshTopic(1);
    await produce(topic, [{ value: 'a', partition: 0 }]);
    const reader = Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest' }).open({ operator: 'source#0', deadLetter() {} });
    expect((await reader.poll(100, false, 1000)).records.map((r) => r.value)).toEqual(['a']);
    const a = await admin();
    await a.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    for (let i = 0; i < 100; i++) {
      const md = await a.fetchTopicMetadata({ topics: [topic] });
      if (md.topics[0].partitions.length === 2 && md.topics[0].partitions.every((p) => p.leader >= 0)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await resetProducer();
    await produce(topic, [{ value: 'b', partition: 1 }]);
    let got: string[] = [];
    for (let t = 2000; t < 40_000 && !got.length; t += 1000) got = (await reader.poll(100, false, t)).records.map((r) => r.value);
    expect(got).toEqual(['b']);
    await reader.close();
  });

  it('names a missing topic in one line', async () => {
    const missing = topicName('missing');
    const p = Pipeline.create('kafka-missing', { batchInterval: seconds(1) });
    p.source(Sources.kafka({ brokers: [bootstrap], topics: [missing], groupId: topicName('g'), value: 'string', endingOffsets: 'latest' })).to(Sinks.collect());
    const err = await p.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toContain(`Kafka topic "${missing}" does not exist`);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  it('fails after a bounded wait naming the address when no broker answers', async () => {
    const p = Pipeline.create('kafka-unreachable', { batchInterval: seconds(1) });
    p.source(Sources.kafka({ brokers: ['127.0.0.1:1'], topics: ['x'], groupId: 'g', value: 'string', endingOffsets: 'latest', startupTimeoutMs: 1500 })).to(Sinks.collect());
    const t0 = Date.now();
    const err = await p.run().catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((err as Error).message).toMatch(/^source#\d+: cannot reach Kafka at 127\.0\.0\.1:1 within 1500 ms/);
  });
});
