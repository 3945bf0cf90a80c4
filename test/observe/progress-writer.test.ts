import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FLUSH_BYTES, FLUSH_MS, ProgressWriter } from '../../src/observe/progress-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-progress-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');

describe('the progress file writer', () => {
  it('writes lines in blocks: none at once, all within FLUSH_MS, in order', async () => {
    const path = join(dir, 'timed.jsonl');
    const w = new ProgressWriter(path);
    for (let i = 0; i < 5; i++) w.line(JSON.stringify({ batch: i }));
    expect(readFileSync(path, 'utf8')).toBe('');
    await new Promise((r) => setTimeout(r, FLUSH_MS + 100));
    expect(lines(path).map((l) => JSON.parse(l).batch)).toEqual([0, 1, 2, 3, 4]);
    w.close();
  });

  it('writes at once when FLUSH_BYTES are waiting, and everything on close', () => {
    const path = join(dir, 'sized.jsonl');
    const w = new ProgressWriter(path);
    const big = 'x'.repeat(1000);
    const n = Math.ceil(FLUSH_BYTES / 1001);
    for (let i = 0; i < n; i++) w.line(big);
    expect(lines(path)).toHaveLength(n);
    w.line('last');
    expect(lines(path)).toHaveLength(n);
    w.close();
    expect(lines(path).at(-1)).toBe('last');
    w.line('after close');
    expect(lines(path)).toHaveLength(n + 1);
  });

  it('writes what waits when the process exits without closing it', () => {
    const path = join(dir, 'exit.jsonl');
    const module = fileURLToPath(new URL('../../src/observe/progress-writer.ts', import.meta.url));
    const script = `import { ProgressWriter } from ${JSON.stringify(module)}; const w = new ProgressWriter(${JSON.stringify(path)}); w.line('a'); w.line('b'); process.exit(3);`;
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'pipe' })).toThrow();
    expect(lines(path)).toEqual(['a', 'b']);
  });
});
