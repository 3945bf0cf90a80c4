import * as O from 'fp-ts/lib/Option.js';
import { Pipeline, S, Sources, Sinks, pair, seconds, tumbling, StaticTable } from '../../src/index.js';

/** Pipelines whose physical plans are checked in as golden files (test/planner/golden/<name>.txt). */
export const pipelines: Record<string, () => Pipeline> = {
  'word-count': () => {
    const p = Pipeline.create('word-count', { batchInterval: seconds(1) });
    p.source(Sources.batches<string>([['a b']]))
      .flatMap((l) => l.split(' '))
      .map((w) => pair(w, 1))
      .reduceByKey((a, b) => a + b)
      .to(Sinks.collect());
    return p;
  },
  'join-two-sources': () => {
    const p = Pipeline.create('join', { batchInterval: seconds(1), keyGroups: 8 });
    const a = p.source(Sources.batches<readonly [string, number]>([]));
    const b = p.source(Sources.batches<readonly [string, string]>([])).filter(([k]) => k !== '');
    a.join(b).mapValues(([n, s]) => `${s}${n}`).to(Sinks.collect());
    return p;
  },
  'union-shuffled-and-source': () => {
    const p = Pipeline.create('union', { batchInterval: seconds(1) });
    const s = p.source(Sources.batches<readonly [string, number]>([]));
    const summed = s.reduceByKey((a, b) => a + b);
    summed.union(s.map(([k, v]) => pair(k, -v))).to(Sinks.collect());
    return p;
  },
  'gathers-and-repartition': () => {
    const p = Pipeline.create('gathers', { batchInterval: seconds(1) });
    const s = p.source(Sources.batches<number>([]));
    s.count().to(Sinks.collect());
    s.repartition(3).mapPartitions((rs, i) => rs.map((r) => pair(i, r))).countByValue().to(Sinks.collect());
    s.window(seconds(2)).transform((rs) => rs.slice(0, 1)).reduce((a, b) => a + b).to(Sinks.collect());
    return p;
  },
  'stateful': () => {
    const p = Pipeline.create('stateful', { batchInterval: seconds(1) });
    const s = p.source(Sources.batches<readonly [string, number]>([]));
    const m = s.mapWithState<string, number, number, number>({ name: 'sessions', fn: (_k, v, st) => { st.update(O.getOrElse(() => 0)(v)); return v; } });
    m.stateSnapshots().to(Sinks.collect());
    m.to(Sinks.collect());
    s.updateStateByKey<string, number, number>((vs, st) => O.some(vs.length + O.getOrElse(() => 0)(st)))
      .joinStatic(StaticTable.fromMap(new Map([['a', 1]])))
      .to(Sinks.collect());
    s.reduceByKeyAndWindow((a, b) => a + b, seconds(4), seconds(2), { inverse: (a, b) => a - b }).to(Sinks.collect());
    return p;
  },
  'event-time': () => {
    const p = Pipeline.create('event-time', { batchInterval: seconds(1) });
    const reading = S.record('Reading', { sensor: S.string(), ts: S.long(), celsius: S.double() });
    const src = { ...Sources.batches<S.Infer<typeof reading>>([]), schema: reading };
    const valid = p.source(src).filter((r) => r.celsius > -100);
    valid.count().to(Sinks.collect());
    const w = valid
      .withEventTime((r) => r.ts, { watermarkDelay: seconds(1) })
      .keyBy((r) => r.sensor)
      .window(tumbling(seconds(5)))
      .count();
    w.to(Sinks.collect());
    w.lateRecords().to(Sinks.collect());
    return p;
  },
};
