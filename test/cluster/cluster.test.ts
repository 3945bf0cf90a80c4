import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserFunctionError } from '../../src/errors.js';
import { runBatches } from '../../src/testing/index.js';
import { countWords, failing, lines, parsed, runningTotals, wordCount } from './fixtures/pipelines.js';

const fixtures = fileURLToPath(new URL('./fixtures/pipelines.ts', import.meta.url));
const ref = (name: string) => ({ module: fixtures, export: 'harness', args: [name] });
const sorted = (batches: unknown[][]) => batches.map((b) => [...b].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))));

describe('cluster runtime', () => {
  for (const workers of [1, 2]) {
    it(`word count on ${workers} worker(s) gives the local result`, async () => {
      const local = await runBatches(lines, wordCount);
      const cluster = await runBatches(lines, wordCount, { runtime: 'cluster', workers, worker: ref('wordCount') });
      expect(sorted(cluster)).toEqual(sorted(local));
    });
  }
  it('updateStateByKey on 2 workers x 4 partitions', async () => {
    const local = await runBatches(lines, runningTotals);
    const cluster = await runBatches(lines, runningTotals, { runtime: 'cluster', workers: 2, clusterPartitions: 4, worker: ref('runningTotals') });
    expect(sorted(cluster)).toEqual(sorted(local));
  });
  it('count gathers to one partition', async () => {
    const local = await runBatches(lines, countWords);
    expect(local).toEqual([[6], [4], [0], [1]]);
    const cluster = await runBatches(lines, countWords, { runtime: 'cluster', workers: 2, worker: ref('countWords') });
    expect(cluster).toEqual(local);
  });
});

describe('cluster runtime dead letters and metrics', () => {
  it('dead letters reach the coordinator\'s dead-letter sink and metrics add up over workers, as on the local runtime', async () => {
    const input = [['1 2 x', '3'], ['y 4', '5 z 6']];
    const report = (into: unknown[]) => ({ inspect: (r: { deadLetters: unknown[]; metrics: unknown }) => { into.push(r.deadLetters, r.metrics); } });
    const local: unknown[] = [];
    const cluster: unknown[] = [];
    const expected = await runBatches(input, parsed, report(local));
    const out = await runBatches(input, parsed, { runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'harnessOf', args: ['parsed', input] }, ...report(cluster) });
    expect(expected).toEqual([[6], [15]]);
    expect(out).toEqual(expected);
    const reasons = (d: unknown) => (d as Array<{ origin: string; reason: string; raw: string; batchTime: number }>).map((x) => `${x.batchTime} ${x.origin} ${x.raw} ${x.reason}`).sort();
    expect(reasons(cluster[0])).toEqual(reasons(local[0]));
    expect(reasons(cluster[0])).toHaveLength(3);
    expect(cluster[1]).toEqual(local[1]);
  });
});

describe('cluster runtime failures', () => {
  it('refuses a worker that built a different plan, with the version-skew message', async () => {
    const run = runBatches(lines, wordCount, { runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'skewed', args: ['wordCount'] } });
    await expect(run).rejects.toThrow(/worker [01] built a different plan \(hash [0-9a-f]{12}≠[0-9a-f]{12}\): version skew — run the same code in every process/);
  });
  it('a user function failing in a worker names the operator, batch, worker, stage and partition', async () => {
    const run = runBatches(lines, failing, { runtime: 'cluster', workers: 2, worker: ref('failing') });
    await expect(run).rejects.toThrow(UserFunctionError);
    await expect(runBatches(lines, failing, { runtime: 'cluster', workers: 2, worker: ref('failing') })).rejects.toThrow(
      /operator map#3 failed at batch 1000 on record \["d",1\]: no d here .*\[worker [01] stage-1\/p[01] batch 1000\]/,
    );
  });
  it('a missing module export is reported before any batch', async () => {
    await expect(runBatches(lines, wordCount, { runtime: 'cluster', workers: 1, worker: { module: fixtures, export: 'nope' } })).rejects.toThrow(/has no exported function 'nope'/);
  });
});
