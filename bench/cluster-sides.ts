/**
 * The side-by-side runner of the cluster benchmarks that compare the local runtime with the
 * cluster runtime on 1 and 2 workers (cluster-split.ts, cluster-event-time.ts): every side
 * runs once untimed (its output checked against the local one), then `runs` timed rounds,
 * the sides alternating; the best wall clock of each side is kept, with its CPU (this
 * process's `cpuUsage()` plus each worker's utime + stime from /proc).
 *
 * @module
 */
import os from 'node:os';
import { WorkerPool } from '../runtimes/cluster/pool.js';
import { procCpu, selfCpu } from './cluster.js';

/**
 * The compared sides: the local runtime, the cluster runtime with 1 and with 2 workers, and
 * 2 workers with equal slices (`balance: false`: the source's slices not balanced by the
 * workers' speed, runtimes/cluster/balance.ts).
 */
export type Side = 'local' | 'c1' | 'c2' | 'c2eq';
const SIDES: readonly Side[] = ['local', 'c1', 'c2', 'c2eq'];
const NAMES: Record<Side, string> = { local: 'local', c1: 'cluster, 1 worker', c2: 'cluster, 2 workers', c2eq: 'cluster, 2 workers, equal slices (balance: false)' };

/** One timed run: wall clock and CPU seconds of every process. */
export interface SideRun { readonly wall: number; readonly cpu: number }

/** What a job run reports for the output check: a digest of its output (equal on every side). */
export interface RunOutput { readonly digest: string }

/**
 * Runs `job` on each side (`pool` undefined: the local runtime; `balance` false: equal
 * slices), `runs` timed rounds after an untimed one (the two 2-worker sides take turns at
 * going first), and checks every run's digest against the local runtime's first. Each
 * `extras` entry is timed once per round too, after the sides (best kept under its name):
 * baselines that belong in the same rounds, such as the machine's own 2-process ceiling.
 */
export async function compareSides<X extends string = never>(runs: number, job: (pool?: WorkerPool, balance?: boolean) => Promise<RunOutput>, extras?: Record<X, () => Promise<SideRun>>): Promise<{ best: Record<Side, SideRun>; extra: Record<X, SideRun>; digest: string }> {
  const two = WorkerPool.start({ workers: 2, mode: 'module' });
  const pools: Record<Side, WorkerPool | undefined> = { local: undefined, c1: WorkerPool.start({ workers: 1, mode: 'module' }), c2: two, c2eq: two };
  try {
    const timed = async (side: Side): Promise<SideRun & RunOutput> => {
      const pool = pools[side];
      (globalThis as { gc?: () => void }).gc?.();
      const w0 = pool?.workers.map((w) => procCpu(w.child.pid!)) ?? [];
      const c0 = selfCpu();
      const t0 = performance.now();
      const out = await job(pool, side !== 'c2eq');
      const wall = (performance.now() - t0) / 1000;
      const cpu = selfCpu() - c0 + (pool?.workers.reduce((s, w, i) => s + procCpu(w.child.pid!) - w0[i], 0) ?? 0);
      return { wall, cpu, ...out };
    };
    const { digest } = await timed('local');
    for (const side of ['c1', 'c2', 'c2eq'] as const) {
      const r = await timed(side);
      if (r.digest !== digest) throw new Error(`${NAMES[side]}: ${r.digest}; local: ${digest}`);
    }
    const best: Partial<Record<Side, SideRun>> = {};
    const extra: Partial<Record<X, SideRun>> = {};
    const names = Object.keys(extras ?? {}) as X[];
    for (const name of names) await extras![name]();
    for (let i = 0; i < runs; i++) {
      // The two 2-worker sides share a pool, and the second of two runs on a pool measured a
      // few per cent faster than the first: they take turns at going first.
      for (const side of i % 2 === 0 ? SIDES : (['local', 'c1', 'c2eq', 'c2'] as const)) {
        const r = await timed(side);
        if (r.digest !== digest) throw new Error(`${NAMES[side]}: ${r.digest}; local: ${digest}`);
        if (!best[side] || r.wall < best[side]!.wall) best[side] = { wall: r.wall, cpu: r.cpu };
      }
      for (const name of names) {
        (globalThis as { gc?: () => void }).gc?.();
        const r = await extras![name]();
        if (!extra[name] || r.wall < extra[name]!.wall) extra[name] = { wall: r.wall, cpu: r.cpu };
      }
    }
    return { best: best as Record<Side, SideRun>, extra: extra as Record<X, SideRun>, digest };
  } finally {
    await pools.c1?.close();
    await pools.c2?.close();
  }
}

/** The markdown table of the best runs: wall, rate, scaling over 1 worker, CPU, CPU per record and against local. */
export function sidesTable(best: Record<Side, SideRun>, records: number, unit: string): string {
  const rate = (s: number) => `${(records / s / 1e6).toFixed(2)} M/s`;
  const us = (s: number) => `${((s / records) * 1e6).toFixed(3)} µs`;
  return [
    `| side | wall | ${unit}s/s | vs 1 worker | CPU (all processes) | CPU per ${unit} | vs local CPU |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...SIDES.map((k) => `| ${NAMES[k]} | ${best[k].wall.toFixed(2)} s | ${rate(best[k].wall)} | ${k === 'local' ? '' : `${(best.c1.wall / best[k].wall).toFixed(2)}×`} | ${best[k].cpu.toFixed(2)} s | ${us(best[k].cpu)} | ${(best[k].cpu / best.local.cpu).toFixed(2)}× |`),
  ].join('\n');
}

/** The check-table row of balanced against equal slices on 2 workers (information: it depends on how unequal the two cores run). */
export function balancedRow(best: Record<Side, SideRun>): string {
  return `| 2 workers, balanced slices ÷ equal slices (wall clock; > 1: balancing gained) | ${(best.c2eq.wall / best.c2.wall).toFixed(2)}× | (information) |  |`;
}

/** What a side-by-side benchmark keeps: its best runs, their table, and the load averages (1, 5, 15 min) before and after it. */
export interface SidesResults {
  readonly runs: number;
  readonly best: Record<Side, SideRun>;
  readonly table: string;
  readonly load: readonly [number[], number[]];
}

/** Runs `measure` and adds the machine's load averages before and after it. */
export async function withLoad<R>(measure: () => Promise<R>): Promise<R & { load: [number[], number[]] }> {
  const before = os.loadavg();
  const r = await measure();
  return { ...r, load: [before, os.loadavg()] };
}

/**
 * Whether a verdict would mean nothing: the 1-minute load average exceeded the cores before
 * the run (during it the benchmark itself keeps up to 3 processes busy).
 */
export function loadedBefore(r: SidesResults): boolean {
  return r.load[0][0] > os.cpus().length;
}

/**
 * Waits (at most `maxSeconds`) until the 1-minute load average is below the cores less one
 * half, so that a judged group does not start in the load of the group before it (a full
 * `npm run bench` runs them back to back). Resolves with the load it stopped at.
 *
 * @example
 * ```ts
 * await settleLoad(); // then run the split word count
 * ```
 */
export async function settleLoad(maxSeconds = 180): Promise<number> {
  const below = os.cpus().length - 0.5;
  const until = Date.now() + maxSeconds * 1000;
  if (os.loadavg()[0] >= below) console.error(`bench: waiting up to ${maxSeconds} s for the load average (${os.loadavg()[0].toFixed(2)}) to fall below ${below}`);
  while (os.loadavg()[0] >= below && Date.now() < until) await new Promise((r) => setTimeout(r, 5000));
  return os.loadavg()[0];
}
