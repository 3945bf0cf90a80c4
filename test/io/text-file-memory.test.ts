import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Pipeline, Sources, seconds } from '../../src/index.js';
import { tempDir } from './helpers.js';

const LINES = 1_000_000;
const MB = 1024 * 1024;

async function bigFile(): Promise<string> {
  const f = join(tempDir(), 'big.txt');
  const out = createWriteStream(f);
  const pad = 'x'.repeat(60);
  let chunk = '';
  for (let i = 0; i < LINES; i++) {
    chunk += `${String(i).padStart(7, '0')} ${pad}\n`;
    if (chunk.length > 1 << 20) { if (!out.write(chunk)) await once(out, 'drain'); chunk = ''; }
  }
  out.end(chunk);
  await once(out, 'close');
  return f;
}

describe('Sources.textFile memory', () => {
  it('streams a 1e6-line (~69 MB) file in bounded memory', { timeout: 120_000 }, async () => {
    const f = await bigFile();
    expect(statSync(f).size).toBeGreaterThan(65 * MB);
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let lines = 0;
    let batches = 0;
    let maxBatch = 0;
    const p = Pipeline.create('count', { batchInterval: seconds(1) });
    p.source(Sources.textFile(f)).count().foreachBatch((counts) => {
      lines += counts[0] ?? 0;
      maxBatch = Math.max(maxBatch, counts[0] ?? 0);
      batches++;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    });
    await p.run({ maxBatchSize: 10_000 });
    expect(lines).toBe(LINES);
    expect(maxBatch).toBe(10_000);
    expect(batches).toBeGreaterThanOrEqual(100);
    // Reading the whole file would take > 69 MB for the text alone (more as a million strings).
    expect((peak - base) / MB).toBeLessThan(60);
  });
});
