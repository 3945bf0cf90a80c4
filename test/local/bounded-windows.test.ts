import { describe, expect, it } from 'vitest';
import { pair, Pipeline, seconds, Sinks, Sources, type Stream } from '../../src/index.js';
import { runBatches } from '../../src/testing/index.js';

/** Runs `build` over `input` as a bounded pipeline (the CLI / pipeline.run path, no numBatches): batch times and outputs. */
async function runBounded<T, U>(input: T[][], build: (s: Stream<T>) => Stream<U>): Promise<Array<readonly [number, U[]]>> {
  const p = Pipeline.create('bounded', { batchInterval: seconds(1) });
  const out = Sinks.collect<U>();
  build(p.source(Sources.batches(input))).to(out);
  await p.run({ pace: 'asap' });
  return out.batches;
}

const sortedPairs = (rs: unknown[]) => [...rs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('a bounded run goes on with empty batches until every window holding data has fired', () => {
  it('window(3s, 1s): the two windows that close after the input ends are emitted', async () => {
    const out = await runBounded([[1], [2]], (s) => s.window(seconds(3), seconds(1)));
    expect(out).toEqual([[1000, [1]], [2000, [1, 2]], [3000, [1, 2]], [4000, [2]]]);
  });

  it('window(4s, 2s): stops at the last slide whose window holds data', async () => {
    const out = await runBounded([['a'], ['b'], ['c']], (s) => s.window(seconds(4), seconds(2)));
    expect(out).toEqual([[2000, ['a', 'b']], [4000, ['a', 'b', 'c']], [6000, ['c']]]);
  });

  it('countByWindow counts every record of the input', async () => {
    const out = await runBounded([[1, 2], [3], [4, 5, 6]], (s) => s.countByWindow(seconds(2), seconds(2)));
    expect(out).toEqual([[2000, [3]], [4000, [3]]]);
  });

  it('reduceByKeyAndWindow, with and without an inverse', async () => {
    const words = [['a b'], ['a']];
    const pairs = (s: Stream<string>) => s.flatMap((l) => l.split(' ')).map((w) => pair(w, 1));
    const plain = await runBounded(words, (s) => pairs(s).reduceByKeyAndWindow((a, b) => a + b, seconds(3), seconds(1)));
    expect(plain.map(([t, rs]) => [t, sortedPairs(rs)])).toEqual([
      [1000, [['a', 1], ['b', 1]]], [2000, [['a', 2], ['b', 1]]], [3000, [['a', 2], ['b', 1]]], [4000, [['a', 1]]],
    ]);
    const incremental = await runBounded(words, (s) => pairs(s).reduceByKeyAndWindow((a, b) => a + b, seconds(3), seconds(1), { inverse: (a, b) => a - b, filter: ([, n]) => n > 0 }));
    expect(incremental.map(([t, rs]) => [t, sortedPairs(rs)])).toEqual(plain.map(([t, rs]) => [t, sortedPairs(rs)]));
  });

  it('groupByKeyAndWindow and countByValueAndWindow', async () => {
    const grouped = await runBounded([[['k', 1]], [['k', 2]]] as Array<Array<readonly [string, number]>>, (s) => s.groupByKeyAndWindow(seconds(2), seconds(2)));
    expect(grouped).toEqual([[2000, [['k', [1, 2]]]]]);
    const tail = await runBounded([['x'], ['y'], ['x']], (s) => s.countByValueAndWindow(seconds(4), seconds(2)));
    expect(tail.map(([t, rs]) => [t, sortedPairs(rs)])).toEqual([[2000, [['x', 1], ['y', 1]]], [4000, [['x', 2], ['y', 1]]], [6000, [['x', 1]]]]);
  });

  it('windows of windows drain too', async () => {
    const out = await runBounded([[1]], (s) => s.window(seconds(2), seconds(1)).window(seconds(2), seconds(1)));
    expect(out).toEqual([[1000, [1]], [2000, [1, 1]], [3000, [1]]]);
  });

  it('the test harness keeps its explicit batches (numBatches = input length), as Spark test suites do', async () => {
    expect(await runBatches([[1], [2]], (s) => s.window(seconds(3), seconds(1)))).toEqual([[1], [1, 2]]);
    expect(await runBatches([[1], [2]], (s) => s.window(seconds(3), seconds(1)), { numBatches: 5 })).toEqual([[1], [1, 2], [1, 2], [2], []]);
  });
});
