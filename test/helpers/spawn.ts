import { spawn, type SpawnOptions } from 'node:child_process';

/** What a finished child process printed, and how it exited. */
export interface Finished { code: number | null; stdout: string; stderr: string }

/** Runs `node ...args` to its end, collecting stdout and stderr as text. */
export function runNode(args: string[], opts: Pick<SpawnOptions, 'cwd' | 'env'>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
