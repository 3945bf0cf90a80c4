/**
 * Sensor temperatures — the seeds' "5-minute average, every 30 seconds", in event time.
 *
 *   node bin/sluice.js run examples/temperature.ts
 *
 * Readings are JSON lines checked against the `Reading` schema (a malformed line goes to
 * the dead-letter output with the reason). Each sensor's mean over sliding 5-minute
 * windows is emitted when the watermark (10 s behind the newest reading) passes the
 * window's end; readings later than that are reported on their own stream, not dropped.
 */
import { fileURLToPath } from 'node:url';
import { Pipeline, S, Sources, minutes, seconds, sliding, type Aggregator } from '../src/index.js';

export const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
export type Reading = S.Infer<typeof Reading>;

/** Mean temperature, merged incrementally. */
export const mean: Aggregator<Reading, { n: number; sum: number }, number> = {
  create: () => ({ n: 0, sum: 0 }),
  add: (acc, r) => ({ n: acc.n + 1, sum: acc.sum + r.celsius }),
  merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
  result: (acc) => Math.round((acc.sum / acc.n) * 100) / 100,
};

const file = process.env.READINGS_FILE ?? fileURLToPath(new URL('./data/readings.jsonl', import.meta.url));

export const pipeline = Pipeline.create('temperature', { batchInterval: seconds(1) });

const averages = pipeline
  .source(Sources.limit(Sources.jsonLines(file, Reading), 100)) // replay the file 100 readings a batch
  .withEventTime((r) => r.ts, { watermarkDelay: seconds(10) })
  .keyBy((r) => r.sensor)
  .window(sliding(minutes(5), seconds(30)))
  .named('avg-temperature')
  .aggregate(mean);

averages
  .map((w) => `${w.key} ${new Date(w.start).toISOString().slice(11, 19)}–${new Date(w.end).toISOString().slice(11, 19)} mean ${w.value} °C`)
  .print(100);
averages.lateRecords().map((r) => `LATE ${r.sensor} at ${new Date(r.ts).toISOString()} (${r.celsius} °C)`).print();

export default pipeline;
