/**
 * The jobs of the I/O benchmarks (io.ts), each run in a process of its own so that its peak
 * RSS is its own:
 *
 * - `json`: stateless JSON parse → filter → map → JSON-lines file. sluice:
 *   `Sources.jsonLines` → filter → map → `Sinks.jsonLines` (part files, fsynced, manifest);
 *   the loop: a read stream split into lines, `JSON.parse`, the same filter and map,
 *   `JSON.stringify` into one file written in 1 MiB chunks and fsynced at the end.
 * - `wordcount`: word count over a text file, default settings (batches of the local
 *   runtime's default `maxBatchSize` lines). sluice: `Sources.textFile` → flatMap(split)
 *   → map(pair(w, 1)) → reduceByKey(+) → a sink that folds each batch into a digest; the
 *   loop: the same lines cut into batches of the same size, counted per batch in a Map.
 *
 *   node --import tsx bench/io-jobs.ts <json|wordcount> <sluice|loop> <input> [output dir]
 *
 * @module
 */
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Pipeline, Sinks, Sources, pair, seconds } from '../src/index.js';
import { Digest, timed, type Timing } from './harness.js';

/** The local runtime's default batch size (lines a batch of a file source). */
export const DEFAULT_BATCH = 100_000;

/** One input record of the JSON job. */
export interface Event { readonly id: number; readonly user: string; readonly amount: number; readonly kind: string }

const KINDS = ['click', 'view', 'buy', 'view'];

/** Writes `n` JSON lines of {@link Event} to `path`. */
export function writeEvents(path: string, n: number): void {
  const fd = openSync(path, 'w');
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += `${JSON.stringify({ id: i, user: `u${i % 10_000}`, amount: (i % 1000) / 10, kind: KINDS[i & 3] })}\n`;
    if (chunk.length > 1 << 20) { writeSync(fd, chunk); chunk = ''; }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

/** Writes `lines` lines of 10 words from a 10k-word vocabulary to `path`. */
export function writeWords(path: string, lines: number): void {
  const fd = openSync(path, 'w');
  let chunk = '';
  let x = 12345;
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    for (let j = 0; j < 10; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      words.push(`w${x % 10_000}`);
    }
    chunk += `${words.join(' ')}\n`;
    if (chunk.length > 1 << 20) { writeSync(fd, chunk); chunk = ''; }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}

const keep = (e: Event) => e.kind !== 'view';
const project = (e: Event) => ({ user: e.user, cents: Math.round(e.amount * 100), id: e.id });

async function sluiceJson(input: string, out: string): Promise<number> {
  const p = Pipeline.create('bench-json', { batchInterval: seconds(1) });
  p.source(Sources.jsonLines<Event>(input)).filter(keep).map(project).to(Sinks.jsonLines(out));
  const { metrics } = await p.run({ pace: 'asap' });
  return metrics.records[p.plan().nodes.find((n) => n.kind === 'map')!.id] ?? 0;
}

/** Lines of a file, in chunks of `batch` lines (the last one shorter), as textFile cuts them. */
async function eachBatch(path: string, batch: number, f: (lines: string[]) => void): Promise<void> {
  let lines: string[] = [];
  let partial = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const text = partial + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      lines.push(text.slice(start, nl));
      start = nl + 1;
      if (lines.length === batch) { f(lines); lines = []; }
    }
    partial = text.slice(start);
  }
  if (partial) lines.push(partial);
  if (lines.length) f(lines);
}

async function loopJson(input: string, out: string): Promise<number> {
  mkdirSync(out, { recursive: true });
  const fd = openSync(join(out, 'out.jsonl'), 'w');
  let n = 0;
  let text = '';
  await eachBatch(input, DEFAULT_BATCH, (lines) => {
    for (const line of lines) {
      const e = JSON.parse(line) as Event;
      if (!keep(e)) continue;
      text += `${JSON.stringify(project(e))}\n`;
      n++;
      if (text.length >= 1 << 20) { writeSync(fd, text); text = ''; }
    }
  });
  if (text) writeSync(fd, text);
  fsyncSync(fd);
  closeSync(fd);
  return n;
}

async function sluiceWordCount(input: string, d: Digest): Promise<number> {
  const p = Pipeline.create('bench-wordcount', { batchInterval: seconds(1) });
  p.source(Sources.textFile(input))
    .flatMap((l) => l.split(' '))
    .map((w) => pair(w, 1))
    .reduceByKey((a, b) => a + b)
    .to(Sinks.foreachBatch((rs) => d.batch(rs)));
  await p.run({ pace: 'asap' });
  return d.n;
}

async function loopWordCount(input: string, d: Digest): Promise<number> {
  await eachBatch(input, DEFAULT_BATCH, (lines) => {
    const counts = new Map<string, number>();
    for (const line of lines) for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
    d.batch([...counts]);
  });
  return d.n;
}

/** What one run reports to io.ts. */
export interface JobReport {
  readonly seconds: Timing;
  /** Records written (json) or emitted (wordcount). */
  readonly outputs: number;
  /** Digest of the word count output (0 for json). */
  readonly hash: number;
  readonly peakRss: number;
}

async function main([job, side, input, out]: string[]): Promise<JobReport> {
  const d = new Digest();
  let outputs = 0;
  const seconds = await timed(async () => {
    if (job === 'json') outputs = await (side === 'sluice' ? sluiceJson : loopJson)(input!, out!);
    else if (job === 'wordcount') outputs = await (side === 'sluice' ? sluiceWordCount : loopWordCount)(input!, d);
    else throw new Error(`io-jobs: unknown job ${job}`);
  });
  return { seconds, outputs, hash: d.hash, peakRss: process.resourceUsage().maxRSS * 1024 };
}

if (process.send) {
  main(process.argv.slice(2)).then(
    (r) => process.send!(r, undefined, undefined, () => process.exit(0)),
    (e) => { console.error(e); process.exit(1); },
  );
}
