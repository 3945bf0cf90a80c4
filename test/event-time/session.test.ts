import { describe, expect, it } from 'vitest';
import { millis, PipelineError, session, type Aggregator } from '../../src/index.js';
import { ev, keyed, runWindows, type Ev } from './helpers.js';

const gap10 = session(millis(10));

describe('event time: session windows', () => {
  it('a session lasts from its first record to gap after its last', async () => {
    const { out } = await runWindows([[ev('a', 0), ev('a', 5), ev('a', 12)], [ev('a', 21)], [ev('a', 22)]], (s) => keyed(s).window(gap10).count());
    // 21 and 22 each arrive before the watermark reaches the session's end, so they extend it: [0, 32)
    expect(out).toEqual([[], [], [], [['a', 0, 32, 5]]]);
  });

  it('closes a session when the watermark passes gap after its last record', async () => {
    const { out } = await runWindows([[ev('a', 0), ev('a', 5)], [ev('a', 40)]], (s) => keyed(s).window(gap10).count());
    expect(out).toEqual([[], [['a', 0, 15, 2]], [['a', 40, 50, 1]]]);
  });

  it('a record exactly gap after the last one joins its session (touching sessions merge, as in Spark, Flink and Kafka Streams)', async () => {
    const { out } = await runWindows([[ev('a', 0), ev('a', 10)]], (s) => keyed(s).window(gap10).count());
    expect(out).toEqual([[], [['a', 0, 20, 2]]]);
  });

  it('a record exactly gap after a session in a later batch extends it; one more millisecond starts a new one', async () => {
    const touching = await runWindows([[ev('a', 0)], [ev('a', 10)], [ev('b', 100)]], (s) => keyed(s, 5).window(gap10).count());
    expect(touching.out.flat()).toEqual([['a', 0, 20, 2], ['b', 100, 110, 1]]);
    const apart = await runWindows([[ev('a', 0)], [ev('a', 11)], [ev('b', 100)]], (s) => keyed(s, 5).window(gap10).count());
    expect(apart.out.flat()).toEqual([['a', 0, 10, 1], ['a', 11, 21, 1], ['b', 100, 110, 1]]);
  });

  it('merges two sessions when a record bridges them', async () => {
    const { out } = await runWindows(
      [[ev('a', 0), ev('a', 18)], [ev('a', 9)], [ev('a', 200)]],
      (s) => keyed(s, 100).window(gap10).count(),
    );
    expect(out).toEqual([[], [], [['a', 0, 28, 3]], [['a', 200, 210, 1]]]);
  });

  it('merges a record that bridges three sessions into one', async () => {
    const { out } = await runWindows(
      [[ev('a', 0), ev('a', 12), ev('a', 24)], [ev('a', 8), ev('a', 20)], [ev('a', 300)]],
      (s) => keyed(s, 100).window(gap10).count(),
    );
    expect(out[2]).toEqual([['a', 0, 34, 5]]);
  });

  it('keeps sessions per key: another key between two records does not bridge them', async () => {
    const { out } = await runWindows(
      [[ev('a', 0), ev('b', 8), ev('b', 16), ev('a', 18), ev('b', 24)], [ev('c', 500)]],
      (s) => keyed(s, 100).window(gap10).count(),
    );
    expect(out[1]).toEqual([['a', 0, 10, 1], ['a', 18, 28, 1], ['b', 8, 34, 3]]);
    expect(out[2]).toEqual([['c', 500, 510, 1]]);
  });

  it('merges accumulators with the aggregator’s merge', async () => {
    const mean: Aggregator<Ev, { n: number; sum: number }, number> = {
      create: () => ({ n: 0, sum: 0 }),
      add: (acc, r) => ({ n: acc.n + 1, sum: acc.sum + r.v }),
      merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
      result: (acc) => acc.sum / acc.n,
    };
    const { out } = await runWindows(
      [[ev('a', 0, 2), ev('a', 18, 4)], [ev('a', 9, 9)], [ev('a', 200, 0)]],
      (s) => keyed(s, 100).window(gap10).aggregate(mean),
    );
    expect(out[2]).toEqual([['a', 0, 28, 5]]);
  });

  it('merges reduce results of bridged sessions', async () => {
    const { out } = await runWindows(
      [[ev('a', 0, 2), ev('a', 18, 4)], [ev('a', 9, 9)], [ev('a', 200, 0)]],
      (s) => keyed(s, 100).window(gap10).reduce((x, y) => ev(x.k, Math.min(x.t, y.t), x.v + y.v)),
    );
    expect(out[2]).toEqual([['a', 0, 28, ev('a', 0, 15)]]);
  });

  it('requires merge of an aggregator for session windows (at build time)', async () => {
    const noMerge: Aggregator<Ev, number, number> = { create: () => 0, add: (a, r) => a + r.v, result: (a) => a };
    await expect(
      runWindows([[ev('a', 0)]], (s) => keyed(s).window(gap10).aggregate(noMerge)),
    ).rejects.toThrow(PipelineError);
    await expect(runWindows([[ev('a', 0)]], (s) => keyed(s).window(gap10).aggregate(noMerge))).rejects.toThrow(/merge/);
  });

  it('re-emits a session extended by a late record within the allowed lateness', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 0), ev('a', 15)], [ev('a', 8)], [ev('a', 30)], [ev('a', 50)], [ev('a', 3)]],
      (s) => keyed(s).window(gap10).allowedLateness(millis(20)).count(),
    );
    expect(out).toEqual([
      [['a', 0, 10, 1]],
      // 8 bridges [0,10) and [15,25): the merged session [0,25) is not complete yet
      [],
      [['a', 0, 25, 3]],
      // watermark 49 is past 25 − 1 + 20: the session is gone
      [['a', 30, 40, 1]],
      // 3 is before every open session and its own [3,13) is past the lateness
      [],
      [['a', 50, 60, 1]],
    ]);
    expect(report.metrics.lateRecords).toBe(1);
  });
});
