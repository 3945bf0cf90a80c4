import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchProgress } from '../../src/observe/progress.js';
import { readProgressFile } from '../../src/observe/progress-file.js';
import { counts } from './fixtures/jobs.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const jobs = fileURLToPath(new URL('./fixtures/jobs.ts', import.meta.url));

/** What must be the same on every runtime (times differ). */
function shape(p: BatchProgress) {
  return {
    batch: p.batch, batchTime: p.batchTime, final: p.final,
    sources: Object.fromEntries(Object.entries(p.sources).map(([id, s]) => [id, s.records])),
    operators: Object.fromEntries(Object.entries(p.operators).map(([id, o]) => [id, { kind: o.kind, records: o.records, recordsIn: o.recordsIn }])),
    dead: p.deadLetters.count, reasons: p.deadLetters.byReason, raw: p.deadLetters.latest.map((d) => d.raw),
    lateRecords: p.lateRecords,
  };
}

describe('progress records', () => {
  it('local: one per batch with records per source and operator, dead letters, state keys and per-operator time', async () => {
    const seen: BatchProgress[] = [];
    const file = join(dir, 'local.jsonl');
    const p = counts();
    await p.run({ onProgress: (b) => seen.push(b), progressFile: file });
    expect(seen.map((b) => b.batch)).toEqual([1, 2, 3]);
    expect(seen.map((b) => b.batchTime)).toEqual([1000, 2000, 3000]);
    const ids = p.plan().nodes.map((n) => n.id);
    const source = ids[0];
    expect(seen.map((b) => b.sources[source].records)).toEqual([3, 3, 2]);
    expect(seen.map((b) => b.deadLetters.count)).toEqual([0, 1, 1]);
    expect(seen[1].deadLetters.byReason).toEqual({ 'user function threw': 1 });
    expect(seen[2].deadLetters.latest[0].raw).toContain('<script>x</script>');
    const totals = p.plan().nodes.find((n) => n.kind === 'updateStateByKey')!.id;
    expect(seen.map((b) => b.operators[totals].stateKeys)).toEqual([2, 3, 4]);
    expect(seen[0].operators[totals].recordsIn).toBe(3);
    for (const b of seen) {
      expect(Object.keys(b.operators)).toEqual(ids);
      expect(b.operators[totals].timeMs).toBeGreaterThanOrEqual(0);
      expect(b.processingMs).toBeGreaterThanOrEqual(0);
      expect(b.totalDelayMs).toBe(b.processingMs + b.schedulingDelayMs);
      expect(b.schedulingDelayMs).toBe(0); // asap pacing: batch time is virtual
      expect(b.runtime).toBe('local');
      expect(b.batchIntervalMs).toBe(1000);
    }
    const { header, batches } = readProgressFile(file);
    expect(header.plan).toEqual(JSON.parse(JSON.stringify(p.plan())));
    expect(batches).toEqual(JSON.parse(JSON.stringify(seen)));
  });

  it('cluster: the same records, per-worker counts add up to the total', async () => {
    const local: BatchProgress[] = [];
    await counts().run({ onProgress: (b) => local.push(b) });
    const seen: BatchProgress[] = [];
    const file = join(dir, 'cluster.jsonl');
    const { runCluster } = await import('../../runtimes/cluster/index.js');
    const p = counts();
    await runCluster(p.plan(), p.bindings(), { workers: 2, worker: { module: jobs, export: 'counts' }, onProgress: (b) => seen.push(b), progressFile: file });
    expect(seen.map(shape)).toEqual(local.map(shape));
    for (const b of seen) {
      expect(b.runtime).toBe('cluster');
      for (const o of Object.values(b.operators)) {
        expect(o.byWorker).toHaveLength(2);
        expect(o.byWorker!.reduce((x, y) => x + y, 0)).toBe(o.records);
      }
    }
    expect(readProgressFile(file).batches).toHaveLength(seen.length);
    expect(readProgressFile(file).header.partitions).toBe(2);
  }, 60_000);
});
