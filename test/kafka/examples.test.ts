import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { bootstrap, kafkaDescribe, readValues, topicName } from './helpers.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

kafkaDescribe('the Kafka examples', () => {
  it('the producer feeds the word count and the sensor pipeline, which write their topics', async () => {
    const prefix = `${topicName('ex')}-`;
    const env = { ...process.env, KAFKA_BROKERS: bootstrap, KAFKA_TOPIC_PREFIX: prefix, KAFKA_BOUNDED: '1' };
    const opts = { cwd: root, env, timeout: 120_000 };
    const fed = await run(process.execPath, ['--import', 'tsx', 'examples/kafka-producer.ts'], opts);
    expect(fed.stderr).toMatch(/wrote 1808 readings \(\d+ malformed\) to .*sensor-readings and 7 lines/);
    const malformed = Number(/\((\d+) malformed\)/.exec(fed.stderr)![1]);

    const wc = await run(process.execPath, ['bin/sluice.js', 'run', 'examples/kafka-word-count.ts'], opts);
    expect(wc.stderr).toMatch(/kafka-word-count done: \d+ batch(es)?, 7 records read, 0 dead letters/);
    const totals = new Map<string, number>();
    for (const v of await readValues(`${prefix}word-counts`)) {
      const [w, n] = JSON.parse(v) as [string, number];
      totals.set(w, (totals.get(w) ?? 0) + n);
    }
    const words = readFileSync(new URL('../../examples/data/lines.txt', import.meta.url), 'utf8').toLowerCase().split(/[^a-z']+/).filter(Boolean);
    expect(totals.get('the')).toBe(words.filter((w) => w === 'the').length);
    expect([...totals.values()].reduce((a, b) => a + b, 0)).toBe(words.length);

    const sensors = await run(process.execPath, ['bin/sluice.js', 'run', 'examples/kafka-sensors.ts'], opts);
    expect(sensors.stderr).toContain(`${1808 - malformed} records read`);
    // The malformed readings are dead letters naming topic, partition and offset.
    expect(sensors.stderr.match(/dead letter from kafka:\S+sensor-readings\/\d+@\d+ at batch \d+: not Avro binary of schema Reading/g)).toHaveLength(malformed);
    const averages = (await readValues(`${prefix}sensor-averages`)).map((v) => JSON.parse(v) as { sensor: string; start: number; end: number; mean: number });
    expect(averages.length).toBeGreaterThan(10);
    for (const a of averages) {
      expect(a.sensor).toMatch(/^s\d+$/);
      expect(a.end - a.start).toBe(300_000);
      expect(a.end % 30_000).toBe(0);
      expect(a.mean).toBeGreaterThan(-50);
      expect(a.mean).toBeLessThan(80);
    }
    expect(new Set(averages.map((a) => `${a.sensor}@${a.end}`)).size).toBe(averages.length);
  }, 240_000);
});
