/**
 * Word count over a text file read in slices (issue 6): `Sources.textFile` → flatMap(split)
 * → map(pair(w, 1)) → reduceByKey(+) → foreachBatch, on the local runtime and on the
 * cluster runtime with 1 and 2 workers, runs alternating, best wall clock per side. With
 * 2 workers each reads its own slice of every batch (no split exchange through one worker)
 * and the combined pairs go worker to worker. CPU: this process's `cpuUsage()` plus each
 * worker's utime + stime from /proc.
 *
 *   npx tsx --expose-gc bench/cluster-split.ts [words=10000000] [runs=3]
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pipeline, Sources, seconds } from '../src/index.js';
import type { WorkerPool } from '../runtimes/cluster/pool.js';
import { add, digestCounts, one, splitWords, wordLines } from './cluster-jobs.js';
import { IdealPair } from './ideal-pair.js';
import { balancedRow, compareSides, sidesTable, loadedBefore, withLoad, type RunOutput, type Side, type SideRun, type SidesResults } from './cluster-sides.js';

const SELF = fileURLToPath(import.meta.url);
/**
 * Lines a batch (10 words a line): the runtimes' default `maxBatchSize` (100,000) unless
 * SLUICE_BENCH_SPLIT_LINES is set. With 20,000 lines a batch every worker still combines,
 * shuffles and reduces all 10 k words of the vocabulary in every batch, so that fixed per-batch
 * work, paid by each worker, weighs five times as much against the words it counts.
 */
export const SPLIT_BATCH_LINES: number | undefined = process.env.SLUICE_BENCH_SPLIT_LINES ? Number(process.env.SLUICE_BENCH_SPLIT_LINES) : undefined;
const BATCH_TEXT = SPLIT_BATCH_LINES === undefined ? '100,000 lines a batch, the default maxBatchSize' : `${SPLIT_BATCH_LINES.toLocaleString('en')} lines a batch`;
const batchOption = SPLIT_BATCH_LINES === undefined ? {} : { maxBatchSize: SPLIT_BATCH_LINES };

const seen = { total: 0, records: 0, hash: 0 };

/** Words the last run of {@link fileWordCount} in this process counted (what the ideal pair's children report). */
export function count(): number {
  return seen.total;
}

/** The job (what the workers rebuild too). */
export function fileWordCount(path: string): Pipeline {
  seen.total = 0; seen.records = 0; seen.hash = 0;
  const p = Pipeline.create('bench-cluster-split-word-count', { batchInterval: seconds(1) });
  p.source(Sources.textFile(path)).flatMap(splitWords).map(one).reduceByKey(add).foreachBatch((rs) => {
    seen.hash = digestCounts(rs, seen.hash);
    for (const [, n] of rs) seen.total += n;
    seen.records += rs.length;
  });
  return p;
}

/** One run of the job on `pool` (undefined: the local runtime); checks it counted every word. */
async function runOnce(path: string, words: number, pool?: WorkerPool, balance = true): Promise<RunOutput> {
  const p = fileWordCount(path);
  if (pool) await p.run({ runtime: 'cluster', pool, worker: { module: SELF, export: 'fileWordCount', args: [path] }, pace: 'asap', balance, ...batchOption } as never);
  else await p.run({ pace: 'asap', ...batchOption });
  if (seen.total !== words) throw new Error(`word count ${pool ? `on ${pool.size} worker(s)` : 'local'}: counted ${seen.total} of ${words} words`);
  return { digest: `${seen.records} rows, digest ${seen.hash}` };
}

/** The machine's 2-process ceiling (ideal-pair.ts): one local child over the whole file, two at once over its halves. */
export interface IdealRuns {
  readonly one: SideRun;
  readonly pair: SideRun;
}

/**
 * Runs the benchmark; returns the best run of each side, the ideal pair's best runs and the
 * table as markdown. The pair's children cut batches of half the lines, so each does what one
 * of 2 workers does: every batch's half, with the whole vocabulary in it.
 */
