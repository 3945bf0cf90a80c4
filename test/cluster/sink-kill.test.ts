// Sinks and dead letters under SIGKILL (issue 6): a job with three file sinks (JSON lines
// and Avro, two partitions each) and dead letters, checkpointing every batch on 2 workers,
// is killed at many points — a worker or the coordinator, at every named step of the
// prepare / commit sequence (src/engine/crash-points.ts: each file write of a sink's
// prepare and commit, of the dead letters', and of the checkpoint's commit record) — and
// resumed (a killed worker by the coordinator, a killed coordinator by running the job
// again with the same checkpoint directory). Every file of the output — each part file,
// each manifest, the dead-letter file and its commit log — must then equal a clean run's
// byte for byte: the order is fixed by design ((batch time, partition), dead letters of a
// partition in stage order), so nothing is compared as a set.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_LABELS } from '../../src/engine/crash-points.js';
import { outputFiles } from '../helpers/files.js';
import { runNode, type Finished } from '../helpers/spawn.js';
import { rng } from '../wire/helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'sluice-sink-kill-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (what: string) => join(base, `${what}-${++n}`);

/** 480 JSON lines, 22 of them dead letters (malformed, or not { k, v }); 40 a batch: 12 batches. */
const input = join(base, 'in.jsonl');
writeFileSync(input, Array.from({ length: 480 }, (_, i) =>
  i % 37 === 5 ? `{broken ${i}` : i % 53 === 7 ? JSON.stringify({ k: 'x', v: 'nan' }) : JSON.stringify({ k: `k${(i * 7) % 13}`, v: i % 11 })).join('\n') + '\n');

function run(out: string, ckpt: string, env: Record<string, string> = {}): Promise<Finished> {
  return runNode(
    ['bin/sluice.js', 'run', 'test/cluster/fixtures/kill-job.ts', '--runtime', 'cluster', '--workers', '2', '--checkpoint-dir', ckpt, '--max-batch-size', '40', '--no-status', '--log-level', 'warn'],
    { cwd: root, env: { ...process.env, SLUICE_IN: input, SLUICE_OUT: out, NO_COLOR: '1', ...env } },
  );
}

/** Every output file, as bytes (base64). */
const files = (dir: string) => outputFiles(dir, 'base64');

const SEED = Number(process.env.SLUICE_KILL_SEED ?? 20261129);
const SCENARIOS = 8;
const POINTS = 7;
/** Kill points: every label in turn (so each is used several times), shuffled, each at a random pass 1–3. */
const random = rng(SEED);
const labels = Array.from({ length: SCENARIOS * POINTS }, (_, i) => CRASH_LABELS[i % CRASH_LABELS.length]).sort(() => random.next() - 0.5);
const scenarios = Array.from({ length: SCENARIOS }, (_, s) => labels.slice(s * POINTS, (s + 1) * POINTS).map((l) => `${l}:${1 + random.int(3)}`));

/**
 * And one fixed scenario: the coordinator killed after the commit record of the last batch
 * with input (12 000: the job is drained, its final pass is next), then after the commit
 * record of the final pass (the checkpoint is complete; the rerun only commits the sinks).
 */
scenarios.push(['checkpoint.committed:12', 'checkpoint.committed:1']);

interface Fired { label: string; n: number; t?: number; role: string }
const fired: Fired[] = [];
let clean: Record<string, string>;

describe(`file sinks and dead letters killed at ${SCENARIOS * POINTS + 2} points (seed ${SEED}) equal a clean run byte for byte`, () => {
  beforeAll(async () => {
    const out = fresh('clean');
    const r = await run(out, fresh('ckpt'));
    expect(r.code, r.stderr).toBe(0);
    clean = files(out);
    expect(Object.keys(clean)).toEqual(expect.arrayContaining(['records.dlq', '.records.dlq.commits', 'records/_manifest.jsonl', 'sums/_manifest.jsonl', 'totals/_manifest.jsonl', 'records/part-0000000001000-p1.jsonl']));
    expect(readFileSync(join(out, 'records.dlq'), 'utf8').split('\n').filter(Boolean)).toHaveLength(22);
  }, 120_000);

  scenarios.forEach((points, s) => {
    it(`scenario ${s + 1}: ${points.join(', ')}`, { timeout: 400_000 }, async () => {
      const out = fresh('out');
      const ckpt = fresh('ckpt');
      const crashes = fresh('crashes');
      mkdirSync(crashes);
      const env = { SLUICE_TEST_CRASH_AT: points.join(','), SLUICE_TEST_CRASH_DIR: crashes };
      for (let attempt = 0; ; attempt++) {
        const r = await run(out, ckpt, env);
        if (r.code === 0) break;
        // Only a SIGKILLed coordinator (exit code null) is run again; anything else is a failure.
        expect(r.code, r.stderr).toBe(null);
        expect(attempt).toBeLessThan(POINTS);
      }
      const mine = readdirSync(crashes).map((f) => JSON.parse(readFileSync(join(crashes, f), 'utf8')) as Fired);
      fired.push(...mine);
      console.log(`scenario ${s + 1}: ${mine.length} of ${points.length} kill points fired: ${mine.map((f) => `${f.label}:${f.n} in ${f.role} at ${f.t}`).join(', ')}`);
      expect(mine.length).toBeGreaterThan(0);
      const got = files(out);
      expect(Object.keys(got)).toEqual(Object.keys(clean));
      for (const [f, bytes] of Object.entries(clean)) expect(Buffer.from(got[f], 'base64').toString('latin1'), f).toBe(Buffer.from(bytes, 'base64').toString('latin1'));
    });
  });

  it('the kills hit every label, workers and the coordinator, at 50 points or more', () => {
    const byLabel = new Map<string, number>();
    for (const f of fired) byLabel.set(f.label, (byLabel.get(f.label) ?? 0) + 1);
    console.log(`kill points fired: ${fired.length} (coordinator ${fired.filter((f) => f.role === 'coordinator').length}, workers ${fired.filter((f) => f.role !== 'coordinator').length}); by label: ${JSON.stringify(Object.fromEntries(byLabel))}`);
    expect(fired.length).toBeGreaterThanOrEqual(50);
    expect(CRASH_LABELS.filter((l) => !byLabel.has(l))).toEqual([]);
    expect(fired.some((f) => f.role === 'coordinator')).toBe(true);
    expect(fired.some((f) => f.role !== 'coordinator')).toBe(true);
  });
});
