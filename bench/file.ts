/**
 * The file benchmark: a windowed aggregation over a text file of `key,value` lines, read
 * as a stream (sluice with `Sources.textFile`, the baseline with a read stream and a line
 * splitter). Run once per process so that the process's peak RSS is the run's.
 *
 * @module
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { Pipeline, Sources, millis, pair } from '../src/index.js';
import { WINDOW_BATCHES, WindowedSums } from './cases.js';
import { BATCH, BATCH_MS, keyTable, sinkTo, type Output } from './harness.js';

/** Keys in the file. */
export const FILE_KEYS = 10_000;

/** Writes `n` lines `k<i mod keys>,<i mod 16>` to `path`. */
export function writeKeyedLines(path: string, n: number, keys = FILE_KEYS): void {
  const table = keyTable(keys);
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    for (let i = 0; i < n; i++) {
      chunk += `${table[i % keys]},${i & 15}\n`;
      if (chunk.length > 1 << 20) { writeSync(fd, chunk); chunk = ''; }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** `k12,7` → `['k12', 7]`. */
export function parseLine(line: string): readonly [string, number] {
  const c = line.indexOf(',');
  return pair(line.slice(0, c), +line.slice(c + 1));
}

const add = (a: number, b: number) => a + b;
const sub = (a: number, b: number) => a - b;

/** sluice: textFile → map(parseLine) → reduceByKeyAndWindow(+, 10 batches, 1 batch, inverse −). */
export async function sluiceFile(path: string, out: Output): Promise<void> {
  const p = Pipeline.create('bench-file', { batchInterval: millis(BATCH_MS) });
  p.source(Sources.textFile(path))
    .map(parseLine)
    .reduceByKeyAndWindow(add, millis(WINDOW_BATCHES * BATCH_MS), millis(BATCH_MS), { inverse: sub })
    .to(sinkTo(out));
  await p.run({ pace: 'asap', maxBatchSize: BATCH });
}

/**
 * The hand-written loop: 64 KiB chunks of the file, split into lines, parsed, and the same
 * incremental window sums as the in-memory window baseline. Batches are cut where
 * textFile cuts them (BATCH lines, then what is left at the end of the file, possibly none).
 */
export async function baselineFile(path: string, out: Output): Promise<void> {
  const w = new WindowedSums(WINDOW_BATCHES, out);
  let inBatch = 0;
  let partial = '';
  const line = (l: string) => {
    const kv = parseLine(l.endsWith('\r') ? l.slice(0, -1) : l);
    w.add(kv[0], kv[1]);
    if (++inBatch === BATCH) { w.endBatch(); inBatch = 0; }
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    const lines = (partial + (chunk as string)).split('\n');
    partial = lines.pop()!;
    for (let i = 0; i < lines.length; i++) line(lines[i]);
  }
  if (partial !== '') line(partial);
  w.endBatch();
  w.drain();
}
