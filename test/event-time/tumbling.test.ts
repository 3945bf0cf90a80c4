import { describe, expect, it } from 'vitest';
import { millis, tumbling } from '../../src/index.js';
import { ev, keyed, runWindows } from './helpers.js';

const tumble10 = millis(10);

describe('event time: tumbling windows', () => {
  it('assigns each record to exactly one window [k·size, (k+1)·size)', async () => {
    const { out } = await runWindows(
      [[ev('a', 0), ev('a', 9), ev('a', 10), ev('a', 19), ev('a', 20)], [ev('a', 100)]],
      (s) => keyed(s).window(tumbling(tumble10)).count(),
    );
    expect(out).toEqual([
      // after batch 0 the watermark is 20 − 0 − 1 = 19: [0,10) and [10,20) are complete
      [['a', 0, 10, 2], ['a', 10, 20, 2]],
      // event at 100 closes [20,30)
      [['a', 20, 30, 1]],
      // end of input: the window of the event at 100
      [['a', 100, 110, 1]],
    ]);
  });

  it('emits nothing (an empty batch) while no window is complete', async () => {
    const { out } = await runWindows([[ev('a', 1)], [ev('a', 5)], [ev('a', 9)]], (s) => keyed(s).window(tumbling(tumble10)).count());
    expect(out).toEqual([[], [], [], [['a', 0, 10, 3]]]);
  });

  it('counts, reduces and aggregates per key and window', async () => {
    const input = [[ev('a', 1, 5), ev('b', 2, 7), ev('a', 3, 2), ev('b', 12, 1), ev('a', 14, 4)], [ev('a', 30, 0)]];
    const counts = await runWindows(input, (s) => keyed(s).window(tumbling(tumble10)).count());
    const maxima = await runWindows(input, (s) => keyed(s).window(tumbling(tumble10)).reduce((x, y) => (x.v >= y.v ? x : y)));
    const sums = await runWindows(input, (s) =>
      keyed(s).window(tumbling(tumble10)).aggregate({ create: () => 0, add: (acc, r) => acc + r.v, result: (acc) => acc }),
    );
    // after batch 0 the watermark is 13: only [0,10) is complete
    expect(counts.out[0]).toEqual([['a', 0, 10, 2], ['b', 0, 10, 1]]);
    expect(maxima.out[0]).toEqual([['a', 0, 10, ev('a', 1, 5)], ['b', 0, 10, ev('b', 2, 7)]]);
    expect(sums.out[0]).toEqual([['a', 0, 10, 7], ['b', 0, 10, 7]]);
    // the event at 30 closes [10,20) for both keys
    expect(counts.out[1]).toEqual([['a', 10, 20, 1], ['b', 10, 20, 1]]);
    expect(sums.out[1]).toEqual([['a', 10, 20, 4], ['b', 10, 20, 1]]);
    expect(counts.out[2]).toEqual([['a', 30, 40, 1]]);
  });

  it('keeps keys apart, comparing them by value', async () => {
    const { out } = await runWindows(
      [[ev('x', 1), ev('y', 2), ev('x', 3), ev('z', 4)], [ev('y', 11)]],
      (s) => keyed(s).window(tumbling(tumble10)).count(),
    );
    expect(out).toEqual([[], [['x', 0, 10, 2], ['y', 0, 10, 1], ['z', 0, 10, 1]], [['y', 10, 20, 1]]]);
  });

  it('accepts composite keys and compares them by value', async () => {
    const { out } = await runWindows(
      [[ev('a', 1, 1), ev('a', 2, 1), ev('a', 3, 2)]],
      (s) =>
        s
          .withEventTime((r) => r.t, { watermarkDelay: millis(0) })
          .keyBy((r) => ({ k: r.k, v: r.v }))
          .window(tumbling(tumble10))
          .count()
          .map((w) => ({ ...w, key: `${w.key.k}/${w.key.v}` })),
    );
    expect(out).toEqual([[], [['a/1', 0, 10, 2], ['a/2', 0, 10, 1]]]);
  });

  it('orders a batch of results by window end, then start, then key in first-seen order', async () => {
    const { out } = await runWindows(
      [[ev('b', 25), ev('a', 15), ev('b', 5), ev('a', 6)], [ev('c', 100)]],
      (s) => keyed(s).window(tumbling(tumble10)).count(),
    );
    expect(out[0]).toEqual([['b', 0, 10, 1], ['a', 0, 10, 1], ['a', 10, 20, 1]]);
    expect(out[1]).toEqual([['b', 20, 30, 1]]);
  });
});
