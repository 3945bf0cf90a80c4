// Two batches in flight on the cluster runtime (asap pacing): the coordinator starts batch
// t + 1 as soon as a worker's source says input goes on after t (`more`), before every
// worker has finished t; the output is still the local runtime's, batch by batch, and no
// batch runs that a run without pipelining would not run.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../runtimes/cluster/pool.js';
import type { BatchProgress } from '../../src/index.js';
import { bulkBatches, bulkWordCount } from './fixtures/pipelines.js';
import { batchTimes, logBatches, startedAhead } from './batch-log.js';

const fixtures = fileURLToPath(new URL('./fixtures/pipelines.ts', import.meta.url));
const LINES = 1000;

describe('cluster runtime: the next batch starts before every worker has finished this one', () => {
  /** Runs the bulk word count on 2 workers (its source `pipelined` or not); checks it against the local run; returns how many batches started before every worker was done with the previous one. */
  async function batchesStartedAhead(pipelined: boolean): Promise<number> {
    await bulkWordCount(LINES).run({ pace: 'asap', maxBatchSize: 100 });
    const local = bulkBatches.map((b) => [...b]);
    expect(local).toHaveLength(11); // 10 batches of input, then the one that finds it drained
    const pool = WorkerPool.start({ workers: 2, mode: 'module' });
    const log = logBatches(pool);
    try {
      const progress: BatchProgress[] = [];
      await bulkWordCount(LINES, pipelined).run({ runtime: 'cluster', pool, worker: { module: fixtures, export: 'bulkWordCount', args: [LINES, pipelined] }, pace: 'asap', maxBatchSize: 100, onProgress: (p: BatchProgress) => progress.push(p) } as never);
      expect(bulkBatches).toEqual(local);
      // A batch started ahead is reported as processing from when the previous one finished: the processing times do not overlap.
      expect(progress.length).toBeGreaterThanOrEqual(10);
      for (const [i, p] of progress.slice(1).entries()) expect(p.startedAt).toBeGreaterThanOrEqual(progress[i].startedAt + progress[i].processingMs);
      // Input batches 1–10, then the batch that finds the input drained (or the final pass): no more than unpipelined.
      expect(batchTimes(log).length).toBeLessThanOrEqual(12);
      return startedAhead(log, 2);
    } finally {
      await pool.close();
    }
  }

  it('with asap pacing, batch t + 1 is sent to the workers before the last `done` of t; the batches equal the local run', async () => {
    // Every batch after which a source has more input (1–10) starts its successor early; the final pass never is.
    expect(await batchesStartedAhead(true)).toBe(10);
  });

  it('a source that says `pipelined: false` runs one batch at a time; the batches equal the local run', async () => {
    expect(await batchesStartedAhead(false)).toBe(0);
  });
});
