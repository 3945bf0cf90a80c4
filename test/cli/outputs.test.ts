// Output directories across runs (issue 6 §3): a rerun into existing output is refused unless
// it overwrites it or resumes the checkpoint that wrote it; --batches N then a resume writes
// exactly what one uninterrupted run writes.
import { runNode, type Finished } from '../helpers/spawn.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { outputFiles } from '../helpers/files.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const job = 'test/cli/fixtures/to-files.ts';
const base = mkdtempSync(join(tmpdir(), 'sluice-outputs-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (what: string) => join(base, `${what}-${++n}`);

function sluice(out: string, args: string[]): Promise<Finished> {
  return runNode(['bin/sluice.js', 'run', job, ...args], { cwd: root, env: { ...process.env, SLUICE_OUT: out, NO_COLOR: '1' } });
}

const files = (dir: string) => outputFiles(dir);

describe('re-running into existing output', () => {
  it('is refused before anything runs, in one line naming the directory and the fix; --overwrite replaces it, the dead-letter file does not grow', async () => {
    const out = fresh('local');
    const first = await sluice(out, []);
    expect(first.code, first.stderr).toBe(0);
    const written = files(out);
    expect(Object.keys(written)).toEqual(expect.arrayContaining(['windows.dlq', 'windows/_manifest.jsonl', 'totals/_manifest.jsonl', 'event-windows/_manifest.jsonl']));
    expect(written['windows.dlq'].split('\n').filter(Boolean)).toHaveLength(3);

    const again = await sluice(out, []);
    expect(again.code).not.toBe(0);
    const errLines = again.stderr.split('\n').filter(Boolean);
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toContain(`the output directory ${join(out, 'windows')} already holds the output of an earlier run`);
    expect(errLines[0]).toContain('--overwrite');
    expect(files(out)).toEqual(written);

    const over = await sluice(out, ['--overwrite']);
    expect(over.code, over.stderr).toBe(0);
    expect(files(out)).toEqual(written);
  });

  it('a dead-letter file left by an earlier run is refused too', async () => {
    const out = fresh('dlq');
    expect((await sluice(out, [])).code).toBe(0);
    rmSync(join(out, 'windows'), { recursive: true });
    rmSync(join(out, 'totals'), { recursive: true });
    rmSync(join(out, 'event-windows'), { recursive: true });
    const again = await sluice(out, []);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`the dead-letter file ${join(out, 'windows.dlq')} already holds the output of an earlier run`);
  });
});

describe('--batches N, then a resume with the same checkpoint directory (cluster runtime)', () => {
  const cluster = (ckpt: string) => ['--runtime', 'cluster', '--workers', '2', '--checkpoint-dir', ckpt];

  it('writes byte for byte what one uninterrupted run writes: windows, state, event-time windows and dead letters', { timeout: 180_000 }, async () => {
    const whole = fresh('whole');
    const full = await sluice(whole, cluster(fresh('ckpt')));
    expect(full.code, full.stderr).toBe(0);

    const split = fresh('split');
    const ckpt = fresh('ckpt');
    const first = await sluice(split, [...cluster(ckpt), '--batches', '5']);
    expect(first.code, first.stderr).toBe(0);
    const second = await sluice(split, cluster(ckpt));
    expect(second.code, second.stderr).toBe(0);
    expect(files(split)).toEqual(files(whole));

    // Another checkpoint directory does not own this output.
    const other = await sluice(split, cluster(fresh('ckpt')));
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/already holds the output of an earlier run \(checkpoint .*ckpt-\d+\).*resume with --checkpoint-dir/);
  });
});

describe('--batches N, then a resume with the same checkpoint directory (local runtime)', () => {
  it('writes byte for byte what one uninterrupted run writes: windows, state, event-time windows and dead letters', { timeout: 180_000 }, async () => {
    const whole = fresh('whole');
    const full = await sluice(whole, ['--checkpoint-dir', fresh('ckpt')]);
    expect(full.code, full.stderr).toBe(0);
    const split = fresh('split');
    const ckpt = fresh('ckpt');
    for (const batches of [['--batches', '3'], ['--batches', '7'], []]) {
      const r = await sluice(split, ['--checkpoint-dir', ckpt, ...batches]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(files(split)).toEqual(files(whole));
    // Without a checkpoint the same output is that of an uninterrupted run too.
    const plain = fresh('plain');
    expect((await sluice(plain, [])).code).toBe(0);
    expect(files(plain)).toEqual(files(whole));
  });
});
