/**
 * The long-line benchmark (issue 7): `Sources.textFile` over a file with one 50 MB line
 * among ordinary lines, against the same bytes as ordinary lines only. Reading must stay
 * linear (time within 2× of the ordinary file) and memory bounded by `maxRecordBytes`
 * (default 4 MiB), not by the line: the long line goes to dead letters with a preview.
 * Each run is a process of its own (this file, forked with `child`), so its peak RSS is
 * its own.
 *
 *   npx tsx bench/long-line.ts       this benchmark alone: prints its section, RESULTS.md untouched
 *   npm run bench -- longline        the same through run.ts
 *   npm run bench                    everything, this section included in RESULTS.md
 *
 * @module
 */
import { fork } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pipeline, Sinks, Sources, millis, type DeadLetter, type Sink } from '../src/index.js';
import { BATCH, BATCH_MS, Counter, timed, type Timing } from './harness.js';

const SELF = fileURLToPath(import.meta.url);
/** The long line: 50 MiB of one character. */
const LONG = 50 * 2 ** 20;
/** Ordinary lines before and after it (`k<i mod 10000>,<i mod 16>`, about 9 bytes each). */
const AROUND = 1_000_000;
/** Ordinary lines the long line's bytes become in the other file: 63 characters and a newline. */
const WIDTH = 64;
const RUNS = 3;
/** The default maxRecordBytes, and the one that lets the long line through as a record. */
const DEFAULT_MAX = 4 * 2 ** 20;
const ROOMY_MAX = 64 * 2 ** 20;

/** What one child run reports. */
interface Report {
  readonly seconds: Timing;
  readonly records: number;
  readonly deadLetters: number;
  readonly peakRss: number;
}

/** Writes the two files: `long` holds the 50 MiB line between the ordinary ones; `short` has the same bytes cut into 64-byte lines. */
function writeFiles(dir: string): { long: string; short: string; bytes: number } {
  let around = '';
  for (let i = 0; i < AROUND; i++) around += `k${i % 10_000},${i & 15}\n`;
  const files = { long: join(dir, 'long.txt'), short: join(dir, 'short.txt') };
  const block = 'x'.repeat(1 << 20);
  const shortBlock = block.replace(new RegExp(`(.{${WIDTH - 1}}).`, 'g'), '$1\n'); // same length, a newline every 64 bytes
  for (const [which, path] of Object.entries(files)) {
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, around);
      for (let i = 0; i < LONG / block.length; i++) writeSync(fd, which === 'long' ? block : shortBlock);
      writeSync(fd, '\n'); // ends the long line; in the other file, an empty line
      writeSync(fd, around);
    } finally {
      closeSync(fd);
    }
  }
  return { ...files, bytes: 2 * around.length + LONG + 1 };
}

/** In the child: reads `path` through textFile, counting records and dead letters. */
async function readFile(path: string, maxRecordBytes: number): Promise<Report> {
  const out = new Counter();
  let dead = 0;
  const deadLetters: Sink<DeadLetter> = { spec: { type: 'countDeadLetters' }, open: () => ({ write: (rs) => { dead += rs.length; }, close() {} }) };
  const p = Pipeline.create('bench-long-line', { batchInterval: millis(BATCH_MS), deadLetters });
  p.source(Sources.textFile(path, { maxRecordBytes })).to(Sinks.foreachBatch<string>((rs) => out.batch(rs)));
  const seconds = await timed(() => p.run({ pace: 'asap', maxBatchSize: BATCH }));
  return { seconds, records: out.n, deadLetters: dead, peakRss: process.resourceUsage().maxRSS * 1024 };
}

function child(path: string, maxRecordBytes: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const c = fork(SELF, ['child', path, String(maxRecordBytes)], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: Report | undefined;
    c.on('message', (m) => { result = m as Report; });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`long-line bench child ${path} exited with ${code}`))));
  });
}

/** Best time and median peak RSS of one side's runs. */
interface Side { readonly wall: number; readonly cpu: number; readonly peakRss: number; readonly records: number; readonly deadLetters: number }

/** The benchmark's figures. */
export interface LongLineResults {
  readonly bytes: number;
  readonly ordinary: Side;
  readonly long: Side;
  readonly roomy: Side;
}

