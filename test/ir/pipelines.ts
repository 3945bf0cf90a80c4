/**
 * The pipelines whose plans are checked in as golden files under test/ir/golden/: the
 * three seed examples (word count, temperature average with event time, fraud) and one
 * with processing-time windows and joins. Each builder makes a fresh, identical pipeline.
 */
import * as O from 'fp-ts/lib/Option.js';
import {
  hours, minutes, pair, Pipeline, S, seconds, Sinks, sliding, Sources, StaticTable, type Aggregator, type Stream,
} from '../../src/index.js';

export const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
export type Reading = S.Infer<typeof Reading>;

export const Transaction = S.record('Transaction', { id: S.string(), customer: S.string(), amount: S.double(), ts: S.timestampMillis() });
export type Transaction = S.Infer<typeof Transaction>;

export interface Customer {
  readonly id: string;
  readonly country: string;
  readonly limit: number;
}

export const mean: Aggregator<Reading, { n: number; sum: number }, number> = {
  create: () => ({ n: 0, sum: 0 }),
  add: (acc, r) => ({ n: acc.n + 1, sum: acc.sum + r.celsius }),
  merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
  result: (acc) => acc.sum / acc.n,
};

/** Word count (Spark's NetworkWordCount, over a text file). */
export function wordCount(): Pipeline {
  const p = Pipeline.create('word-count', { batchInterval: seconds(1) });
  p.source(Sources.textFile('data/lines.txt'))
    .flatMap((l) => l.split(/\s+/), { label: 'split words' })
    .filter((w) => w.length > 0)
    .map((w) => pair(w.toLowerCase(), 1))
    .reduceByKey((a, b) => a + b)
    .print(20);
  return p;
}

/** 5-minute average temperature per sensor, sliding every 30 s, in event time; late readings kept apart. */
export function temperature(): Pipeline {
  const p = Pipeline.create('temperature', { batchInterval: seconds(5) });
  const readings = p.source(Sources.jsonLines('data/readings.jsonl', Reading));
  const avg = readings
    .filter((r) => r.celsius > -90 && r.celsius < 60, { onError: 'deadLetter', label: 'plausible' })
    .withEventTime((r) => r.ts, { watermarkDelay: seconds(10) })
    .keyBy((r) => r.sensor)
    .window(sliding(minutes(5), seconds(30)))
    .allowedLateness(minutes(1))
    .named('avg-temperature')
    .aggregate(mean);
  avg.to(Sinks.jsonLines('out/avg-temperature.jsonl'));
  avg.lateRecords().to(Sinks.jsonLines('out/late-readings.jsonl'));
  return p;
}

/** Transactions enriched from a static customer table, running spend per customer, alerts over the limit. */
export function fraud(): Pipeline {
  const p = Pipeline.create('fraud', { batchInterval: seconds(2) });
  const customers = StaticTable.fromArray<string, Customer>([{ id: 'c1', country: 'NL', limit: 1000 }], (c) => c.id);
  p.source(Sources.jsonLines('data/transactions.jsonl', Transaction))
    .map((t) => pair(t.customer, t))
    .joinStatic(customers)
    .mapValues(([t, c]) => ({ amount: t.amount, limit: c.limit }))
    .updateStateByKey(
      (vs, s: O.Option<{ spent: number; limit: number }>) => {
        const prev = O.getOrElse(() => ({ spent: 0, limit: vs[0]?.limit ?? 0 }))(s);
        return O.some({ spent: prev.spent + vs.reduce((a, v) => a + v.amount, 0), limit: vs[0]?.limit ?? prev.limit });
      },
      { name: 'spend-by-customer', ttl: hours(24) },
    )
    .filter(([, s]) => s.spent > s.limit, { label: 'over limit' })
    .to(Sinks.jsonLines('out/alerts.jsonl'));
  return p;
}

/** Clicks joined with impressions over sliding windows, click-through per ad, and a union of both kinds of event. */
export function adsWindowsJoins(): Pipeline {
  const p = Pipeline.create('ads', { batchInterval: seconds(5), keyGroups: 64 });
  const impressions: Stream<readonly [string, string]> = p.source(Sources.batches<{ ad: string; user: string }>([])).map((i) => pair(i.ad, i.user));
  const clicks: Stream<readonly [string, string]> = p.source(Sources.batches<{ ad: string; user: string }>([])).map((c) => pair(c.ad, c.user));
  const shown = impressions.window(minutes(1), seconds(10));
  const clicked = clicks.window(minutes(1), seconds(10));
  shown
    .mapValues(() => 1)
    .reduceByKey((a, b) => a + b)
    .leftOuterJoin(clicked.mapValues(() => 1).reduceByKey((a, b) => a + b))
    .mapValues(([n, c]) => O.getOrElse(() => 0)(c) / n)
    .to(Sinks.collect());
  clicks
    .mapValues(() => 1)
    .reduceByKeyAndWindow((a, b) => a + b, minutes(10), seconds(30), { inverse: (a, b) => a - b, filter: ([, n]) => n > 0, name: 'clicks-10m' })
    .to(Sinks.collect());
  impressions.union(clicks).countByValueAndWindow(minutes(1), seconds(20)).to(Sinks.collect());
  clicked.cogroup(shown).to(Sinks.collect());
  return p;
}

export const pipelines: Record<string, () => Pipeline> = {
  'word-count': wordCount,
  temperature,
  fraud,
  'ads-windows-joins': adsWindowsJoins,
};
