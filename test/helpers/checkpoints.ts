import { outputFiles } from './files.js';
/**
 * Helpers of the tests that kill a real `sluice run --checkpoint-dir` process and run it
 * again from its checkpoint: the last commit of a checkpoint directory, a run killed at a
 * chosen time after its own first commit, a sink wrapper that can kill around a batch's
 * write, and a directory's files for byte-for-byte comparisons.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Sink, SinkContext } from '../../src/index.js';

/** How a killed or finished run ended. */
export interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** The last committed batch time in checkpoint directory `dir` (0 when none). */
export function lastCommit(dir: string): number {
  const commits = join(dir, 'commits');
  if (!existsSync(commits)) return 0;
  return Math.max(0, ...readdirSync(commits).filter((f) => /^\d+\.json$/.test(f)).map((f) => Number(f.slice(0, -5))));
}

/**
 * Runs `node ...args` with checkpoint directory `dir` to its end; with `killAfterMs`, once
 * the run has committed a batch of its own (so that the kill lands mid-job, not during
 * start-up) — with `killAtCommit`, once it has committed that batch time or a later one —
 * waits that long and SIGKILLs it — its whole process group (a cluster coordinator and its
 * workers) with `group`.
 */
export function runKilled(args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; dir: string; killAfterMs?: number; killAtCommit?: number; group?: boolean }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: opts.cwd, env: opts.env, detached: opts.group, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const kill = () => { try { if (opts.group) process.kill(-child.pid!, 'SIGKILL'); else child.kill('SIGKILL'); } catch { /* ended */ } };
    const before = lastCommit(opts.dir);
    let timer: NodeJS.Timeout | undefined;
    const watch = opts.killAfterMs === undefined && opts.killAtCommit === undefined ? undefined : setInterval(() => {
      const t = lastCommit(opts.dir);
      if (t <= before || t < (opts.killAtCommit ?? 0)) return;
      clearInterval(watch);
      timer = setTimeout(kill, opts.killAfterMs ?? 0);
    }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      if (timer) clearTimeout(timer);
      if (opts.group) kill(); // no stragglers
      resolve({ code, signal, stderr });
    });
  });
}

/** `sink` with `before` called ahead of each batch's write and `after` once it was written. */
export function aroundWrite<T>(sink: Sink<T>, hooks: { before?(records: readonly T[], t: number, ctx: SinkContext): void | Promise<void>; after?(t: number): void }): Sink<T> {
  return {
    ...sink,
    open(ctx) {
      const w = sink.open(ctx);
      return {
        async write(records, t) {
          await hooks.before?.(records, t, ctx);
          await w.write(records, t);
          hooks.after?.(t);
        },
        close: () => w.close(),
      };
    },
  };
}

/** Every file under `dir` (relative path → content), except the checkpoint markers. */
export function files(dir: string): Record<string, string> {
  return outputFiles(dir);
}
