import { describe, expect, it } from 'vitest';
import { millis, minutes, Pipeline, PipelineError, seconds, sliding, Sinks, Sources, tumbling, type Aggregator } from '../../src/index.js';
import { ev, keyed, row, runReported, runWindows, type Ev } from './helpers.js';

interface Reading {
  readonly sensor: string;
  readonly ts: number;
  readonly celsius: number;
}

const mean: Aggregator<Reading, { n: number; sum: number }, number> = {
  create: () => ({ n: 0, sum: 0 }),
  add: (acc, r) => ({ n: acc.n + 1, sum: acc.sum + r.celsius }),
  merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
  result: (acc) => Math.round((acc.sum / acc.n) * 1000) / 1000,
};

/** Readings of two sensors every 10 s for 12 minutes, one minute of them per batch, some a little out of order. */
function readings(): Reading[][] {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: Reading[][] = [];
  for (let minute = 0; minute < 12; minute++) {
    const batch: Reading[] = [];
    for (let t = minute * 60_000; t < (minute + 1) * 60_000; t += 10_000) {
      for (const sensor of ['s1', 's2']) batch.push({ sensor, ts: t + Math.floor(rand() * 1000), celsius: Math.round((15 + rand() * 10) * 10) / 10 });
    }
    // swap neighbours: at most ~10 s out of order, within the watermark delay
    for (let i = 0; i + 2 < batch.length; i += 5) [batch[i], batch[i + 2]] = [batch[i + 2], batch[i]];
    out.push(batch);
  }
  return out;
}

/** What the windows must be: every 30 s-aligned 5-minute window holding a reading, and the batch it is due in. */
function reference(batches: Reading[][], size: number, slide: number, delay: number): Map<number, Array<readonly [string, number, number, number]>> {
  const all = batches.flat();
  const starts = new Set<number>();
  for (const r of all) for (let s = Math.floor(r.ts / slide) * slide; s > r.ts - size; s -= slide) starts.add(s);
  const maxSoFar: number[] = [];
  let m = -Infinity;
  for (const b of batches) { for (const r of b) m = Math.max(m, r.ts); maxSoFar.push(m); }
  const due = new Map<number, Array<readonly [string, number, number, number]>>();
  for (const sensor of ['s1', 's2']) {
    for (const s of [...starts].sort((a, b) => a - b)) {
      const rs = all.filter((r) => r.sensor === sensor && r.ts >= s && r.ts < s + size);
      if (!rs.length) continue;
      let acc = mean.create();
      for (const r of rs) acc = mean.add(acc, r);
      const batch = maxSoFar.findIndex((x) => x >= s + size + delay);
      const at = batch === -1 ? batches.length : batch;
      due.set(at, [...(due.get(at) ?? []), [sensor, s, s + size, mean.result(acc)]]);
    }
  }
  return due;
}

