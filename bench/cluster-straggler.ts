/**
 * A straggler on the cluster: the split word count of cluster-split.ts on 2 workers where
 * worker 1 is slower (its split costs `SLUICE_BENCH_STRAGGLER_US` µs more a line, default
 * 2: about a third more work for the same lines, as a busier or slower machine would), with
 * the source's slices balanced by the workers' speed (runtimes/cluster/balance.ts) against
 * equal slices (`balance: false`), sides alternating, best wall clock of each. Baseline of
 * the same run: the same job with equal slices and no straggler. Each worker's share of
 * the lines comes from its `done` messages.
 *
 *   npx tsx --expose-gc bench/cluster-straggler.ts [words=10000000] [runs=5]
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pipeline, Sources, seconds } from '../src/index.js';
import { WorkerPool } from '../runtimes/cluster/pool.js';
import type { FromWorker } from '../runtimes/cluster/protocol.js';
import { add, digestCounts, one, splitWords, wordLines } from './cluster-jobs.js';
import { loadedBefore, withLoad } from './cluster-sides.js';

const SELF = fileURLToPath(import.meta.url);
/**
 * Lines a batch: 20,000, so a run of 10 M words is 50 batches. The weights of a batch come
 * from batches that ended before it started (three behind, and not the job's first), so a
 * run of 10 batches would be cut equally for half its length; a job that runs for minutes
 * is balanced for all but its first seconds.
 */
const BATCH_LINES = 20_000;
/** Extra µs a line in worker 1's split (the straggler). */
export const STRAGGLER_US = Number(process.env.SLUICE_BENCH_STRAGGLER_US ?? 2);

const seen = { total: 0, hash: 0 };

/** Busy-waits `us` microseconds. */
function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

/** The job (what the workers rebuild too): the split word count, slower by `us` µs a line in worker 1. */
export function stragglerWordCount(path: string, us: number): Pipeline {
  seen.total = 0; seen.hash = 0;
  const slow = us > 0 && process.env.SLUICE_WORKER === '1';
  const p = Pipeline.create('bench-cluster-straggler', { batchInterval: seconds(1) });
  p.source(Sources.textFile(path)).flatMap((l) => { if (slow) spin(us); return splitWords(l); }).map(one).reduceByKey(add).foreachBatch((rs) => {
    seen.hash = digestCounts(rs, seen.hash);
    for (const [, n] of rs) seen.total += n;
  });
  return p;
}

/** The compared sides: equal slices without a straggler (baseline), and with one, equal and balanced. */
type Side = 'even' | 'equal' | 'balanced';
const NAMES: Record<Side, string> = {
  even: '2 workers, no straggler, equal slices',
  equal: '2 workers, worker 1 a straggler, equal slices (balance: false)',
  balanced: '2 workers, worker 1 a straggler, balanced slices (default)',
};

/** One side's best run: wall clock, and the share of the lines worker 1 read. */
export interface StragglerRun { readonly wall: number; readonly share1: number }

/** What `npm run bench -- straggler` keeps. */
export interface StragglerResults {
  readonly words: number;
  readonly runs: number;
  readonly us: number;
  readonly best: Record<Side, StragglerRun>;
  readonly load: readonly [number[], number[]];
}

