import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bootstrap, freshTopic, kafkaDescribe, produce, readValues, topicName } from './helpers.js';

const root = new URL('../../', import.meta.url).pathname;
const job = 'test/kafka/fixtures/eos-job.ts';

interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** The last committed batch time in checkpoint directory `dir` (0 when none). */
function lastCommit(dir: string): number {
  const commits = join(dir, 'commits');
  if (!existsSync(commits)) return 0;
  return Math.max(0, ...readdirSync(commits).filter((f) => /^\d+\.json$/.test(f)).map((f) => Number(f.slice(0, -5))));
}

/**
 * Runs the job on the cluster runtime. With `killAfterMs`: once the run has committed a
 * batch of its own (so that each kill lands mid-job, not during start-up), waits that long
 * and SIGKILLs its whole process group (coordinator and workers).
 */
function runJob(env: Record<string, string>, dir: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/sluice.js', 'run', job, '--runtime', 'cluster', '--workers', '2', '--checkpoint-dir', dir], {
      cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const before = lastCommit(dir);
    let timer: NodeJS.Timeout | undefined;
    const watch = killAfterMs === undefined ? undefined : setInterval(() => {
      if (lastCommit(dir) <= before) return;
      clearInterval(watch);
      timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* ended */ } }, killAfterMs);
    }, 10);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* no stragglers */ }
      resolve({ code, signal, stderr });
    });
  });
}

kafkaDescribe('exactly-once Kafka -> Kafka', () => {
  it('cluster runtime: SIGKILL of the whole job at 20 random points, restarted from its checkpoint: read_committed readers see each input record exactly once', async () => {
    const input = await freshTopic(2);
    const records = Array.from({ length: 1200 }, (_, i) => ({ value: `r${i}`, partition: i % 2 }));
    await produce(input, records);
    const expected = records.map((r, i) => `${r.partition}:${Math.floor(i / 2)}:R${i}`).sort();

    const out = await freshTopic(1);
    const env = { EOS_BROKERS: bootstrap, EOS_IN: input, EOS_OUT: out, EOS_PIPELINE: topicName('eos'), EOS_CAP: '10' };
    const dir = mkdtempSync(join(tmpdir(), 'sluice-eos-'));
    const seed = Number(process.env.EOS_SEED ?? Date.now() % 100_000);
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Kill points: ms after the run's first commit (negative: -t, the coordinator killed after batch t's Kafka transaction, before its checkpoint).
    const kills: number[] = [];
    try {
      let finished: Run | undefined;
      for (let k = 0; k < 20 && !finished; k++) {
        const at = Math.round(random() * 400);
        const r = await runJob(env, dir, at);
        if (r.signal === 'SIGKILL') kills.push(at);
        else finished = r;
      }
      const afterRandom = (await readValues(out)).length;
      // Then the coordinator killed exactly between a batch's Kafka commit and its checkpoint commit, at three batches.
      const markers = mkdtempSync(join(tmpdir(), 'sluice-eos-markers-'));
      for (const t of [lastCommit(dir) + 2000, lastCommit(dir) + 5000, lastCommit(dir) + 9000]) {
        if (finished) break;
        const r = await runJob({ ...env, EOS_CRASH_AT: String(t), EOS_MARKERS: markers }, dir);
        if (r.signal === 'SIGKILL' || r.code !== 0) kills.push(-t); else finished = r;
      }
      rmSync(markers, { recursive: true, force: true });
      finished ??= await runJob(env, dir);
      expect(finished.code, `seed ${seed}, kills at ${kills.join(', ')} ms; last stderr: ${finished.stderr}`).toBe(0);
      const got = await readValues(out);
      expect(got.length, `seed ${seed}, kills at ${kills.join(', ')} ms`).toBe(expected.length);
      expect(got.sort()).toEqual(expected);
      console.log(`exactly-once: seed ${seed}, ${kills.length} kills at ${kills.join(', ')} ms; ${afterRandom} of ${expected.length} records written by the randomly killed runs`);
      expect(kills.length).toBeGreaterThanOrEqual(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
