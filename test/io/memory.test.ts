import avro from 'avsc';
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Pipeline, S, Sources, seconds, type Source } from '../../src/index.js';
import { tempDir } from './helpers.js';

const MB = 1024 * 1024;

// A full GC before each sample, so heapUsed measures what is retained, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Counts the records of `source` through a pipeline (10 000 a batch), sampling the heap after every batch. */
async function countWithHeap(source: Source<unknown>) {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  let records = 0;
  let largest = 0;
  let batches = 0;
  const p = Pipeline.create('count', { batchInterval: seconds(1) });
  p.source(source).count().foreachBatch((counts) => {
    records += counts[0] ?? 0;
    largest = Math.max(largest, counts[0] ?? 0);
    if (++batches % 5 === 0) gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  });
  await p.run({ maxBatchSize: 10_000 });
  return { records, largest, batches, growthMB: (peak - base) / MB };
}

async function write(stream: NodeJS.WritableStream, chunk: unknown): Promise<void> {
  if (!stream.write(chunk as string)) await once(stream, 'drain');
}

describe('bounded memory', () => {
  it('textFile streams a 1e6-line (~69 MB) file', { timeout: 120_000 }, async () => {
    const f = join(tempDir(), 'big.txt');
    const out = createWriteStream(f);
    const pad = 'x'.repeat(60);
    let chunk = '';
    for (let i = 0; i < 1_000_000; i++) {
      chunk += `${String(i).padStart(7, '0')} ${pad}\n`;
      if (chunk.length > MB) { await write(out, chunk); chunk = ''; }
    }
    out.end(chunk);
    await once(out, 'close');
    expect(statSync(f).size).toBeGreaterThan(65 * MB);

    const r = await countWithHeap(Sources.textFile(f));
    expect(r.records).toBe(1_000_000);
    expect(r.largest).toBe(10_000);
    expect(r.batches).toBe(101);
    // Holding the file would take > 69 MB for the text alone (about 110 MB as a million strings).
    expect(r.growthMB).toBeLessThan(60);
  });

  it('avroFile decodes a ~50 MB container file block by block', { timeout: 120_000 }, async () => {
    const R = S.record('R', { id: S.long(), pad: S.string() });
    const f = join(tempDir(), 'big.avro');
    const enc = new avro.streams.BlockEncoder(R.avroType(), { blockSize: 64 * 1024 });
    const out = createWriteStream(f);
    enc.pipe(out);
    const pad = 'x'.repeat(100);
    for (let i = 0; i < 500_000; i++) await write(enc, { id: i, pad });
    enc.end();
    await once(out, 'close');
    expect(statSync(f).size).toBeGreaterThan(50 * MB);

    const r = await countWithHeap(Sources.avroFile(f, R));
    expect(r.records).toBe(500_000);
    expect(r.largest).toBe(10_000);
    expect(r.growthMB).toBeLessThan(40);
  });
});
