/**
 * `npm run bench`: the local runtime's benchmarks, each beside a hand-written loop doing the
 * same work in the same process. Every benchmark runs in a child process of its own
 * (worker.ts), so JIT state and peak RSS are its own. Then the cluster runtime's benchmarks
 * (cluster-report.ts, cluster.ts). Prints the tables and writes bench/RESULTS.md.
 *
 *   npm run bench                  everything (a few minutes), writes RESULTS.md
 *   npm run bench -- stateless window   only those in-memory cases; RESULTS.md untouched
 *   npm run bench -- cluster       only the cluster runtime's benchmarks (cluster-report.ts); RESULTS.md untouched
 *   npm run bench -- longline      only the long-line benchmark (long-line.ts); RESULTS.md untouched
 *   npm run bench -- eventtime     only the cluster's event-time windows (cluster-event-time.ts); RESULTS.md untouched
 *   npm run bench -- split         only the cluster's word count over a split text file (cluster-split.ts); RESULTS.md untouched
 *   npm run bench -- ui            only the web UI page load with 10,000 batches (ui-load.ts); RESULTS.md untouched
 *   npm run bench -- io            only JSON lines → file and word count peak RSS against loops (io.ts); RESULTS.md untouched
 *   npm run bench -- observed [ids]   only the observed ÷ plain pairs (observed.ts); RESULTS.md untouched
 *   npm run bench -- kafka         only sluice vs Kafka Streams on a real broker (kafka-bench.ts); rewrites RESULTS.md's Kafka section
 *   npm run bench -- kafkacluster  only a Kafka word count on 2 workers, two batches in flight against one (cluster-kafka.ts); RESULTS.md untouched
 *   npm run bench -- straggler     only the split word count with a slow worker, balanced against equal slices (cluster-straggler.ts); RESULTS.md untouched
 *
 * @module
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, WINDOW_BATCHES } from './cases.js';
import { FILE_KEYS, writeKeyedLines } from './file.js';
import { renderCluster, runClusterBenches, type ClusterResults } from './cluster-report.js';
import { measureUiLoad, renderUiLoad } from './ui-load.js';
import { renderLongLine, runLongLine } from './long-line.js';
import { runIoBenches } from './io.js';
import { renderEventTime, runEventTime } from './cluster-event-time.js';
import { renderSplit, runSplit } from './cluster-split.js';
import { settleLoad } from './cluster-sides.js';
import { renderStraggler, runStraggler } from './cluster-straggler.js';
import { BATCH, type Row } from './harness.js';
import { countFromEnv, measureObserved, observedCell, observedNote, OBSERVED_PROCESSES, OBSERVED_REPS, renderObserved, type ObservedRatios } from './observed.js';
import { keptKafkaSection, runKafkaGroup } from './kafka-bench.js';
import { renderClusterKafka, runClusterKafka } from './cluster-kafka.js';
import type { ProcessReport } from './worker.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
/** Peak RSS of the 10M-line run may be at most this many times that of the 1M-line run (or as much more as the loop's). */
const RSS_GROWTH_MAX = 1.25;
const FILE_SIZES = [1_000_000, 3_000_000, 10_000_000];
/** Runs of each side over each file. */
const FILE_RUNS = 3;

/** Runs worker.ts with `args` in a fresh process and resolves with what it sends. */
function child<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const c = fork(WORKER, args, {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: T | undefined;
    c.on('message', (m) => { result = m as T; });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`bench worker ${args.join(' ')} exited with ${code}`))));
  });
}

const rate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(0)} k/s`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const count = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`);
const frac = (t: number) => (t === 1 / 3 ? '1/3' : t === 1 / 4 ? '1/4' : t.toFixed(2));

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

interface Results {
  rows: Array<Row & { unfused?: number; observed?: ObservedRatios }>;
  memory?: { idle: number; sizes: Array<{ lines: number; sluice: FileRuns; baseline: FileRuns }> };
}

/** The runs of one side over one file: median peak RSS, best times. */
interface FileRuns {
  peakRss: number;
  seconds: { wall: number; cpu: number };
}

function summarize(runs: ProcessReport[]): FileRuns {
  const rss = runs.map((r) => r.peakRss).sort((x, y) => x - y);
  return {
    peakRss: rss[Math.floor(rss.length / 2)],
    seconds: { wall: Math.min(...runs.map((r) => r.seconds.wall)), cpu: Math.min(...runs.map((r) => r.seconds.cpu)) },
  };
}

