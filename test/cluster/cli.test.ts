import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
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
    expect(stderr).toMatch(/\[worker 1 stage-2\/p1 batch 1000\] done: reduceByKey#3=\d/);
    expect(stderr).toContain('sluice: cluster-word-count done: 2 batches, 3 records read');
    await new Promise((r) => setTimeout(r, 200));
    for (const [, pid] of pids) expect(alive(pid)).toBe(false);
  });

  it('re-executes a plain script whose pipeline.run() asks for the cluster', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/cluster/fixtures/direct-run.ts'], { cwd: root });
    expect(stdout).toBe('1000 be=2 is=1 not=1 or=1 question=1 that=1 the=1 to=2\n2000 be=1 do=1 is=1 to=2\nbatches=2 records=12\n');
  });
});
