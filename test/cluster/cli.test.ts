import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Whether a process runs (a zombie waiting for init to reap it has exited). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('sluice run --runtime cluster (workers re-execute the command)', () => {
  it('runs a job on 2 workers, prints from the coordinator and leaves no worker behind', async () => {
    const { stdout, stderr } = await run(process.execPath, ['bin/sluice.js', 'run', 'test/cluster/fixtures/word-count-job.ts', '--runtime', 'cluster', '--workers', '2'], {
      cwd: root,
      env: { ...process.env, SLUICE_LOG: 'debug' },
    });
    expect(stdout).toBe('1000 be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2\n2000 be=1 do=1 is=1 to=2\n');
    const pids = [...stderr.matchAll(/\[worker (\d)\] hello: pid (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(pids.map(([w]) => w).sort()).toEqual([0, 1]);
    expect(stderr).toMatch(/\[worker 1 stage-1\/p1 batch 1000\] done: reduceByKey#3=\d/);
    expect(stderr).toContain('sluice: cluster-word-count done: 2 batches, 3 records read');
    // The source's slices are balanced by the workers' speed (runtimes/cluster/balance.ts).
    expect(stderr).toMatch(/\[worker [01] batch 1000\] balanced sources read \d records in/);
    await new Promise((r) => setTimeout(r, 200));
    for (const [, pid] of pids) expect(alive(pid)).toBe(false);
  });

  it('--equal-slices: the same output, and the slices are not balanced', async () => {
    const { stdout, stderr } = await run(process.execPath, ['bin/sluice.js', 'run', 'test/cluster/fixtures/word-count-job.ts', '--runtime', 'cluster', '--workers', '2', '--equal-slices'], {
      cwd: root,
      env: { ...process.env, SLUICE_LOG: 'debug' },
    });
    expect(stdout).toBe('1000 be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2\n2000 be=1 do=1 is=1 to=2\n');
    expect(stderr).toContain('sluice: cluster-word-count done: 2 batches, 3 records read');
    expect(stderr).not.toContain('balanced sources read');
  });

  it('re-executes a plain script whose pipeline.run() asks for the cluster', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/cluster/fixtures/direct-run.ts'], { cwd: root });
    expect(stdout).toBe('1000 be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2\n2000 be=1 do=1 is=1 to=2\nbatches=2 records=12\n');
  });
});

describe('sluice run --runtime cluster --checkpoint-dir: the coordinator killed or stopped', () => {
  const job = 'test/cluster/fixtures/ticking-job.ts';
  const args = (dir: string) => ['bin/sluice.js', 'run', job, '--runtime', 'cluster', '--workers', '2', '--pace', 'realtime', '--checkpoint-dir', dir];

  /** Starts the job and resolves with the process once `lines` lines were printed. */
  function startUntil(dir: string, lines: number): Promise<{ child: ChildProcess; out: () => string; err: () => string }> {
    const child = spawn(process.execPath, args(dir), { cwd: root, env: { ...process.env, SLUICE_LOG: 'debug' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    return new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.split('\n').length > lines) resolve({ child, out: () => out, err: () => err });
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} early: ${err}`)));
    });
  }

  it('SIGKILLed coordinator: its workers exit, and a rerun with the same directory finishes the job with each batch printed once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ckpt-'));
    try {
      const full = await run(process.execPath, ['bin/sluice.js', 'run', job], { cwd: root });
      const first = await startUntil(dir, 4);
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      const pids = [...first.err().matchAll(/\[worker \d\] hello: pid (\d+)/g)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 500));
      for (const pid of pids) expect(alive(pid)).toBe(false);
      const second = await run(process.execPath, args(dir), { cwd: root });
      const printed = [...first.out().split('\n').filter(Boolean), ...second.stdout.split('\n').filter(Boolean)];
      // Batches printed by the killed run but not committed are printed again: exactly-once needs an idempotent sink.
      const byTime = new Map(printed.map((l) => [Number(l.split(' ')[0]), l.split(' ').slice(1).join(' ')]));
      const times = [...byTime.keys()].sort((a, b) => a - b);
      expect(times.map((t) => byTime.get(t)).join('\n') + '\n').toBe(full.stdout.replace(/^\d+ /gm, ''));
      expect(times.every((t, i) => i === 0 || t - times[i - 1] === 200)).toBe(true);
      // The rerun resumed: it did not print the first batches again.
      expect(Number(second.stdout.split(' ')[0])).toBeGreaterThan(times[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000); // three CLI runs (a full one, a killed one, a resumed one), each starting two workers

  it('SIGTERM: the coordinator finishes the current batch, commits, stops its workers and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ckpt-'));
    try {
      const first = await startUntil(dir, 3);
      first.child.kill('SIGTERM');
      const code = await new Promise((r) => first.child.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      expect(first.err()).toMatch(/ticking stopped: \d+ batches/);
      const printed = first.out().split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0]));
      const commits = readdirSync(join(dir, 'commits')).map((f) => Number(f.replace('.json', '')));
      expect(Math.max(...commits)).toBe(Math.max(...printed));
      const pids = [...first.err().matchAll(/\[worker \d\] hello: pid (\d+)/g)].map((m) => Number(m[1]));
      for (const pid of pids) expect(alive(pid)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  it('SIGTERM to a worker stops the whole job after the current batch: no crash or restart, exit 0, "stopped", and a rerun prints each later batch once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ckpt-'));
    try {
      const full = await run(process.execPath, ['bin/sluice.js', 'run', job], { cwd: root });
      const first = await startUntil(dir, 3);
      const pids = [...first.err().matchAll(/\[worker (\d)\] hello: pid (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(pids).toHaveLength(2);
      process.kill(pids.find(([w]) => w === 1)![1], 'SIGTERM');
      const code = await new Promise((r) => first.child.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      expect(first.err()).toMatch(/\[worker 1\] SIGTERM: asking the coordinator to stop the job after the current batch/);
      expect(first.err()).toMatch(/\[coordinator\] worker 1 got SIGTERM: stopping the job after the current batch/);
      expect(first.err()).toMatch(/ticking stopped: \d+ batches/);
      expect(first.err()).not.toMatch(/crashed|restarting the workers/);
      // Only the coordinator speaks for the CLI: the worker does not print the CLI's own stop line.
      expect(first.err().match(/SIGTERM: stopping after the current batch/g) ?? []).toHaveLength(0);
      for (const [, pid] of pids) expect(alive(pid)).toBe(false);
      const printed = first.out().split('\n').filter(Boolean);
      const commits = readdirSync(join(dir, 'commits')).map((f) => Number(f.replace('.json', '')));
      expect(Math.max(...commits)).toBe(Math.max(...printed.map((l) => Number(l.split(' ')[0]))));
      // The rerun goes on after the last printed batch; together the two print the full run once.
      const second = await run(process.execPath, args(dir), { cwd: root });
      const all = [...printed, ...second.stdout.split('\n').filter(Boolean)];
      expect(all.map((l) => l.replace(/^\d+ /, '')).join('\n') + '\n').toBe(full.stdout.replace(/^\d+ /gm, ''));
      const times = all.map((l) => Number(l.split(' ')[0]));
      expect(times.every((t, i) => i === 0 || t - times[i - 1] === 200)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('re-executed workers that do not serve the pipeline', () => {
  it('a worker whose script ends without running the pipeline is reported at once, with what the script must do', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/cluster/fixtures/no-run-in-worker.ts'], { cwd: root });
    expect(stdout).toMatch(/^worker [01] exited \(exit code 0\) before reporting the plan of pipeline 'cluster-word-count' \(fix: re-executed as a worker, the entry script must build the same pipeline and call run\(\) on it/);
  });
});

describe('Ctrl-C in a terminal (SIGINT to the whole process group)', () => {
  it('stops the job after the current batch, once: workers are not hit by the signal, so nothing crashes or restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ckpt-'));
    try {
      const child = spawn(process.execPath, ['bin/sluice.js', 'run', 'test/cluster/fixtures/ticking-job.ts', '--runtime', 'cluster', '--workers', '2', '--pace', 'realtime', '--checkpoint-dir', dir], {
        cwd: root,
        env: { ...process.env, SLUICE_LOG: 'debug' },
        detached: true, // its own process group, as a shell job
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      await new Promise<void>((resolve) => child.stdout.on('data', (d) => { out += d; if (out.split('\n').length > 3) resolve(); }));
      process.kill(-child.pid!, 'SIGINT');
      const code = await new Promise((r) => child.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      expect(err.match(/SIGINT: stopping/g)).toHaveLength(1);
      expect(err).not.toMatch(/crashed|restarting/);
      expect(err).toMatch(/ticking stopped: \d+ batches/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
