import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { fileTotals } from './fixtures/file-jobs.js';

const fixtures = fileURLToPath(new URL('./fixtures/file-jobs.ts', import.meta.url));
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-input-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const LINES = ['a b', 'c d', 'a a', 'b c', 'd d', 'a c'];
const cluster = (path: string, checkpointDir: string, more: object = {}) =>
  ({ runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'fileTotalsPipeline', args: [path] }, checkpointDir, pace: 'asap', maxBatchSize: 2, ...more }) as never;

describe('cluster resume over a changed input file', () => {
  it('refuses a file shuffled to the same size since the checkpoint, naming the source and the file; an unchanged file resumes', async () => {
    const dir = tmp();
    const file = join(dir, 'words.txt');
    writeFileSync(file, `${LINES.join('\n')}\n`);
    const whole = fileTotals(file);
    await whole.pipeline.run({ pace: 'asap', maxBatchSize: 2 } as never);

    // Stop after batch 1 (2 lines read), then resume with the file unchanged: the output is the uninterrupted one.
    const ok = join(dir, 'ok');
    const first = fileTotals(file);
    await first.pipeline.run(cluster(file, ok, { numBatches: 1 }));
    const second = fileTotals(file);
    await second.pipeline.run(cluster(file, ok));
    const stitched = [...first.out.batches, ...second.out.batches].map(([t, rs]) => [t, [...rs].sort()]);
    expect(stitched).toEqual(whole.out.batches.map(([t, rs]) => [t, [...rs].sort()]));

    // Stop after batch 1, shuffle the lines (same bytes, same size): the resume is refused before any batch.
    const bad = join(dir, 'bad');
    await fileTotals(file).pipeline.run(cluster(file, bad, { numBatches: 1 }));
    const shuffled = [LINES[3], LINES[0], LINES[5], LINES[1], LINES[4], LINES[2]];
    writeFileSync(file, `${shuffled.join('\n')}\n`);
    expect(readFileSync(file).length).toBe(LINES.join('\n').length + 1);
    const again = fileTotals(file);
    const run = again.pipeline.run(cluster(file, bad));
    await expect(run).rejects.toThrow(RuntimeError);
    await expect(fileTotals(file).pipeline.run(cluster(file, bad))).rejects.toThrow(
      new RegExp(`checkpoint directory .*bad refused: source#0 \\(textFile\\) reads ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, which changed since the checkpoint: (it has the same size but was modified|its first \\d+ bytes differ)`),
    );
    expect(again.out.batches).toEqual([]);
  });

  it('a file that only grew (lines appended) resumes and reads the new lines', async () => {
    const dir = tmp();
    const file = join(dir, 'words.txt');
    writeFileSync(file, `${LINES.slice(0, 4).join('\n')}\n`);
    const ck = join(dir, 'ck');
    await fileTotals(file).pipeline.run(cluster(file, ck, { numBatches: 1 }));
    appendFileSync(file, `${LINES.slice(4).join('\n')}\n`);
    const second = fileTotals(file);
    await second.pipeline.run(cluster(file, ck));
    const whole = fileTotals(file);
    await whole.pipeline.run({ pace: 'asap', maxBatchSize: 2 } as never);
    const sortedBatches = (bs: typeof whole.out.batches) => bs.map(([t, rs]) => [t, [...rs].sort()]);
    expect(sortedBatches(second.out.batches)).toEqual(sortedBatches(whole.out.batches.filter(([t]) => t > 1000)));
    expect(second.out.batches.flatMap(([, rs]) => rs).length).toBeGreaterThan(0);
  });
});