function summarize(runs: Report[]): Side {
  const rss = runs.map((r) => r.peakRss).sort((a, b) => a - b);
  return {
    wall: Math.min(...runs.map((r) => r.seconds.wall)),
    cpu: Math.min(...runs.map((r) => r.seconds.cpu)),
    peakRss: rss[Math.floor(rss.length / 2)],
    records: runs[0].records,
    deadLetters: runs[0].deadLetters,
  };
}

/** Runs the benchmark: each side {@link RUNS} times, alternating, each run in a process of its own. */
export async function runLongLine(): Promise<LongLineResults> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-long-'));
  try {
    process.stderr.write('bench: one 50 MB line among ordinary lines …\n');
    const { long, short, bytes } = writeFiles(dir);
    const runs: Record<'ordinary' | 'long' | 'roomy', Report[]> = { ordinary: [], long: [], roomy: [] };
    for (let i = 0; i < RUNS; i++) {
      runs.ordinary.push(await child(short, DEFAULT_MAX));
      runs.long.push(await child(long, DEFAULT_MAX));
      runs.roomy.push(await child(long, ROOMY_MAX));
    }
    const r = { bytes, ordinary: summarize(runs.ordinary), long: summarize(runs.long), roomy: summarize(runs.roomy) };
    if (r.long.deadLetters !== 1 || r.long.records !== 2 * AROUND || r.roomy.records !== 2 * AROUND + 1 || r.ordinary.records !== 2 * AROUND + LONG / WIDTH + 1) {
      throw new Error(`long-line bench: unexpected counts ${JSON.stringify(r)}`);
    }
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const mbps = (bytes: number, s: number) => `${(bytes / 1e6 / s).toFixed(0)} MB/s`;

/** The section for RESULTS.md. */
export function renderLongLine(r: LongLineResults, cmd: string): string {
  const ratio = r.long.wall / r.ordinary.wall;
  const rssAbove = r.long.peakRss - r.ordinary.peakRss;
  const row = (name: string, s: Side) => `| ${name} | ${s.records.toLocaleString('en')} | ${s.deadLetters} | ${s.wall.toFixed(2)} s | ${mbps(r.bytes, s.wall)} | ${(s.wall / r.ordinary.wall).toFixed(2)} | ${mib(s.peakRss)} |`;
  return [
    `\`Sources.textFile\` over ${(r.bytes / 1e6).toFixed(0)} MB: ${AROUND / 1e6} M ordinary lines, one line of ${LONG / 2 ** 20} MiB, ${AROUND / 1e6} M ordinary lines; against the same bytes with a newline every ${WIDTH} bytes in place of the long line. ${RUNS} runs of each, alternating, each in a process of its own; best time, median peak RSS.`,
    '',
    '| file | records | dead letters | time | read | time ÷ ordinary | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    row('ordinary lines only', r.ordinary),
    row(`one ${LONG / 2 ** 20} MiB line, maxRecordBytes 4 MiB (default)`, r.long),
    row(`one ${LONG / 2 ** 20} MiB line, maxRecordBytes 64 MiB (the line is a record)`, r.roomy),
    '',
    '| check | value | target | result |',
    '| --- | --- | --- | --- |',
    `| time with the long line ÷ ordinary lines | ${ratio.toFixed(2)} | ≤ 2 | ${ratio <= 2 ? 'PASS' : 'FAIL'} |`,
    `| peak RSS with the long line − ordinary lines | ${mib(rssAbove)} | ≤ 2 × maxRecordBytes (${mib(2 * DEFAULT_MAX)}) | ${rssAbove <= 2 * DEFAULT_MAX ? 'PASS' : 'FAIL'} |`,
    '',
    `Before this change (issue 7) a 50 MB line took 41 s and 585 MB: each chunk was appended to the partial line and split again. Now the reader splits bytes: a line that goes on over chunks is kept as a list of chunks, and only up to maxRecordBytes of it; the long line goes to the dead-letter output with its first 1 KiB.`,
    '',
    `Command: \`${cmd}\``,
  ].join('\n');
}

if (process.argv[2] === 'child') {
  readFile(process.argv[3], Number(process.argv[4])).then(
    (r) => process.send!(r, undefined, undefined, () => process.exit(0)),
    (e) => { console.error(e); process.exit(1); },
  );
} else if (process.argv[1] === SELF) {
  runLongLine().then(
    (r) => console.log(`\n${renderLongLine(r, 'npx tsx bench/long-line.ts')}\n`),
    (e) => { console.error(e); process.exitCode = 1; },
  );
}
