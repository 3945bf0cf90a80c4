import { expect, it } from 'vitest';
import { Pipeline, Sources, millis } from '../../src/index.js';

it('realtime pacing: each batch takes everything an async source delivered before its time', async () => {
  async function* ticks() {
    for (let i = 0; i < 30; i++) {
      yield i;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const p = Pipeline.create('rt', { batchInterval: millis(100) });
  const batches: Array<[number, number[]]> = [];
  p.source(Sources.fromAsyncIterable(ticks())).foreachBatch((rs, t) => { batches.push([t, [...rs]]); });
  await p.run({ pace: 'realtime' });
  // Nothing lost or duplicated, in order, and batches hold several records (not one per poll).
  expect(batches.flatMap(([, rs]) => rs)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  expect(Math.max(...batches.map(([, rs]) => rs.length))).toBeGreaterThan(1);
  // Batch times are wall-clock aligned multiples of the interval, one interval apart.
  for (let i = 1; i < batches.length; i++) expect(batches[i][0] - batches[i - 1][0]).toBe(100);
  expect(batches[0][0] % 100).toBe(0);
});
