import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { local, Pipeline, seconds, Sinks, Sources } from '../../src/index.js';

const ctx = { operator: 'source#0', deadLetter: () => {} };

describe('Sources.fromIterable', () => {
  it('polls at most max records, in order, and says when it is drained', () => {
    const r = Sources.fromIterable([1, 2, 3, 4, 5]).open(ctx);
    expect(r.poll(2, true)).toEqual({ records: [1, 2], done: false });
    expect(r.poll(2, true)).toEqual({ records: [3, 4], done: false });
    expect(r.poll(2, true)).toEqual({ records: [5], done: true });
    expect(r.position!()).toBe(5);
  });

  it('fills batches larger than its pre-sized buffer without losing records', () => {
    const n = (1 << 20) + 7;
    function* gen() { for (let i = 0; i < n; i++) yield i; }
    const r = Sources.fromIterable(gen()).open(ctx);
    const { records, done } = r.poll(n + 100, true) as { records: number[]; done: boolean };
    expect(done).toBe(true);
    expect(records.length).toBe(n);
    expect(records[0]).toBe(0);
    expect(records[n - 1]).toBe(n - 1);
    expect(records.every((x, i) => x === i)).toBe(true);
  });

  it('resumes after a position', () => {
    const r = Sources.fromIterable(['a', 'b', 'c']).open(ctx, 2);
    expect(r.poll(10, true)).toEqual({ records: ['c'], done: true });
  });
});

describe('a local resume over in-memory records that changed', () => {
  it('is refused naming the source; the same records resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-memory-'));
    try {
      const job = (items: number[]) => {
        const p = Pipeline.create('memory', { batchInterval: seconds(1) });
        const out = Sinks.collect<number>();
        p.source(Sources.fromIterable(items)).map((x) => x * 10).to(out);
        return { p, out };
      };
      const items = [1, 2, 3, 4, 5, 6];
      await job(items).p.run({ runtime: local({ checkpointDir: dir }), maxBatchSize: 2, numBatches: 1 });
      await expect(job([2, 1, 3, 4, 5, 6]).p.run({ runtime: local({ checkpointDir: dir }), maxBatchSize: 2 }))
        .rejects.toThrow(/checkpoint directory .* refused: source#0 \(iterable\) gives other records before position 2 than when the checkpoint was taken/);
      const same = job([...items]);
      await same.p.run({ runtime: local({ checkpointDir: dir }), maxBatchSize: 2 });
      expect(same.out.records()).toEqual([30, 40, 50, 60]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