describe('event time: aggregations', () => {
  it('5-minute average temperature per sensor, sliding every 30 s (Structured Streaming’s window(ts, "5 minutes", "30 seconds"))', async () => {
    const input = readings();
    const { out: windows, report } = await runReported(input, (s) =>
      s
        .withEventTime((r) => r.ts, { watermarkDelay: seconds(10) })
        .keyBy((r) => r.sensor)
        .window(sliding(minutes(5), seconds(30)))
        .aggregate(mean),
    );
    const out = windows.map((b) => b.map(row));
    // 33 window starts (−4m30s … 11m30s) × 2 sensors: one per sensor closes in the first minute, two per sensor
    // each minute after, and the 10 per sensor still open at the end are flushed
    expect(out.map((b) => b.length)).toEqual([2, ...Array(11).fill(4), 20]);
    expect(report.metrics.lateRecords).toBe(0);
    expect(report.deadLetters).toEqual([]);
    const expected = reference(input, 300_000, 30_000, 10_000);
    expect(out).toHaveLength(input.length + 1);
    out.forEach((batch, i) => {
      const want = [...(expected.get(i) ?? [])].sort((a, b) => a[2] - b[2] || a[1] - b[1] || a[0].localeCompare(b[0]));
      expect(batch, `batch ${i}`).toEqual(want);
    });
    // every reading is in 10 windows; spot-check one window by hand
    const all = input.flat().filter((r) => r.sensor === 's1' && r.ts >= 60_000 && r.ts < 360_000);
    const byHand = Math.round((all.reduce((a, r) => a + r.celsius, 0) / all.length) * 1000) / 1000;
    expect(out.flat().find((w) => w[0] === 's1' && w[1] === 60_000)).toEqual(['s1', 60_000, 360_000, byHand]);
    // windows that began before the first reading close early: [−4m30s, 30s) once a reading at 40 s is seen
    expect(out[0].slice(0, 2)).toEqual([expected.get(0)![0], expected.get(0)!.find((w) => w[0] === 's2')]);
    expect(out[0][0].slice(0, 3)).toEqual(['s1', -270_000, 30_000]);
    // the first full window, [0, 5m), closes once a reading at 5m10s is seen, in batch 5
    expect(out.findIndex((b) => b.some((w) => w[1] === 0))).toBe(5);
  });

  it('count, reduce and aggregate agree on the same windows', async () => {
    const input = [[ev('a', 1, 3), ev('a', 4, 5), ev('b', 6, 2), ev('a', 13, 1)], [ev('b', 30, 8)]];
    const win = tumbling(millis(10));
    const count = await runWindows(input, (s) => keyed(s).window(win).count());
    const sum = await runWindows(input, (s) => keyed(s).window(win).reduce((x, y) => ev(x.k, x.t, x.v + y.v)).map((w) => ({ ...w, value: w.value.v })));
    const agg = await runWindows(input, (s) =>
      keyed(s).window(win).aggregate({ create: () => [] as number[], add: (acc, r) => [...acc, r.v], result: (acc) => acc.join('+') }));
    expect(count.out.flat()).toEqual([['a', 0, 10, 2], ['b', 0, 10, 1], ['a', 10, 20, 1], ['b', 30, 40, 1]]);
    expect(sum.out.flat()).toEqual([['a', 0, 10, 8], ['b', 0, 10, 2], ['a', 10, 20, 1], ['b', 30, 40, 8]]);
    expect(agg.out.flat()).toEqual([['a', 0, 10, '3+5'], ['b', 0, 10, '2'], ['a', 10, 20, '1'], ['b', 30, 40, '8']]);
  });

  it('creates one accumulator per key and window and reads the result only when emitting', async () => {
    const calls = { create: 0, result: 0 };
    const counting: Aggregator<Ev, number, number> = {
      create: () => { calls.create++; return 0; },
      add: (a, r) => a + r.v,
      result: (a) => { calls.result++; return a; },
    };
    await runWindows([[ev('a', 1), ev('a', 2), ev('b', 3), ev('a', 11)], [ev('a', 12)]], (s) => keyed(s).window(tumbling(millis(10))).aggregate(counting));
    expect(calls).toEqual({ create: 3, result: 3 });
  });

  it('fails the batch naming the window operator when the aggregator throws', async () => {
    await expect(
      runWindows([[ev('a', 1)]], (s) => keyed(s).window(tumbling(millis(10))).reduce(() => { throw new Error('boom'); })),
    ).resolves.toBeDefined(); // a single record per window never calls reduce
    await expect(
      runWindows([[ev('a', 1), ev('a', 2)]], (s) => keyed(s).window(tumbling(millis(10))).reduce(() => { throw new Error('boom'); })),
    ).rejects.toThrow(/eventWindow#\d+.*boom/);
  });

  it('shows the window, the aggregation and the named state in explain()', () => {
    const p = Pipeline.create('temperatures', { batchInterval: seconds(1) });
    p.source(Sources.batches<Reading>([]))
      .withEventTime((r) => r.ts, { watermarkDelay: seconds(10) })
      .keyBy((r) => r.sensor)
      .window(sliding(minutes(5), seconds(30)))
      .allowedLateness(minutes(1))
      .named('avg-temperature')
      .aggregate(mean)
      .to(Sinks.collect());
    const text = p.explain();
    expect(text).toMatch(/eventWindow#3 .*sliding\(5m, 30s\) aggregate allowedLateness=1m state="avg-temperature"\)$/m);
    expect(p.plan().nodes.find((n) => n.kind === 'eventWindow')).toMatchObject({ state: { name: 'avg-temperature', named: true } });
  });

  it('refuses a ttl on window state when the plan is validated, instead of ignoring it', async () => {
    const p = Pipeline.create('temperatures', { batchInterval: seconds(1) });
    const windowed = p.source(Sources.batches<Reading>([])).withEventTime((r) => r.ts, { watermarkDelay: seconds(0) }).keyBy((r) => r.sensor).window(tumbling(minutes(1)));
    // An untyped (JavaScript) caller can still pass it.
    (windowed.named as (name: string, opts: { ttl: number }) => typeof windowed)('avg', { ttl: minutes(30) }).count().to(Sinks.collect());
    expect(() => p.plan()).toThrow(PipelineError);
    expect(() => p.plan()).toThrow(/eventWindow#3: ttl 30m cannot apply to window state: a window's state is dropped when the window closes/);
    await expect(p.run()).rejects.toThrow(/ttl 30m cannot apply/);
  });

  it('derives a stable state name when none is given', () => {
    const build = (size: number) => {
      const p = Pipeline.create('t', { batchInterval: seconds(1) });
      p.source(Sources.batches<Ev>([])).withEventTime((r) => r.t, { watermarkDelay: seconds(0) }).keyBy((r) => r.k).window(tumbling(millis(size))).count().to(Sinks.collect());
      return p.plan().nodes.find((n) => n.kind === 'eventWindow') as { state: { name: string; named: boolean } };
    };
    expect(build(10).state).toEqual(build(10).state);
    expect(build(10).state.named).toBe(false);
    expect(build(10).state.name).toMatch(/^eventWindow-[0-9a-f]{10}$/);
    expect(build(20).state.name).not.toBe(build(10).state.name);
  });
});
