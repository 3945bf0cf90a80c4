// Consumer lag of a Kafka source in what a run reports: progress records, the Prometheus gauge, the web UI's history.
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { Pipeline, Sinks, Sources, seconds, type BatchProgress } from '../../src/index.js';
import { History } from '../../src/ui/history.js';
import { bootstrap, freshTopic, kafkaDescribe, produce, readAll, topicName } from './helpers.js';
import { RANGE_TOPIC } from '../../src/io/kafka/range-log.js';
import { lagJob } from './fixtures/lag-job.js';

const lagModule = fileURLToPath(new URL('./fixtures/lag-job.ts', import.meta.url));

kafkaDescribe('consumer lag', () => {
  it('each progress record carries the lag per topic:partition after its batch; the gauge and the UI history show it', async () => {
    const topic = await freshTopic(2);
    await produce(topic, Array.from({ length: 25 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })));
    const p = Pipeline.create('kafka-lag', { batchInterval: seconds(1) });
    p.source(Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest', maxRecordsPerPartition: 5 }))
      // A window keeps the run going after the input ended (until it fires): batches that read nothing.
      .map((r) => r.value).window(seconds(3), seconds(1)).to(Sinks.collect<unknown>());
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
    // Records read per partition over the run: each batch's own reads, counted once (batches after the input ended read nothing).
    for (const b of progress.slice(1)) history.add(b);
    expect(history.snapshot().kafka).toEqual({ [`${topic}:0`]: { records: 13, range: [10, 13] }, [`${topic}:1`]: { records: 12, range: [10, 12] } });
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.slice(3).every((b) => b.kafka === undefined)).toBe(true);
  });

  it('cluster runtime (2 workers): the same lag, offset ranges and records per partition in progress records, RunMetrics.kafka and the metrics', async () => {
    const topic = await freshTopic(2);
    await produce(topic, Array.from({ length: 25 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })));
    const args = [bootstrap, topic, topicName('g')] as const;
    const p = lagJob(...args);
    const source = p.plan().nodes[0].id;
    const registry = new Registry();
    const progress: BatchProgress[] = [];
    const { runCluster } = await import('../../runtimes/cluster/index.js');
    const { metrics } = await runCluster(p.plan(), p.bindings(), {
      workers: 2, worker: { module: lagModule, export: 'lagJob', args }, metrics: { registry }, onProgress: (b) => progress.push(b),
    });
    const [p0, p1] = [`${topic}:0`, `${topic}:1`];
    expect(progress.slice(0, 3).map((b) => b.lag)).toEqual([{ [p0]: 8, [p1]: 7 }, { [p0]: 3, [p1]: 2 }, { [p0]: 0, [p1]: 0 }]);
    expect(progress.slice(0, 3).map((b) => b.kafka?.[source])).toEqual([
      { ranges: { [p0]: [0, 5], [p1]: [0, 5] }, records: { [p0]: 5, [p1]: 5 } },
      { ranges: { [p0]: [5, 10], [p1]: [5, 10] }, records: { [p0]: 5, [p1]: 5 } },
      { ranges: { [p0]: [10, 13], [p1]: [10, 12] }, records: { [p0]: 3, [p1]: 2 } },
    ]);
    // RunMetrics.kafka: the last batch, as on the local runtime.
    expect(metrics.kafka?.[source]?.lag).toEqual({ [p0]: 0, [p1]: 0 });
    expect(metrics.kafka?.[source]?.ranges[p0]?.[1]).toBe(13);
    const values = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.map((v) => ({ value: v.value, partition: v.labels.partition })).sort((a, b) => Number(a.partition) - Number(b.partition));
    expect(await values('sluice_kafka_records_total')).toEqual([{ value: 13, partition: '0' }, { value: 12, partition: '1' }]);
    expect(await values('sluice_kafka_offset')).toEqual([{ value: 13, partition: '0' }, { value: 12, partition: '1' }]);
    expect(await values('sluice_consumer_lag')).toEqual([{ value: 0, partition: '0' }, { value: 0, partition: '1' }]);
    // The UI's history: lag, records read and the last offset range per topic partition.
    const history = new History();
    for (const b of progress) history.add(b);
    expect(history.snapshot().kafka).toEqual({ [p0]: { records: 13, range: [10, 13] }, [p1]: { records: 12, range: [10, 12] } });
    // The ranges of every batch are in the range log under its batch time, also those the workers polled ahead of their batch.
    // One record per topic partition (each worker records the partitions it reads): [t, from, until] entries.
    const log = await readAll(RANGE_TOPIC);
    for (const tp of [p0, p1]) {
      const logged = log.filter((m) => m.key === `${args[2]}|${source}|${tp}`);
      const entries = JSON.parse(logged[logged.length - 1]!.value!.toString('utf8')) as Array<[number, number, number]>;
      for (const b of progress.slice(0, 3)) expect(entries.find((e) => e[0] === b.batchTime)?.slice(1)).toEqual(b.kafka?.[source]?.ranges[tp]);
    }
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