export async function splitWordCount(words: number, runs: number): Promise<{ best: Record<Side, SideRun>; ideal: IdealRuns; table: string }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-split-'));
  const path = join(dir, 'words.txt');
  const halves = [join(dir, 'half-0.txt'), join(dir, 'half-1.txt')];
  const lines = [...wordLines(words)];
  writeFileSync(path, `${lines.join('\n')}\n`);
  const cut = Math.floor(lines.length / 2);
  writeFileSync(halves[0], `${lines.slice(0, cut).join('\n')}\n`);
  writeFileSync(halves[1], `${lines.slice(cut).join('\n')}\n`);
  lines.length = 0;
  const batch = SPLIT_BATCH_LINES ?? 100_000;
  const ideal = IdealPair.start(SELF, 'fileWordCount');
  const counted = (what: string) => (r: SideRun & { count: number }): SideRun => {
    if (r.count !== words) throw new Error(`ideal pair, ${what}: counted ${r.count} of ${words} words`);
    return { wall: r.wall, cpu: r.cpu };
  };
  try {
    const { best, extra } = await compareSides(runs, (pool, balance) => runOnce(path, words, pool, balance), {
      one: async () => counted('one child')(await ideal.one([path], { pace: 'asap', maxBatchSize: batch })),
      pair: async () => counted('two children')(await ideal.pair([halves[0]], [halves[1]], { pace: 'asap', maxBatchSize: Math.ceil(batch / 2) })),
    });
    return { best, ideal: extra, table: sidesTable(best, words, 'word') };
  } finally {
    ideal.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Words of the benchmark (issue 6). */
export const SPLIT_WORDS = 10_000_000;
/** Timed runs of each side (best taken). */
export const SPLIT_RUNS = 7;
/** Targets (issue 6): 2 workers ≥ this × 1 worker (wall clock); the cluster's CPU per word ≤ this × the local runtime's. */
export const SPLIT_SCALE_TARGET = 1.6;
export const SPLIT_CPU_TARGET = 1.3;

/** What `npm run bench` keeps of this benchmark. */
export interface SplitResults extends SidesResults {
  readonly words: number;
  readonly ideal: IdealRuns;
}

/** The ideal pair's rows: one local child over the whole file, two at once over its halves. */
function idealTable(ideal: IdealRuns, words: number): string {
  const row = (name: string, x: SideRun) => `| ${name} | ${x.wall.toFixed(2)} s | ${(words / x.wall / 1e6).toFixed(2)} M/s | ${(ideal.one.wall / x.wall).toFixed(2)}× | ${x.cpu.toFixed(2)} s |`;
  return [
    '| the machine\'s ceiling (ideal-pair.ts) | wall | words/s | vs one process | CPU |',
    '| --- | --- | --- | --- | --- |',
    row('local runtime, one child process, the whole file', ideal.one),
    row('local runtime, two child processes at once, half the file each (half the batch size)', ideal.pair),
  ].join('\n');
}

/** Runs the benchmark with its defaults (`npm run bench -- split`). */
export function runSplit(words = SPLIT_WORDS, runs = SPLIT_RUNS): Promise<SplitResults> {
  return withLoad(async () => ({ words, runs, ...(await splitWordCount(words, runs)) }));
}

/** The RESULTS.md section. A ratio measured when the 1-minute load average exceeded the cores before the run is not called PASS or FAIL. */
export function renderSplit(r: SplitResults, cmd: string): string {
  const scale = r.best.c1.wall / r.best.c2.wall;
  const ceiling = r.ideal.one.wall / r.ideal.pair.wall;
  const cpu = Math.max(r.best.c1.cpu, r.best.c2.cpu) / r.best.local.cpu;
  const cores = os.cpus().length;
  const loaded = loadedBefore(r);
  const verdict = (ok: boolean) => (loaded ? 'not judged (machine loaded)' : ok ? 'PASS' : 'FAIL');
  const fmt = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  return [
    `Lines of 10 words over a 10k-word vocabulary in a temporary file; \`Sources.textFile\` (${BATCH_TEXT}, pace asap) → flatMap(split) → map(pair(w, 1)) → reduceByKey(+) → foreachBatch in the calling process; ${r.words.toLocaleString('en')} words, every side's output digest equal to the local one; best of ${r.runs}, sides alternating, workers started once per worker count (warm). With 2 workers each reads its own slice of every batch (the source splits) and the combined pairs go worker to worker by key group; in the workers the flatMap·map chain folds straight into the map-side combine, as the local runtime fuses it into reduceByKey. CPU: this process's \`cpuUsage()\` plus each worker's utime + stime from /proc. Load average ${fmt(r.load[0])} at the start, ${fmt(r.load[1])} at the end (${cores} cores).`,
    '',
    r.table,
    '',
    idealTable(r.ideal, r.words),
    '',
    '| check | value | target | result |',
    '| --- | --- | --- | --- |',
    `| 2 workers ÷ 1 worker (wall clock) | ${scale.toFixed(2)}× | ≥ ${SPLIT_SCALE_TARGET}× | ${verdict(scale >= SPLIT_SCALE_TARGET)} |`,
    `| cluster CPU per word ÷ local (the larger of 1 and 2 workers) | ${cpu.toFixed(2)}× | ≤ ${SPLIT_CPU_TARGET}× | ${verdict(cpu <= SPLIT_CPU_TARGET)} |`,
    `| the machine's ceiling: two local processes over the halves ÷ one over the whole (wall clock) | ${ceiling.toFixed(2)}× | (reference) |  |`,
    `| the cluster's 2 ÷ 1 workers as a share of that ceiling | ${((scale / ceiling) * 100).toFixed(0)} % | (information) |  |`,
    balancedRow(r.best),
    '',
    `Command: \`${cmd}\`${cmd.startsWith('npm') ? ` (or alone: \`npx tsx --expose-gc bench/cluster-split.ts ${r.words} ${r.runs}\`)` : ''}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const words = Number(process.argv[2] ?? 10_000_000);
  const runs = Number(process.argv[3] ?? 3);
  const { table, ideal } = await splitWordCount(words, runs);
  process.stdout.write(`word count over a text file read in slices, ${words.toLocaleString('en')} words, ${BATCH_TEXT}, best of ${runs}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n${table}\n\n${idealTable(ideal, words)}\n`);
}