/** Runs the benchmark: `runs` rounds of the three sides on one warm 2-worker pool. */
export async function straggler(words: number, runs: number, us = STRAGGLER_US): Promise<Omit<StragglerResults, 'load'>> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-straggler-'));
  const path = join(dir, 'words.txt');
  writeFileSync(path, `${[...wordLines(words)].join('\n')}\n`);
  const pool = WorkerPool.start({ workers: 2, mode: 'module' });
  const read = [0, 0];
  pool.workers.forEach((w, i) => w.child.on('message', (m: FromWorker) => { if (m.type === 'done') read[i] += m.records['source#0'] ?? 0; }));
  let digest: number | undefined;
  const once = async (side: Side): Promise<StragglerRun> => {
    const lag = side === 'even' ? 0 : us;
    read.fill(0);
    (globalThis as { gc?: () => void }).gc?.();
    const p = stragglerWordCount(path, lag);
    const t0 = performance.now();
    await p.run({ runtime: 'cluster', pool, worker: { module: SELF, export: 'stragglerWordCount', args: [path, lag] }, pace: 'asap', maxBatchSize: BATCH_LINES, balance: side === 'balanced' } as never);
    const wall = (performance.now() - t0) / 1000;
    if (seen.total !== words) throw new Error(`${NAMES[side]}: counted ${seen.total} of ${words} words`);
    if (digest !== undefined && seen.hash !== digest) throw new Error(`${NAMES[side]}: output digest ${seen.hash}, first run ${digest}`);
    digest = seen.hash;
    return { wall, share1: read[1] / (read[0] + read[1]) };
  };
  try {
    const sides: Side[] = ['even', 'equal', 'balanced'];
    for (const side of sides) await once(side); // warm-up, outputs compared
    const best: Partial<Record<Side, StragglerRun>> = {};
    for (let i = 0; i < runs; i++) {
      // One pool serves every side, and a run measured a few per cent faster right after another: the order rotates.
      for (const side of [...sides.slice(i % 3), ...sides.slice(0, i % 3)]) {
        const r = await once(side);
        if (!best[side] || r.wall < best[side]!.wall) best[side] = r;
      }
    }
    return { words, runs, us, best: best as Record<Side, StragglerRun> };
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The benchmark with its defaults and the machine load around it (`npm run bench -- straggler`). */
export function runStraggler(words = 10_000_000, runs = 5): Promise<StragglerResults> {
  return withLoad(() => straggler(words, runs));
}

/** The RESULTS.md section. */
export function renderStraggler(r: StragglerResults, cmd: string): string {
  const { even, equal, balanced } = r.best;
  const rate = (s: number) => `${(r.words / s / 1e6).toFixed(2)} M/s`;
  const fmt = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  const loaded = loadedBefore({ load: r.load } as never);
  // With equal slices worker 1's half takes `equal.wall`, worker 0's half about `even.wall`: their speeds give the best a balanced cut can do.
  const s0 = 0.5 / even.wall;
  const s1 = 0.5 / equal.wall;
  const ideal = 1 / (s0 + s1);
  return [
    `The split word count (bench/cluster-split.ts: \`Sources.textFile\`, ${BATCH_LINES.toLocaleString('en')} lines a batch, pace asap, 10 words a line → flatMap(split) → map(pair(w, 1)) → reduceByKey(+) → foreachBatch), ${r.words.toLocaleString('en')} words, on one warm 2-worker pool; worker 1's split costs ${r.us} µs more a line (a straggler). Best of ${r.runs}, the order of the sides rotating from round to round, output digests equal. Worker 1's share of the lines from the workers' \`done\` messages. Load average ${fmt(r.load[0])} at the start, ${fmt(r.load[1])} at the end.`,
    '',
    '| side | wall | words/s | worker 1\'s share of the lines |',
    '| --- | --- | --- | --- |',
    ...(['even', 'equal', 'balanced'] as const).map((k) => `| ${NAMES[k]} | ${r.best[k].wall.toFixed(2)} s | ${rate(r.best[k].wall)} | ${(r.best[k].share1 * 100).toFixed(1)} % |`),
    '',
    '| check | value | result |',
    '| --- | --- | --- |',
    `| balanced ÷ equal slices with the straggler (wall clock; > 1: balancing gained) | ${(equal.wall / balanced.wall).toFixed(2)}× | ${loaded ? 'not judged (machine loaded)' : equal.wall / balanced.wall > 1 ? 'gained' : 'no gain'} |`,
    `| what a cut in proportion to the two speeds could reach, ÷ equal slices (from the two equal-slice rows) | ${(equal.wall / ideal).toFixed(2)}× | (reference) |`,
    `| the straggler's cost: with it ÷ without it, balanced slices | ${(balanced.wall / even.wall).toFixed(2)}× | (information) |`,
    '',
    `Command: \`${cmd}\``,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runStraggler(Number(process.argv[2] ?? 10_000_000), Number(process.argv[3] ?? 5));
  console.log(renderStraggler(r, `npx tsx --expose-gc bench/cluster-straggler.ts ${r.words} ${r.runs}`));
}
