/**
 * `npm run bench`: the local runtime's benchmarks, each beside a hand-written loop doing the
 * same work in the same process. Every benchmark runs in a child process of its own
 * (worker.ts), so JIT state and peak RSS are its own. Prints the tables and writes
 * bench/RESULTS.md.
 *
 *   npm run bench                  everything (a few minutes), writes RESULTS.md
 *   npm run bench -- stateless window   only those in-memory cases; RESULTS.md untouched
 *
 * @module
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, WINDOW_BATCHES } from './cases.js';
import { FILE_KEYS, writeKeyedLines } from './file.js';
import { BATCH, type Row } from './harness.js';
import type { ProcessReport } from './worker.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
/** Peak RSS of the 10M-line run may be at most this many times that of the 1M-line run. */
const RSS_GROWTH_MAX = 1.25;
const FILE_SIZES = [1_000_000, 10_000_000];

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
  rows: Array<Row & { unfused?: number }>;
  memory?: { idle: number; sluice: ProcessReport[]; baseline: ProcessReport[] };
}

async function runCases(ids: string[], results: Results): Promise<void> {
  for (const id of ids) {
    process.stderr.write(`bench: ${id} …\n`);
    const row = await child<Row>(['case', id]);
    const unfused = await child<Row>(['case', id], { SLUICE_FUSE: '0' });
    results.rows.push({ ...row, unfused: unfused.sluice.cpu / unfused.baseline.cpu });
  }
}

async function runFiles(results: Results): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-'));
  try {
    const sluice: ProcessReport[] = [];
    const baseline: ProcessReport[] = [];
    const idle = (await child<ProcessReport>(['idle'])).peakRss;
    for (const n of FILE_SIZES) {
      process.stderr.write(`bench: file of ${count(n)} lines …\n`);
      const path = join(dir, `pairs-${n}.txt`);
      writeKeyedLines(path, n);
      const s = await child<ProcessReport>(['file', 'sluice', path]);
      const b = await child<ProcessReport>(['file', 'baseline', path]);
      rmSync(path);
      if (s.outputs !== b.outputs || s.hash !== b.hash) {
        throw new Error(`file of ${n} lines: sluice and the baseline disagree (${s.outputs} records, hash ${s.hash} vs ${b.outputs}, ${b.hash})`);
      }
      sluice.push(s);
      baseline.push(b);
    }
    results.memory = { idle, sluice, baseline };
    const last = FILE_SIZES.length - 1;
    const n = FILE_SIZES[last];
    results.rows.push({
      name: `reduceByKeyAndWindow over a ${count(n)}-line file`,
      records: n,
      sluice: { wall: n / sluice[last].seconds.wall, cpu: n / sluice[last].seconds.cpu },
      baseline: { wall: n / baseline[last].seconds.wall, cpu: n / baseline[last].seconds.cpu },
      target: 1 / 4,
      note: `lines \`k<i mod ${FILE_KEYS}>,<i mod 16>\` in a temporary file; sluice: \`Sources.textFile\` → map(parse) → the window of the row above; baseline: a 64 KiB read stream split into lines, the same parse and window sums. One run each, in separate processes (for their peak RSS).`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(results: Results, cmd: string): string {
  const out: string[] = [];
  out.push(table(
    ['benchmark', 'records', 'sluice rec/s', 'loop rec/s', 'ratio', 'target', 'result', 'wall-clock: sluice, loop, ratio', 'ratio unfused'],
    results.rows.map((r) => {
      const ratio = r.sluice.cpu / r.baseline.cpu;
      const wall = `${rate(r.sluice.wall)}, ${rate(r.baseline.wall)}, ${(r.sluice.wall / r.baseline.wall).toFixed(3)}`;
      return [r.name, count(r.records), rate(r.sluice.cpu), rate(r.baseline.cpu), ratio.toFixed(3), `≥ ${frac(r.target)}`, ratio >= r.target ? 'PASS' : 'FAIL', wall, r.unfused === undefined ? '' : r.unfused.toFixed(3)];
    }),
  ));
  const m = results.memory;
  if (m) {
    const growth = m.sluice[m.sluice.length - 1].peakRss / m.sluice[0].peakRss;
    const growthAboveIdle = (m.sluice[m.sluice.length - 1].peakRss - m.idle) / (m.sluice[0].peakRss - m.idle);
    out.push('', `Peak RSS of the windowed run over a file (${FILE_KEYS / 1000}k keys, window ${WINDOW_BATCHES} batches of ${count(BATCH)} lines), one process per run; a process that only loads sluice peaks at ${mb(m.idle)}:`, '');
    out.push(table(
      ['lines', 'sluice peak RSS', 'loop peak RSS', 'sluice', 'loop'],
      FILE_SIZES.map((n, i) => [count(n), mb(m.sluice[i].peakRss), mb(m.baseline[i].peakRss), rate(n / m.sluice[i].seconds.cpu), rate(n / m.baseline[i].seconds.cpu)]),
    ));
    out.push('', table(
      ['memory check', 'value', 'target', 'result'],
      [
        [`sluice peak RSS, ${count(FILE_SIZES[FILE_SIZES.length - 1])} ÷ ${count(FILE_SIZES[0])} lines`, growth.toFixed(2), `≤ ${RSS_GROWTH_MAX}`, growth <= RSS_GROWTH_MAX ? 'PASS' : 'FAIL'],
        ['the same, above the idle process', growthAboveIdle.toFixed(2), '(for information)', ''],
      ],
    ));
  }
  out.push('', `¹ the same benchmark with operator fusion off (\`SLUICE_FUSE=0\`, runtimes/local/fuse.ts), in another process.`);
  out.push('', 'Each in-memory benchmark: one run of each side whose outputs are compared (also the warm-up), then the best of 3 of each side, alternating, in the same process. Records come from a generator through `Sources.fromIterable` (pace `asap`, ' + `maxBatchSize ${BATCH}) and end in a \`Sinks.foreachBatch\` sink that counts; the loop reads the same generator and counts the same output.`);
  out.push('', ...results.rows.map((r) => `- **${r.name}**: ${r.note}`));
  out.push('', `Command: \`${cmd}\``);
  return out.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const only = argv.filter((a) => !a.startsWith('-'));
  for (const id of only) if (!CASES[id] && id !== 'file') throw new Error(`no benchmark ${id} (benchmarks: ${[...Object.keys(CASES), 'file'].join(', ')})`);
  const started = new Date();
  const load = os.loadavg()[0];
  const t0 = performance.now();
  const results: Results = { rows: [] };
  await runCases(only.length ? only.filter((id) => id !== 'file') : Object.keys(CASES), results);
  if (!only.length || only.includes('file')) await runFiles(results);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = os.cpus();
  const cmd = only.length ? `npm run bench -- ${only.join(' ')}` : 'npm run bench';
  const body = render(results, cmd);
  console.log(`\n${body}\n\n(${seconds.toFixed(0)} s)`);
  if (only.length) return;
  const md = [
    '# Local runtime benchmarks',
    '',
    `${started.toISOString()} · ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${mb(os.totalmem())} RAM · ${os.type()} ${os.release()} · Node ${process.version} · load average ${load.toFixed(2)} at the start · ${seconds.toFixed(0)} s in all`,
    '',
    body,
    '',
  ].join('\n');
  writeFileSync(RESULTS, md);
  console.log(`wrote ${RESULTS}`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
