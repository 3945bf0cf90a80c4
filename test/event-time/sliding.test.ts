import { describe, expect, it } from 'vitest';
import { millis, sliding, tumbling } from '../../src/index.js';
import { ev, keyed, runWindows } from './helpers.js';

describe('event time: sliding windows', () => {
  it('puts a record into size/slide windows', async () => {
    const { out } = await runWindows([[ev('a', 125)]], (s) => keyed(s).window(sliding(millis(30), millis(10))).count());
    expect(out).toEqual([[], [['a', 100, 130, 1], ['a', 110, 140, 1], ['a', 120, 150, 1]]]);
  });

  it('puts a record into ⌈size/slide⌉ or ⌊size/slide⌋ windows when the size is not a multiple of the slide', async () => {
    const { out } = await runWindows([[ev('a', 125), ev('b', 128)]], (s) => keyed(s).window(sliding(millis(25), millis(10))).count());
    // [100,125) does not hold 125; [110,135) and [120,145) do. 128 is in [110,135) and [120,145) too, and not in [100,125).
    expect(out[1]).toEqual([['a', 110, 135, 1], ['b', 110, 135, 1], ['a', 120, 145, 1], ['b', 120, 145, 1]]);
    const { out: out2 } = await runWindows([[ev('a', 104)]], (s) => keyed(s).window(sliding(millis(25), millis(10))).count());
    expect(out2[1]).toEqual([['a', 80, 105, 1], ['a', 90, 115, 1], ['a', 100, 125, 1]]);
  });

  it('emits each window once the watermark passes its end, overlapping windows sharing records', async () => {
    const { out } = await runWindows(
      [[ev('a', 107)], [ev('a', 112)], [ev('a', 140)]],
      (s) => keyed(s).window(sliding(millis(10), millis(5))).count(),
    );
    expect(out).toEqual([
      [],
      [['a', 100, 110, 1]],
      [['a', 105, 115, 2], ['a', 110, 120, 1]],
      [['a', 135, 145, 1], ['a', 140, 150, 1]],
    ]);
  });

  it('never emits empty windows in a gap between records', async () => {
    const { out } = await runWindows([[ev('a', 100), ev('a', 200)]], (s) => keyed(s).window(sliding(millis(20), millis(10))).count());
    expect(out).toEqual([[['a', 90, 110, 1], ['a', 100, 120, 1]], [['a', 190, 210, 1], ['a', 200, 220, 1]]]);
  });

  it('with slide = size behaves as a tumbling window', async () => {
    const input = [[ev('a', 3), ev('a', 14), ev('b', 9)], [ev('a', 25), ev('b', 31)]];
    const a = await runWindows(input, (s) => keyed(s).window(sliding(millis(10), millis(10))).count());
    const b = await runWindows(input, (s) => keyed(s).window(tumbling(millis(10))).count());
    expect(a.out).toEqual(b.out);
  });

  it('sums the values of each key in each window', async () => {
    const { out } = await runWindows(
      [[ev('a', 101, 1), ev('b', 102, 10), ev('a', 106, 2), ev('a', 111, 4)], [ev('b', 200, 0)]],
      (s) => keyed(s).window(sliding(millis(10), millis(5))).reduce((x, y) => ev(x.k, Math.max(x.t, y.t), x.v + y.v)),
    );
    expect(out[0]).toEqual([
      ['a', 95, 105, ev('a', 101, 1)],
      ['b', 95, 105, ev('b', 102, 10)],
      ['a', 100, 110, ev('a', 106, 3)],
      ['b', 100, 110, ev('b', 102, 10)],
    ]);
    expect(out[1]).toEqual([['a', 105, 115, ev('a', 111, 6)], ['a', 110, 120, ev('a', 111, 4)]]);
  });
});
