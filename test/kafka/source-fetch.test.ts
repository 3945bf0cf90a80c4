import { expect, it } from 'vitest';
import { Sources } from '../../src/index.js';
import { bootstrap, freshTopic, kafkaDescribe, produce, topicName } from './helpers.js';

kafkaDescribe('Sources.kafka fetch sizes', () => {
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
});