async function runCases(ids: string[], results: Results): Promise<void> {
  for (const id of ids) {
    process.stderr.write(`bench: ${id} …\n`);
    const row = await child<Row>(['case', id]);
    const summary = await measureObservedPairs(id);
    const unfused = await child<Row>(['case', id], { SLUICE_FUSE: '0' });
    results.rows.push({ ...row, unfused: unfused.sluice.wall / unfused.baseline.wall, observed: summary });
  }
}

/** Observed ÷ plain of an in-memory case: interleaved pairs in a few processes of their own (observed.ts). */
function measureObservedPairs(id: string): Promise<ObservedRatios> {
  const run = (c: string, reps: number) => child<{ plain: number[]; observed: number[] }>(['observed', c, String(reps)]);
  return measureObserved(id, run, ...observedCounts());
}

/** Processes per case and pairs per process of the observed column (the environment may override the defaults). */
function observedCounts(): [number, number] {
  return [countFromEnv('SLUICE_BENCH_PROCESSES', OBSERVED_PROCESSES), countFromEnv('SLUICE_BENCH_REPS', OBSERVED_REPS)];
}

async function runFiles(results: Results): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-'));
  try {
    const idle = (await child<ProcessReport>(['idle'])).peakRss;
    const sizes: NonNullable<Results['memory']>['sizes'] = [];
    for (const n of FILE_SIZES) {
      process.stderr.write(`bench: file of ${count(n)} lines …\n`);
      const path = join(dir, `pairs-${n}.txt`);
      writeKeyedLines(path, n);
      const runs: Record<'sluice' | 'baseline', ProcessReport[]> = { sluice: [], baseline: [] };
      for (let i = 0; i < FILE_RUNS; i++) {
        for (const side of ['sluice', 'baseline'] as const) runs[side].push(await child<ProcessReport>(['file', side, path]));
      }
      rmSync(path);
      const all = [...runs.sluice, ...runs.baseline];
      if (all.some((r) => r.outputs !== all[0].outputs || r.hash !== all[0].hash)) {
        throw new Error(`file of ${n} lines: sluice and the baseline disagree: ${all.map((r) => `${r.outputs} records, hash ${r.hash}`).join('; ')}`);
      }
      sizes.push({ lines: n, sluice: summarize(runs.sluice), baseline: summarize(runs.baseline) });
    }
    results.memory = { idle, sizes };
    const last = sizes[sizes.length - 1];
    const n = last.lines;
    results.rows.push({
      name: `reduceByKeyAndWindow over a ${count(n)}-line file`,
      records: n,
      sluice: { wall: n / last.sluice.seconds.wall, cpu: n / last.sluice.seconds.cpu },
      baseline: { wall: n / last.baseline.seconds.wall, cpu: n / last.baseline.seconds.cpu },
      target: 1 / 4,
      note: `lines \`k<i mod ${FILE_KEYS}>,<i mod 16>\` in a temporary file; sluice: \`Sources.textFile\` → map(parse) → the window of the row above; loop: a 64 KiB read stream split into lines, the same parse and window sums. ${FILE_RUNS} runs of each side, alternating, each in a process of its own (for its peak RSS); best time.`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(results: Results, cmd: string): string {
  const out: string[] = [];
  out.push(table(
    ['benchmark', 'records', 'sluice', 'hand-written loop', 'ratio', 'target', 'result', 'ratio by CPU time¹', 'ratio unfused²', 'observed ÷ plain³'],
    results.rows.map((r) => {
      const ratio = r.sluice.wall / r.baseline.wall;
      return [r.name, count(r.records), rate(r.sluice.wall), rate(r.baseline.wall), ratio.toFixed(3), `≥ ${frac(r.target)}`, ratio >= r.target ? 'PASS' : 'FAIL', (r.sluice.cpu / r.baseline.cpu).toFixed(3), r.unfused === undefined ? '' : r.unfused.toFixed(3), r.observed === undefined ? '' : observedCell(r.observed)];
    }),
  ));
  const m = results.memory;
  if (m) {
    const [first, last] = [m.sizes[0], m.sizes[m.sizes.length - 1]];
    const growth = last.sluice.peakRss / first.sluice.peakRss;
    const growthAboveIdle = (last.sluice.peakRss - m.idle) / (first.sluice.peakRss - m.idle);
    const loopGrowth = last.baseline.peakRss / first.baseline.peakRss;
    out.push('', `Peak RSS of the windowed run over a file (${FILE_KEYS / 1000}k keys, window ${WINDOW_BATCHES} batches of ${count(BATCH)} lines), median of ${FILE_RUNS} processes each; a process that only loads sluice peaks at ${mb(m.idle)}:`, '');
    out.push(table(
      ['lines', 'sluice peak RSS', 'loop peak RSS', 'sluice', 'loop'],
      m.sizes.map((s) => [count(s.lines), mb(s.sluice.peakRss), mb(s.baseline.peakRss), rate(s.lines / s.sluice.seconds.wall), rate(s.lines / s.baseline.seconds.wall)]),
    ));
    out.push('', table(
      ['memory check', 'value', 'target', 'result'],
      [
        [`sluice peak RSS, ${count(last.lines)} ÷ ${count(first.lines)} lines`, growth.toFixed(2), `≤ ${RSS_GROWTH_MAX}, or ≤ the loop's`, growth <= Math.max(RSS_GROWTH_MAX, loopGrowth) ? 'PASS' : 'FAIL'],
        [`loop peak RSS, ${count(last.lines)} ÷ ${count(first.lines)} lines`, loopGrowth.toFixed(2), '(reference)', ''],
        ...m.sizes.slice(1, -1).map((s) => [`sluice peak RSS, ${count(last.lines)} ÷ ${count(s.lines)} lines`, (last.sluice.peakRss / s.sluice.peakRss).toFixed(2), '(information)', '']),
        [`sluice peak RSS above the idle process, ${count(last.lines)} ÷ ${count(first.lines)} lines`, growthAboveIdle.toFixed(2), '(information)', ''],
      ],
    ));
  }
  if (m) {
    out.push('', `Peak RSS counts garbage V8 has not collected yet, so it depends on when the collector runs, not only on what is live. The loop keeps nothing but per-key sums by construction; how much its peak grows from ${count(m.sizes[0].lines)} to ${count(m.sizes[m.sizes.length - 1].lines)} lines is how much V8's heap sizing alone adds (the ${count(m.sizes[0].lines)}-line runs end before the heap reaches its steady size), hence the check against it.`);
  }
  out.push('', 'Ratio = sluice records/s ÷ hand-written loop records/s, wall clock, best run of each side.');
  out.push('', '¹ the same runs timed by the CPU time of the process (user + system, all threads, so garbage-collector threads count): less sensitive to other load on the machine.');
  out.push('', '² the same benchmark with operator fusion off (`SLUICE_FUSE=0`, runtimes/local/fuse.ts), in another process: what fusion gains. Fusion changes only chains of two or more stateless operators (here map → filter → map); on the other rows the difference is run-to-run noise.');
  out.push('', `³ ${observedNote(...observedCounts())}`);
  out.push('', `Each in-memory benchmark runs in a process of its own: one run of each side whose outputs are compared (also the warm-up), then the best of 5 of each side, alternating. Records come from a generator through \`Sources.fromIterable\` (pace \`asap\`, maxBatchSize ${BATCH}) and end in a \`Sinks.foreachBatch\` sink that counts; the loop reads the same records from a generator and counts the same output.`);
  out.push('', ...results.rows.map((r) => `- **${r.name}**: ${r.note}`));
  out.push('', `Command: \`${cmd}\``);
  return out.join('\n');
}

/** Heading of RESULTS.md's last part: earlier dated runs and investigations, kept as they are by a full run. */
const HISTORY_HEADING = '# Earlier runs and investigations';

/** The history part of the current RESULTS.md (from its heading to the end), or nothing. */
function keptHistory(): string {
  const md = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const at = md.indexOf(`\n${HISTORY_HEADING}\n`);
  return at < 0 ? '' : `${md.slice(at + 1).trimEnd()}\n`;
}

async function main(argv: string[]): Promise<void> {
  const only = argv.filter((a) => !a.startsWith('-'));
  if (only.length === 1 && only[0] === 'ui') { console.log(renderUiLoad(await measureUiLoad())); return; }
  if (only.length === 1 && only[0] === 'kafka') { await runKafkaGroup('npm run bench -- kafka'); return; }
  if (only.length === 1 && only[0] === 'kafkacluster') { console.log(`\n${renderClusterKafka(await runClusterKafka(), 'npm run bench -- kafkacluster')}\n`); return; }
  if (only.length === 1 && only[0] === 'io') { console.log(await runIoBenches()); return; }
  if (only.length === 1 && only[0] === 'straggler') { await settleLoad(); console.log(`\n${renderStraggler(await runStraggler(), 'npm run bench -- straggler')}\n`); return; }
  if (only[0] === 'observed') {
    const ids = only.length > 1 ? only.slice(1) : Object.keys(CASES);
    for (const id of ids) if (!CASES[id]) throw new Error(`no in-memory benchmark ${id} (${Object.keys(CASES).join(', ')})`);
    const load = os.loadavg();
    const rows: Array<{ name: string; summary: ObservedRatios }> = [];
    for (const id of ids) rows.push({ name: CASES[id].name, summary: await measureObservedPairs(id) });
    const [processes, reps] = observedCounts();
    const env = processes !== OBSERVED_PROCESSES || reps !== OBSERVED_REPS ? `SLUICE_BENCH_PROCESSES=${processes} SLUICE_BENCH_REPS=${reps} ` : '';
    console.log(`\n${renderObserved(rows, `${env}npm run bench -- ${only.join(' ')}`, load, processes, reps)}\n\nload average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
    return;
  }
  const groups = ['cluster', 'split', 'longline', 'eventtime'];
  for (const id of only) if (!CASES[id] && id !== 'file' && !groups.includes(id)) throw new Error(`no benchmark ${id} (benchmarks: ${[...Object.keys(CASES), 'file', ...groups].join(', ')})`);
  const local = only.filter((id) => !groups.includes(id));
  const started = new Date();
  const load = os.loadavg()[0];
  const t0 = performance.now();
  const results: Results = { rows: [] };
  const cmd = only.length ? `npm run bench -- ${only.join(' ')}` : 'npm run bench';
  const cpu = os.cpus();
  const machine = `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${mb(os.totalmem())} RAM · ${os.type()} ${os.release()} · Node ${process.version}`;
  let body = '';
  let seconds = 0;
  if (!only.length || local.length) {
    await runCases(local.length ? local.filter((id) => id !== 'file') : Object.keys(CASES), results);
    if (!local.length || local.includes('file')) await runFiles(results);
    seconds = (performance.now() - t0) / 1000;
    body = render(results, cmd);
    console.log(`\n${body}\n\n(${seconds.toFixed(0)} s)`);
  }
  let cluster: ClusterResults | undefined;
  let clusterBody = '';
  if (!only.length || only.includes('cluster')) {
    if (!only.length) await settleLoad();
    cluster = await runClusterBenches();
    clusterBody = renderCluster(cluster, cmd);
    console.log(`\n${clusterBody}\n\n(${cluster.seconds.toFixed(0)} s)`);
  }
  let splitBody = '';
  if (!only.length || only.includes('split')) {
    await settleLoad();
    splitBody = renderSplit(await runSplit(), cmd);
    console.log(`\n${splitBody}\n`);
  }
  let longLineBody = '';
  if (!only.length || only.includes('longline')) {
    longLineBody = renderLongLine(await runLongLine(), cmd);
    console.log(`\n${longLineBody}\n`);
  }
  let eventTimeBody = '';
  if (!only.length || only.includes('eventtime')) {
    await settleLoad();
    eventTimeBody = renderEventTime(await runEventTime(), cmd);
    console.log(`\n${eventTimeBody}\n`);
  }
  if (only.length) return;
  await settleLoad();
  const stragglerBody = renderStraggler(await runStraggler(), cmd);
  console.log(`\n${stragglerBody}\n`);
  const ioBody = await runIoBenches(cmd);
  console.log(`\n${ioBody}\n`);
  const uiBody = renderUiLoad(await measureUiLoad());
  const md = [
    '# Local runtime benchmarks',
    '',
    `${started.toISOString()} · ${machine} · load average ${load.toFixed(2)} at the start · ${seconds.toFixed(0)} s in all`,
    '',
    body,
    '',
    '# Cluster runtime benchmarks',
    '',
    `${cluster!.started} · the same machine and run · load average ${cluster!.load.toFixed(2)} at the start of this section · ${cluster!.seconds.toFixed(0)} s`,
    '',
    clusterBody,
    '',
    '# Word count over a split text file on the cluster',
    '',
    splitBody,
    '',
    '# Event-time windows on the cluster',
    '',
    eventTimeBody,
    '',
    '# A slow worker: balanced against equal slices',
    '',
    stragglerBody,
    '',
    '# Reading a file with one 50 MB line',
    '',
    longLineBody,
    '',
    '# Local runtime I/O against hand-written loops',
    '',
    ioBody,
    '',
    '# Web UI page load',
    '',
    uiBody,
    '',
    // The Kafka group runs on its own (`npm run bench -- kafka`, it needs a broker): its last section is kept.
    keptKafkaSection(),
    keptHistory(),
  ].join('\n');
  writeFileSync(RESULTS, md);
  console.log(`wrote ${RESULTS}`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
