import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Exchange, type PartHeader } from '../../runtimes/cluster/exchange.js';
import { WorkerPool } from '../../runtimes/cluster/pool.js';
import type { FromWorker } from '../../runtimes/cluster/protocol.js';
import { runBatches } from '../../src/testing/index.js';
import { lines, wordCount } from './fixtures/pipelines.js';

const fixtures = fileURLToPath(new URL('./fixtures/pipelines.ts', import.meta.url));
const sorted = (batches: unknown[][]) => batches.map((b) => [...b].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))));

describe('exchange sockets', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('delivers every part, in the order sent, across frames cut anywhere and buffers larger than the socket takes at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-x-test-'));
    dirs.push(dir);
    const got: Array<{ h: PartHeader; data?: number[] }> = [];
    const errors: Error[] = [];
    const a = await Exchange.listen(dir, 7, 0, () => {}, (e) => errors.push(e));
    const b = await Exchange.listen(dir, 7, 1, (h, data) => got.push({ h, data: data && [data.length, data[0], data[data.length - 1]] }), (e) => errors.push(e));
    const big = new Uint8Array(8 * 1024 * 1024).fill(3);
    big[0] = 1; big[big.length - 1] = 2;
    const sent: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) sent.push(a.send(1, { t: i, edge: 'e', from: 0, to: 1, defined: i % 3 !== 0 }, i % 3 === 0 ? undefined : i === 10 ? big : new Uint8Array([i, i + 1])));
    await Promise.all(sent);
    await new Promise<void>((resolve) => { const tick = () => (got.length === 50 ? resolve() : setTimeout(tick, 5)); tick(); });
    expect(got.map((g) => g.h.t)).toEqual([...Array(50).keys()]);
    expect(got.filter((g) => !g.h.defined).map((g) => g.data)).toEqual(Array(17).fill(undefined));
    expect(got[10].data).toEqual([big.length, 1, 2]);
    expect(got[11].data).toEqual([2, 11, 12]);
    expect(errors).toEqual([]);
    await a.close();
    await b.close();
  });
});

describe('cluster runtime exchange', () => {
  it('shuffle parts go worker to worker: the coordinator receives no shuffle data, and the output is the local one', async () => {
    const pool = WorkerPool.start({ workers: 2, mode: 'module' });
    const types = new Set<string>();
    for (const w of pool.workers) w.child.on('message', (m: FromWorker) => types.add(m.type));
    try {
      const local = await runBatches(lines, wordCount);
      const cluster = await runBatches(lines, wordCount, { runtime: 'cluster', pool, worker: { module: fixtures, export: 'harness', args: ['wordCount'] } });
      expect(sorted(cluster)).toEqual(sorted(local));
      expect([...types].sort()).toEqual(['done', 'ended', 'hello', 'more', 'ready', 'sink', 'stage']);
    } finally {
      await pool.close();
    }
  });
});
