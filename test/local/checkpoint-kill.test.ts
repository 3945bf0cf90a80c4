// A real `sluice run --checkpoint-dir` process on the local runtime, SIGKILLed and run again
// from its checkpoint, writes what one uninterrupted run writes (file sinks and dead letters).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files, runKilled, type Run } from '../helpers/checkpoints.js';
import { rng } from '../wire/helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const job = 'test/local/fixtures/kill-job.ts';
const base = mkdtempSync(join(tmpdir(), 'sluice-local-kill-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (what: string) => join(base, `${what}-${++n}`);
const input = join(base, 'in.txt');

/**
 * Runs the job (50 lines a batch) to its end, or SIGKILLs it `kill.afterMs` after it
 * committed batch time `kill.atCommit` or later (and a batch of its own).
 */
function run(out: string, ckpt: string, env: Record<string, string> = {}, kill?: { atCommit: number; afterMs: number }): Promise<Run> {
  return runKilled(['bin/sluice.js', 'run', job, '--max-batch-size', '50', '--checkpoint-dir', ckpt], {
    cwd: root, env: { ...process.env, SLUICE_IN: input, SLUICE_OUT: out, NO_COLOR: '1', ...env }, dir: ckpt, killAtCommit: kill?.atCommit, killAfterMs: kill?.afterMs,
  });
}

let whole: Record<string, string>;
/** The batch time of the uninterrupted run's final pass (the last batch is one interval before it). */
let finalPass: number;
beforeAll(async () => {
  // 3000 records, every 97th malformed: 61 batches of 50 lines.
  writeFileSync(input, Array.from({ length: 3000 }, (_, i) => (i % 97 === 13 ? `broken ${i}` : `${i},k${(i * 7) % 13}`)).join('\n') + '\n');
  const out = fresh('whole');
  const r = await run(out, fresh('ckpt'));
  expect(r.code, r.stderr).toBe(0);
  whole = files(out);
  expect(Object.keys(whole)).toEqual(expect.arrayContaining(['totals.dlq', 'totals/_manifest.jsonl', 'windows/_manifest.jsonl', 'event-windows/_manifest.jsonl']));
  expect(whole['totals.dlq'].split('\n').filter(Boolean)).toHaveLength(31);
  const times = (sink: string) => whole[`${sink}/_manifest.jsonl`].split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { batchTime: number }).batchTime);
  finalPass = Math.max(...times('event-windows'));
  // The final pass flushes the event-time windows only: the other sinks end one batch before it.
  expect(Math.max(...times('totals'), ...times('windows'))).toBe(finalPass - 1000);
}, 120_000);

describe('sluice run --checkpoint-dir on the local runtime, SIGKILLed', () => {
  it('mid-batch and between a batch\'s sink writes and its commit, at 6 points: the resumed runs write byte for byte what one uninterrupted run writes', { timeout: 300_000 }, async () => {
    const out = fresh('killed');
    const ckpt = fresh('ckpt');
    const markers = fresh('markers');
    mkdirSync(markers);
    for (const at of ['record:120', 'sink:5000', 'record:777', 'record:778', 'sink:31000', 'record:2950']) {
      const r = await run(out, ckpt, { KILL_AT: at, KILL_MARKERS: markers });
      expect(r.signal, `${at}: ${r.stderr}`).toBe('SIGKILL');
    }
    expect(readdirSync(markers)).toHaveLength(6);
    const last = await run(out, ckpt);
    expect(last.code, last.stderr).toBe(0);
    expect(files(out)).toEqual(whole);
  });

  // Crash points (src/engine/crash-points.ts) at fixed places: the n-th time a run passes a label it SIGKILLs itself.
  const scenarios: Array<[string, () => string[]]> = [
    // Before the fix a resume from the last batch's commit (input drained, windows fired) ran one
    // batch more before its final pass: totals and windows wrote a batch too many and the
    // event-time windows were flushed one batch late (161 files where the clean run has 158).
    ['after the last batch\'s commit record, then after the final pass listed its part', () => [`checkpoint.committed:${finalPass / 1000 - 1}`, 'sink.commit.manifest:1']],
    // Before the fix the temp file of the dead letters cut short stayed in .totals.dlq.pending/.
    ['while preparing dead letters (temp file written), then with a part renamed to its final name but not listed', () => ['dlq.prepare.written:2', 'sink.prepare.renamed:5']],
  ];
  for (const [what, points] of scenarios) {
    it(`${what}: the resumed runs write byte for byte what one uninterrupted run writes`, { timeout: 300_000 }, async () => {
      const out = fresh('points');
      const ckpt = fresh('ckpt');
      const crashes = fresh('crashes');
      mkdirSync(crashes);
      const env = { SLUICE_TEST_CRASH_AT: points().join(','), SLUICE_TEST_CRASH_DIR: crashes };
      for (let k = 0; k < 2; k++) {
        const r = await run(out, ckpt, env);
        expect(r.signal, `kill ${k + 1}: ${r.stderr}`).toBe('SIGKILL');
      }
      expect(readdirSync(crashes)).toHaveLength(2);
      const last = await run(out, ckpt, env);
      expect(last.code, last.stderr).toBe(0);
      expect(files(out)).toEqual(whole);
    });
  }

  // Kill points driven by progress: each run is SIGKILLed a random 0–30 ms after it committed a
  // random batch (8 batch times drawn over the whole job, in order), so the kills land
  // anywhere in a batch — its records, sink writes, dead letters, checkpoint — and the job is
  // still running at the first of them. KILL_SEED=<seed> runs one seed again.
  it('at 8 random points: the file sinks and the dead letters hold byte for byte what one uninterrupted run writes', { timeout: 300_000 }, async () => {
    const out = fresh('random');
    const ckpt = fresh('ckpt');
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 100_000);
    const random = rng(seed);
    const points = Array.from({ length: 8 }, () => ({ atCommit: 1000 * (1 + random.int(finalPass / 1000 - 1)), afterMs: random.int(31) }))
      .sort((a, b) => a.atCommit - b.atCommit);
    const kills: string[] = [];
    let finished: Run | undefined;
    for (const p of points) {
      const r = await run(out, ckpt, {}, p);
      if (r.signal !== 'SIGKILL') { finished = r; break; }
      kills.push(`${p.atCommit}+${p.afterMs}ms`);
    }
    finished ??= await run(out, ckpt);
    const why = `seed ${seed}, kills after commits ${kills.join(', ')}`;
    expect(finished.code, `${why}: ${finished.stderr}`).toBe(0);
    expect(kills.length, why).toBeGreaterThanOrEqual(3);
    expect(files(out), why).toEqual(whole);
    console.log(`local checkpoints: ${why}`);
  });
});
