// Consumer lag of a Kafka source in what a run reports: progress records, the Prometheus gauge, the web UI's history.
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { Pipeline, Sinks, Sources, seconds, type BatchProgress } from '../../src/index.js';
import { History } from '../../src/ui/history.js';
import { bootstrap, freshTopic, kafkaDescribe, produce, topicName } from './helpers.js';

kafkaDescribe('consumer lag', () => {
  it('each progress record carries the lag per topic:partition after its batch; the gauge and the UI history show it', async () => {
    const topic = await freshTopic(2);
    await produce(topic, Array.from({ length: 25 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })));
    const p = Pipeline.create('kafka-lag', { batchInterval: seconds(1) });
    p.source(Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest', maxRecordsPerPartition: 5 })).to(Sinks.collect<unknown>());
    const registry = new Registry();
    const progress: BatchProgress[] = [];
    const gauge: Promise<{ value: number; labels: object }[]>[] = [];
    await p.run({
      metrics: { registry },
      onProgress: (b) => {
        progress.push(b);
        if (progress.length === 1) gauge.push(registry.getSingleMetric('sluice_consumer_lag')!.get().then((m) => m.values));
      },
    });
    // 13 records on partition 0 and 12 on partition 1, read 5 per partition per batch.
    expect(progress.slice(0, 3).map((b) => b.lag)).toEqual([
      { [`${topic}:0`]: 8, [`${topic}:1`]: 7 },
      { [`${topic}:0`]: 3, [`${topic}:1`]: 2 },
      { [`${topic}:0`]: 0, [`${topic}:1`]: 0 },
    ]);
    expect((await gauge[0]).map((v) => ({ value: v.value, labels: v.labels })).sort((a, b) => b.value - a.value)).toEqual([
      { value: 8, labels: { pipeline: 'kafka-lag', topic, partition: '0' } },
      { value: 7, labels: { pipeline: 'kafka-lag', topic, partition: '1' } },
    ]);
    const history = new History();
    history.add(progress[0]!);
    expect(history.snapshot().lag).toEqual({ [`${topic}:0`]: 8, [`${topic}:1`]: 7 });
  });

  it('a run without a Kafka source has no lag in its progress records', async () => {
    const p = Pipeline.create('no-lag', { batchInterval: seconds(1) });
    p.source(Sources.fromIterable([1, 2, 3])).to(Sinks.collect<number>());
    const progress: BatchProgress[] = [];
    await p.run({ onProgress: (b) => progress.push(b) });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((b) => b.lag === undefined)).toBe(true);
  });
});
