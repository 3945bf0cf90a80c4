/**
 * Correctness defects of issue 6 §3 on the cluster runtime, each with the run that showed
 * it: stopped and resumed from a checkpoint directory, the output must be the
 * uninterrupted run's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as O from 'fp-ts/lib/Option.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stream } from '../../src/dsl/stream.js';
import { harnessPipeline, runBatches } from '../../src/testing/index.js';
import { seconds } from '../../src/time/duration.js';
import { counted, twoStates, windowed } from './fixtures/defects.js';

const fixtures = fileURLToPath(new URL('./fixtures/defects.ts', import.meta.url));
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-defects-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** Runs build `name` over `input` on 2 workers with `dir`, once per entry of `stops` (numBatches of each run); the batches each run wrote. */
async function runs(name: string, build: (s: Stream<string>) => Stream<unknown>, input: string[][], dir: string, stops: Array<number | undefined>) {
  const out: Array<Array<readonly [number, unknown[]]>> = [];
  for (const numBatches of stops) {
    const h = harnessPipeline([input], build as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await h.pipeline.run({ runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'defectHarness', args: [name, input] }, checkpointDir: dir, numBatches } as never);
    out.push(h.out.batches);
  }
  return out;
}

describe('issue 6 §3 on the cluster runtime', () => {
  it('two updateStateByKey on one stream keep their own state across a resume: (a, (4, 1)) as Spark and an uninterrupted run', async () => {
    const input = [['a'], ['a'], ['a'], ['a']];
    const expected = await runBatches(input, twoStates);
    expect(expected[3]).toEqual([['a', [O.some(4), O.some(1)]]]);
    const [first, second] = await runs('twoStates', twoStates, input, tmp(), [2, 4]);
    expect(first.map(([t]) => t)).toEqual([1000, 2000]);
    expect(second.map(([t]) => t)).toEqual([3000, 4000]);
    expect([...first, ...second].map(([, rs]) => rs)).toEqual(expected);
  });

  it('a job stopped by numBatches after its input ran out is not complete: the resumed run emits [0] at t4–t6', async () => {
    const input = [['a', 'b'], ['c']];
    const [first, second] = await runs('counted', counted, input, tmp(), [3, 6]);
    expect(first).toEqual([[1000, [2]], [2000, [1]], [3000, [0]]]);
    expect(second).toEqual([[4000, [0]], [5000, [0]], [6000, [0]]]);
    expect(await runBatches(input, counted, { numBatches: 6 })).toEqual([...first, ...second].map(([, rs]) => rs));
  });
});

describe('a bounded cluster run goes on until every window holding data has fired', () => {
  it('window(3s, 1s) over 2 batches: the windows at t3 and t4 are emitted, as on the local runtime', async () => {
    const input = [['a'], ['b']];
    const [only] = await runs('windowed', windowed, input, tmp(), [undefined]);
    expect(only).toEqual([[1000, ['a']], [2000, ['a', 'b']], [3000, ['a', 'b']], [4000, ['b']]]);
  });
});
