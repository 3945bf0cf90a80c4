import { describe, expect, it } from 'vitest';
import * as O from 'fp-ts/lib/Option.js';
import { pair, seconds, tumbling, Pipeline, Sources, PipelineError } from '../src/index.js';
import { runBatches, runBatches2 } from '../src/testing/index.js';

describe('smoke', () => {
  it('word count per batch', async () => {
    const out = await runBatches([['a b', 'a'], ['b']], (s) => s.flatMap((l) => l.split(' ')).map((w) => pair(w, 1)).reduceByKey((a, b) => a + b));
    expect(out).toEqual([[['a', 2], ['b', 1]], [['b', 1]]]);
  });
  it('window 2s slide 1s', async () => {
    const out = await runBatches([[1], [2], [3], [4]], (s) => s.window(seconds(2), seconds(1)));
    expect(out).toEqual([[1], [1, 2], [2, 3], [3, 4]]);
  });
  it('window slide 2 emits every second batch', async () => {
    const out = await runBatches([[1], [2], [3], [4]], (s) => s.window(seconds(2), seconds(2)));
    expect(out).toEqual([[1, 2], [3, 4]]);
  });
  it('join', async () => {
    const out = await runBatches2([[pair('a', 1)]], [[pair('a', 'x')]], (a, b) => a.join(b));
    expect(out).toEqual([[['a', [1, 'x']]]]);
  });
  it('updateStateByKey', async () => {
    const out = await runBatches([['a'], ['a', 'b'], []], (s) =>
      s.map((w) => pair(w, 1)).updateStateByKey<string, number, number>((vs, st) => O.some(vs.reduce((x, y) => x + y, O.getOrElse(() => 0)(st)))));
    expect(out).toEqual([[['a', 1]], [['a', 2], ['b', 1]], [['a', 2], ['b', 1]]]);
  });
  it('event time tumbling', async () => {
    const out = await runBatches([[{ k: 'x', t: 100 }, { k: 'x', t: 900 }], [{ k: 'x', t: 1500 }]], (s) =>
      s.withEventTime((r) => r.t, { watermarkDelay: seconds(0) }).keyBy((r) => r.k).window(tumbling(seconds(1))).count());
    expect(out).toEqual([[], [{ key: 'x', start: 0, end: 1000, value: 2 }], [{ key: 'x', start: 1000, end: 2000, value: 1 }]]);
  });
  it('no sink fails', async () => {
    const p = Pipeline.create('x', { batchInterval: seconds(1) });
    p.source(Sources.batches([[1]])).map((x) => x + 1);
    expect(() => p.plan()).toThrow(PipelineError);
  });
});
