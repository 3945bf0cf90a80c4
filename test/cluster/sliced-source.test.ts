import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../runtimes/cluster/pool.js';
import type { FromWorker } from '../../runtimes/cluster/protocol.js';
import { planPhysical } from '../../src/planner/index.js';
import { fileTotals, fileUpper } from './fixtures/file-jobs.js';

const fixtures = fileURLToPath(new URL('./fixtures/file-jobs.ts', import.meta.url));
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-sliced-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const text = Array.from({ length: 103 }, (_, i) => (i % 10 === 4 ? '' : `w${i % 7} line ${i} ä`)).join('\r\n') + '\r\n';
const run = (p: ReturnType<typeof fileUpper>['pipeline'], exp: string, path: string, more: object = {}) =>
  p.run({ runtime: 'cluster', worker: { module: fixtures, export: exp, args: [path] }, pace: 'asap', maxBatchSize: 10, ...more } as never);

describe('a text file read in slices by every worker', () => {
  it('is planned on every partition without a split exchange', () => {
    const { pipeline } = fileTotals('unused.txt');
    const plan = pipeline.plan();
    const phys = planPhysical(plan, { partitions: 2, sliced: new Set(['source#0']) });
    expect(phys.nodePartitions['source#0']).toBe(2);
    expect(phys.edges.map((e) => e.mode)).toEqual(['hash']);
    expect(planPhysical(plan, { partitions: 2 }).edges.map((e) => e.mode)).toEqual(['split', 'hash']);
  });

  it('gives the local output batch by batch, in order; stopped on 2 workers and resumed on 1 worker with 3 partitions, too', async () => {
    const dir = tmp();
    const path = join(dir, 'lines.txt');
    writeFileSync(path, text);
    const local = fileUpper(path);
    await local.pipeline.run({ pace: 'asap', maxBatchSize: 10 } as never);
    expect(local.out.batches.length).toBe(11);

    // Each worker reads its own slice: both report source records.
    const pool = WorkerPool.start({ workers: 2, mode: 'module' });
    const read = [0, 0];
    pool.workers.forEach((w, i) => w.child.on('message', (m: FromWorker) => { if (m.type === 'done') read[i] += m.records['source#0'] ?? 0; }));
    try {
      const two = fileUpper(path);
      const { metrics } = await run(two.pipeline, 'fileUpperPipeline', path, { pool });
      expect(two.out.batches).toEqual(local.out.batches);
      expect(metrics.records['source#0']).toBe(103);
      expect(read).toEqual([51, 52]); // 10 batches of 5 + 5 lines, then 1 + 2
    } finally {
      await pool.close();
    }

    const ck = join(dir, 'ck');
    const first = fileUpper(path);
    await run(first.pipeline, 'fileUpperPipeline', path, { workers: 2, checkpointDir: ck, numBatches: 4 });
    expect(JSON.parse(readFileSync(join(ck, 'offsets', '4000.json'), 'utf8'))).toEqual({ 'source#0': 40 });
    const second = fileUpper(path);
    await run(second.pipeline, 'fileUpperPipeline', path, { workers: 1, partitions: 3, checkpointDir: ck });
    expect([...first.out.batches, ...second.out.batches]).toEqual(local.out.batches);
  });
});
