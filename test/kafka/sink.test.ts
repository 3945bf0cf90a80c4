import kafkajs from 'kafkajs';
import { expect, it } from 'vitest';
import { Pipeline, RuntimeError, S, Sinks, Sources, pair, seconds } from '../../src/index.js';
import { bootstrap, freshTopic, kafkaDescribe, readAll, readValues, topicName } from './helpers.js';

const Count = S.record('Count', { word: S.string(), n: S.long() });

kafkaDescribe('Sinks.kafka', () => {
  it('writes a pipeline\'s output with keys, gzip and a schema, readable by the Kafka source', async () => {
    const topic = await freshTopic(3);
    const p = Pipeline.create('kafka-write', { batchInterval: seconds(1) });
    p.source(Sources.batches([['a b a'], ['b c']]))
      .flatMap((l) => l.split(' '))
      .map((w) => pair(w, 1))
      .reduceByKey((x, y) => x + y)
      .map(([word, n]) => ({ word, n }))
      .to(Sinks.kafka({ brokers: [bootstrap], topic, value: Count, key: (c) => c.word, compression: 'gzip', headers: () => ({ from: 'test' }) }));
    await p.run();
    const got = await readAll(topic);
    expect(got.map((r) => Count.decode(r.value!)).sort((x, y) => x.word.localeCompare(y.word) || x.n - y.n))
      .toEqual([{ word: 'a', n: 2 }, { word: 'b', n: 1 }, { word: 'b', n: 1 }, { word: 'c', n: 1 }]);
    // Same key, same partition (Kafka's murmur2 partitioner).
    const bs = got.filter((r) => r.key === 'b');
    expect(new Set(bs.map((r) => r.partition)).size).toBe(1);
    expect(got[0].headers.from?.toString()).toBe('test');
  });

  it('exactly-once: a batch whose transaction committed is skipped when it is written again after a restart', async () => {
    const topic = await freshTopic(1);
    const sink = Sinks.kafka<string>({ brokers: [bootstrap], topic, value: 'string', transactional: true });
    const ctx = { operator: 'sink#9', pipeline: topicName('eos') };
    const w1 = sink.open(ctx);
    await w1.write(['a1', 'a2'], 1000);
    await w1.write(['b1'], 2000);
    await w1.close();
    // A new writer (a restarted job) replays batch 2000 and goes on with 3000.
    const w2 = sink.open(ctx);
    await w2.write(['b1'], 2000);
    await w2.write(['c1'], 3000);
    await w2.close();
    expect(await readValues(topic)).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('exactly-once: an open transaction of a fenced writer is never visible to read_committed readers', async () => {
    const topic = await freshTopic(1);
    const sink = Sinks.kafka<string>({ brokers: [bootstrap], topic, value: 'string', transactional: true });
    const ctx = { operator: 'sink#1', pipeline: topicName('eos') };
    const w1 = sink.open(ctx);
    await w1.write(['a'], 1000);
    const w2 = sink.open(ctx);
    await w2.write(['b'], 2000); // fences w1
    await expect(w1.write(['zombie'], 3000)).rejects.toThrow(/batch 3000/);
    await w2.close();
    await w1.close();
    expect(await readValues(topic)).toEqual(['a', 'b']);
  }, 120_000);

  it('exactly-once: a restarted writer reads its last commit past another producer\'s transaction left open on the commits topic', async () => {
    // Every transactional sink records its commits in one topic; a job killed in a transaction leaves it open there until the
    // broker times it out. Reading read_committed stops at the last stable offset, which that transaction holds back:
    // a restart then waited for it (60 s, then failed the batch) instead of reading its own ended transactions.
    const topic = await freshTopic(1);
    const sink = Sinks.kafka<string>({ brokers: [bootstrap], topic, value: 'string', transactional: true });
    const ctx = { operator: 'sink#7', pipeline: topicName('eos') };
    const w1 = sink.open(ctx);
    await w1.write(['a'], 1000);
    const k = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    const foreign = k.producer({ transactionalId: topicName('foreign'), idempotent: true, maxInFlightRequests: 1, transactionTimeout: 600_000 });
    await foreign.connect();
    const open = await foreign.transaction();
    try {
      await open.send({ topic: '_sluice_sink_commits', messages: [{ key: 'someone else', value: '{"t":1}' }] });
      await w1.write(['b'], 2000);
      await w1.close();
      // A restarted writer: batch 2000 committed (skipped), 3000 is new.
      const w2 = sink.open(ctx);
      await w2.write(['b'], 2000);
      await w2.write(['c'], 3000);
      await w2.close();
    } finally {
      await open.abort();
      await foreign.disconnect();
    }
    expect(await readValues(topic)).toEqual(['a', 'b', 'c']);
  });

  it('fails the batch naming the sink and the record when a record does not fit the schema', async () => {
    const topic = await freshTopic(1);
    const sink = Sinks.kafka<unknown>({ brokers: [bootstrap], topic, value: Count as never });
    const w = sink.open({ operator: 'sink#3', pipeline: 'p' });
    const err = await Promise.resolve(w.write([{ word: 'a', n: 1 }, { word: 'b', n: 'x' }], 1000)).catch((e: unknown) => e);
    await w.close();
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toMatch(/^sink#3: record 1 of the batch cannot be written as Avro Count to Kafka topic .*: does not match schema Count: .*n/);
  });

  it('names a missing topic in one line', async () => {
    const missing = topicName('missing');
    const w = Sinks.kafka<string>({ brokers: [bootstrap], topic: missing, value: 'string' }).open({ operator: 'sink#2', pipeline: 'p' });
    const err = await Promise.resolve(w.write(['x'], 1000)).catch((e: unknown) => e);
    await w.close();
    expect((err as Error).message).toContain(`Kafka topic "${missing}" does not exist`);
  });
});
