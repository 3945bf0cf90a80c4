/**
 * I/O benchmarks of the local runtime against hand-written loops (issue 6 targets), each run
 * in a process of its own (io-jobs.ts), the sides alternating:
 *
 * - stateless JSON parse → filter → map → JSON-lines file: sluice ≥ 0.8 × the loop's rate;
 * - word count over a 10 M-word file, default settings: sluice's peak RSS ≤ 2 × the loop's.
 *
 *   npm run bench -- io        (RESULTS.md untouched; the full `npm run bench` includes it)
 *
 * @module
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEvents, writeWords, type JobReport } from './io-jobs.js';

const JOB = fileURLToPath(new URL('./io-jobs.ts', import.meta.url));
const JSON_RECORDS = 2_000_000;
const WORD_LINES = 1_000_000;
const RUNS = 3;

function run(args: string[]): Promise<JobReport> {
  return new Promise((resolve, reject) => {
    const c = fork(JOB, args, { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: JobReport | undefined;
    c.on('message', (m) => { result = m as JobReport; });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`io-jobs ${args.join(' ')} exited with ${code}`))));
  });
}

/** Side by side: RUNS runs of each side, alternating; best wall time, median peak RSS. */
interface Pair { sluice: JobReport[]; loop: JobReport[] }

async function sideBySide(job: string, input: string, dir: string): Promise<Pair> {
  const out: Pair = { sluice: [], loop: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const side of i % 2 ? ['loop', 'sluice'] as const : ['sluice', 'loop'] as const) {
      const target = join(dir, `out-${job}-${side}-${i}`);
      out[side].push(await run([job, side, input, target]));
      rmSync(target, { recursive: true, force: true });
    }
  }
  return out;
}

const best = (rs: JobReport[]) => Math.min(...rs.map((r) => r.seconds.wall));
const bestCpu = (rs: JobReport[]) => Math.min(...rs.map((r) => r.seconds.cpu));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const rate = (n: number, s: number) => `${(n / s / 1e6).toFixed(2)} M/s`;

/** Measures both benchmarks and returns the RESULTS.md section. */
export async function runIoBenches(cmd = 'npm run bench -- io'): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-io-'));
  try {
    const load = os.loadavg()[0]!;
    const events = join(dir, 'events.jsonl');
    writeEvents(events, JSON_RECORDS);
    const json = await sideBySide('json', events, dir);
    for (const r of [...json.sluice, ...json.loop]) if (r.outputs !== json.loop[0]!.outputs) throw new Error(`json: outputs differ (${r.outputs} vs ${json.loop[0]!.outputs})`);
    rmSync(events);
    const words = join(dir, 'words.txt');
    writeWords(words, WORD_LINES);
    const wc = await sideBySide('wordcount', words, dir);
    for (const r of wc.sluice) if (r.hash !== wc.loop[0]!.hash || r.outputs !== wc.loop[0]!.outputs) throw new Error('wordcount: sluice and the loop disagree');
    const jsonRatio = best(json.loop) / best(json.sluice);
    const jsonCpu = bestCpu(json.loop) / bestCpu(json.sluice);
    const rssRatio = median(wc.sluice.map((r) => r.peakRss)) / median(wc.loop.map((r) => r.peakRss));
    const lines = [
      `${new Date().toISOString()} · load average ${load.toFixed(2)} at the start (${os.loadavg()[0]!.toFixed(2)} at the end) · \`${cmd}\``,
      '',
      '| benchmark | records | sluice | hand-written loop | ratio | target | result | ratio by CPU time |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      `| JSON lines → filter → map → JSON-lines file | ${JSON_RECORDS / 1e6} M | ${rate(JSON_RECORDS, best(json.sluice))} | ${rate(JSON_RECORDS, best(json.loop))} | ${jsonRatio.toFixed(3)} | ≥ 0.8 | ${jsonRatio >= 0.8 ? 'PASS' : 'FAIL'} | ${jsonCpu.toFixed(3)} |`,
      `| word count, 10 M words, default settings: peak RSS | ${WORD_LINES * 10 / 1e6} M | ${mib(median(wc.sluice.map((r) => r.peakRss)))} (${rate(WORD_LINES * 10, best(wc.sluice))}) | ${mib(median(wc.loop.map((r) => r.peakRss)))} (${rate(WORD_LINES * 10, best(wc.loop))}) | ${rssRatio.toFixed(2)} | ≤ 2 | ${rssRatio <= 2 ? 'PASS' : 'FAIL'} |  |`,
      '',
      `JSON: ${JSON_RECORDS / 1e6} M lines \`{"id","user","amount","kind"}\` (one in two kept); sluice \`Sources.jsonLines\` → filter → map → \`Sinks.jsonLines\` (a part file per batch of 100 k, fsynced, and the manifest); the loop reads 64 KiB chunks, splits lines, \`JSON.parse\`, the same filter and map, \`JSON.stringify\` into one file written in 1 MiB chunks, fsynced at the end. Word count: ${WORD_LINES / 1e6} M lines of 10 words over a 10k vocabulary; sluice \`Sources.textFile\` → flatMap(split) → map(pair) → reduceByKey(+) → foreachBatch digest, default settings (batches of 100 k lines); the loop counts the same batches in a Map. ${RUNS} runs of each side, alternating, each in a process of its own; best wall time, median peak RSS; outputs checked equal.`,
    ];
    return lines.join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runIoBenches(`node --import tsx bench/io.ts`).then((s) => console.log(s), (e) => { console.error(e); process.exitCode = 1; });
}
