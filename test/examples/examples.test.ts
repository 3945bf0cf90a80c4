import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = (file: string, env: Record<string, string> = {}) =>
  run(process.execPath, ['bin/sluice.js', 'run', file], { env: { ...process.env, ...env }, timeout: 60_000 });

describe('examples run from the CLI', () => {
  it('word-count prints the sample text’s counts, most frequent first', async () => {
    const { stdout, stderr } = await cli('examples/word-count.ts');
    const lines = stdout.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      '-------------------------------------------',
      'Time: 1000 ms (1s)',
      '-------------------------------------------',
      '["the",11]',
      '["it",10]',
      '["of",10]',
      '["was",10]',
      '["we",4]',
    ]);
    expect(stderr).toMatch(/word-count done: 1 batch, 7 records read, 0 dead letters/);
  });

  it('word-count reads a socket of text lines (Spark socketTextStream)', async () => {
    const server = createServer((sock) => {
      sock.end('to be or not to be\nthat is the question\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const { stdout } = await cli('examples/word-count.ts', { WORDS_SOCKET: `127.0.0.1:${port}` });
      expect(stdout).toContain('["be",2]');
      expect(stdout).toContain('["to",2]');
      expect(stdout).toContain('["question",1]');
    } finally {
      server.close();
    }
  });

  it('temperature emits 5-minute means every 30 s, reports the late reading and the malformed lines', async () => {
    const { stdout, stderr } = await cli('examples/temperature.ts');
    const means = stdout.split('\n').filter((l) => l.includes(' mean '));
    // 3 sensors; windows end every 30 s from the first full window to the end-of-input flush.
    expect(means.length).toBeGreaterThan(60);
    expect(new Set(means.map((l) => l.split(' ')[0]))).toEqual(new Set(['s1', 's2', 's3']));
    for (const l of means) {
      const [, from, to] = /(\d\d):(\d\d:\d\d)–/.exec(l) ? /(\S+)–(\S+)/.exec(l.split(' ')[1])! : [];
      expect(from && to).toBeTruthy();
    }
    // Every mean is plausible for its sensor (s1 ≈ 20, s2 ≈ 25, s3 ≈ 18; the one 99.9 reading was late).
    for (const l of means) {
      const v = Number(/mean ([\d.]+)/.exec(l)![1]);
      const centre = { s1: 20, s2: 25, s3: 18 }[l.split(' ')[0] as 's1'];
      expect(Math.abs(v - centre)).toBeLessThan(3);
    }
    expect(stdout).toContain('LATE s1 at 2023-11-14T22:13:01.000Z (99.9 °C)');
    expect(stderr).toContain('readings.jsonl:51');
    expect(stderr).toContain('field ts: expected timestamp');
    expect(stderr).toContain('readings.jsonl:121');
    expect(stderr).toMatch(/2 dead letters, 1 late record/);
  });

  it('fraud flags abroad, over-limit, spiking and unknown-customer transactions', async () => {
    const { stdout, stderr } = await cli('examples/fraud.ts');
    const flags = stdout.split('\n').filter((l) => l.startsWith('FLAG'));
    expect(flags).toContain('FLAG t0007 c4 2594.92: over limit 1000; > 5× average 34.13');
    expect(flags).toContain('FLAG t0015 c0 96.66: abroad (RU, home GB)');
    expect(flags).toContain('FLAG t0199 c1 4317.11: > 5× average 63.53');
    expect(flags).toContain('FLAG t-unknown c99 10.00: unknown customer');
    expect(flags).toHaveLength(26);
    expect(stderr).toContain('field amount: expected double, got "lots"');
    expect(stderr).toMatch(/fraud done: \d+ batches, 401 records read, 1 dead letter/);
  });
});
