/**
 * Sources read in slices by every worker (`Source.openSlice`) beyond `textFile`: on 1, 2 and
 * 4 workers the output is the local runtime's batch by batch and the dead letters are its
 * dead letters; a run stopped by `numBatches` resumes on another worker count; a resume over
 * changed input is refused.
 */
import avro from 'avsc';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../runtimes/cluster/pool.js';
import type { FromWorker } from '../../runtimes/cluster/protocol.js';
import type { DeadLetter } from '../../src/io/connector.js';
import { Reading, splitJob, type SplitKind } from './fixtures/split-jobs.js';

const fixtures = fileURLToPath(new URL('./fixtures/split-jobs.ts', import.meta.url));
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-split-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const deadText = (ds: readonly DeadLetter[]) => ds.map((d) => JSON.stringify([d.batchTime, d.origin, d.reason, d.raw])).sort();
const MAX = 7;
const cluster = (kind: SplitKind, path: string, more: object) =>
  ({ runtime: 'cluster', worker: { module: fixtures, export: 'splitJobPipeline', args: [kind, path] }, pace: 'asap', maxBatchSize: MAX, ...more }) as never;

/** The local run: batches and dead letters. */
async function local(kind: SplitKind, arg: string) {
  const j = splitJob(kind, arg);
  await j.pipeline.run({ pace: 'asap', maxBatchSize: MAX } as never);
  return j;
}

/**
 * Runs `kind`'s job on `workers` workers and checks it gives `expected`'s output batch by
 * batch and its dead letters; returns the records each worker's source read.
 */
async function sameAsLocal(kind: SplitKind, path: string, expected: Awaited<ReturnType<typeof local>>, workers: number): Promise<number[]> {
  const pool = WorkerPool.start({ workers, mode: 'module' });
  const read = new Array<number>(workers).fill(0);
  pool.workers.forEach((w, i) => w.child.on('message', (m: FromWorker) => { if (m.type === 'done') read[i] += m.records['source#0'] ?? 0; }));
  try {
    const j = splitJob(kind, path);
    const { metrics } = await j.pipeline.run(cluster(kind, path, { pool }));
    expect(j.out.batches).toEqual(expected.out.batches);
    expect(deadText(j.dead.records())).toEqual(deadText(expected.dead.records()));
    expect(metrics.deadLetters).toBe(expected.dead.records().length);
  } finally {
    await pool.close();
  }
  return read;
}

/** Runs `kind`'s job on 2 workers stopped after 5 batches, then resumed on 4 (a rescale): together they must be the local run. */
async function stoppedAndResumed(kind: SplitKind, path: string, ck: string, expected: Awaited<ReturnType<typeof local>>): Promise<void> {
  const first = splitJob(kind, path);
  await first.pipeline.run(cluster(kind, path, { workers: 2, checkpointDir: ck, numBatches: 5 }));
  const second = splitJob(kind, path);
  await second.pipeline.run(cluster(kind, path, { workers: 4, checkpointDir: ck }));
  expect([...first.out.batches.filter(([t]) => t <= 5000), ...second.out.batches]).toEqual(expected.out.batches);
  const dead = [...first.dead.records().filter((d) => d.batchTime <= 5000), ...second.dead.records()];
  expect(deadText(dead)).toEqual(deadText(expected.dead.records()));
}

/** 120 JSON lines: blank lines, invalid JSON, records that do not fit, a line too long and one not UTF-8 among them. */
function jsonFile(dir: string): string {
  const lines = Array.from({ length: 120 }, (_, i) =>
    i % 13 === 2 ? '' : i % 11 === 5 ? `{"sensor":"s${i}"` : i % 17 === 9 ? `{"sensor":"s${i}","celsius":"hot"}` : i === 40 ? `{"sensor":"${'x'.repeat(60)}","celsius":1}` : `{"sensor":"s${i}","celsius":${i / 2}}`);
  const path = join(dir, 'readings.jsonl');
  writeFileSync(path, Buffer.concat([Buffer.from(lines.slice(0, 70).join('\n') + '\n'), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from(lines.slice(70).join('\r\n'))]));
  return path;
}

describe('line files read in slices on the cluster runtime, with dead letters', () => {
  for (const kind of ['jsonLines', 'textFile'] as const) {
    it(`${kind} on 1, 2 and 4 workers: the local output batch by batch and the local dead letters`, async () => {
      const path = jsonFile(tmp());
      const expected = await local(kind, path);
      expect(expected.out.batches.length).toBe(17); // 119 text lines (two are not text), 7 a batch
      // JSON lines: blank, invalid and misfit lines; both: a line too long and one not UTF-8, in the middle of slices.
      expect(expected.dead.records().length).toBeGreaterThan(kind === 'jsonLines' ? 15 : 1);
      const records = expected.out.records().length;
      expect(await sameAsLocal(kind, path, expected, 1)).toEqual([records]);
      // Every worker parses its own slice of every batch.
      const two = await sameAsLocal(kind, path, expected, 2);
      expect(two.every((n) => n > 30)).toBe(true); // 3 and 4 lines of every 7
      expect(two[0] + two[1]).toBe(records);
      const four = await sameAsLocal(kind, path, expected, 4);
      expect(four.every((n) => n > 5)).toBe(true);
    }, 120_000);

    it(`${kind} stopped on 2 workers and resumed on 4 (a rescale): one local run; a resume over a changed file is refused`, async () => {
      const dir = tmp();
      const path = jsonFile(dir);
      const expected = await local(kind, path);
      const ck = join(dir, 'ck');
      const first = splitJob(kind, path);
      await first.pipeline.run(cluster(kind, path, { workers: 2, checkpointDir: ck, numBatches: 5 }));
      const second = splitJob(kind, path);
      await second.pipeline.run(cluster(kind, path, { workers: 4, checkpointDir: ck }));
      const until = 5000;
      expect([...first.out.batches.filter(([t]) => t <= until), ...second.out.batches]).toEqual(expected.out.batches);
      const dead = [...first.dead.records().filter((d) => d.batchTime <= until), ...second.dead.records()];
      expect(deadText(dead)).toEqual(deadText(expected.dead.records()));

      const ck2 = join(dir, 'ck2');
      await splitJob(kind, path).pipeline.run(cluster(kind, path, { workers: 2, checkpointDir: ck2, numBatches: 3 }));
      writeFileSync(path, '{"sensor":"other","celsius":0}\n'.repeat(40));
      const again = splitJob(kind, path);
      await expect(again.pipeline.run(cluster(kind, path, { workers: 2, checkpointDir: ck2 }))).rejects.toThrow(new RegExp(`source#0 \\(${kind}\\) reads .*readings.jsonl, which changed since the checkpoint`));
      expect(again.out.batches).toEqual([]);
    }, 120_000);
  }
});

/** A CSV file: a header, quoted fields over lines, stray quotes, rows of the wrong width, misfits, blank lines, a line not UTF-8. */
function csvFile(dir: string): string {
  const rows = Array.from({ length: 110 }, (_, i) =>
    i % 13 === 2 ? '' : i % 11 === 5 ? `s${i},"${i / 2}\n0"` : i % 17 === 9 ? `s${i},hot` : i % 19 === 4 ? `s${i}` : i === 40 ? `"s${i},1` : i % 7 === 3 ? `"s\n${i}",${i}` : `s${i},${i / 2}`);
  const path = join(dir, 'readings.csv');
  writeFileSync(path, Buffer.concat([Buffer.from(['sensor,celsius', ...rows.slice(0, 70)].join('\n') + '\n'), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from(rows.slice(70).join('\r\n'))]));
  return path;
}

describe('csv read in slices on the cluster runtime', () => {
  it('on 1, 2 and 4 workers: the local output batch by batch and the local dead letters; stopped on 2 and resumed on 4', async () => {
    const dir = tmp();
    const path = csvFile(dir);
    const expected = await local('csv', path);
    expect(expected.dead.records().length).toBeGreaterThan(15);
    expect(expected.out.records().some((r) => r.includes('\\n'))).toBe(true); // quoted fields over lines
    const records = expected.out.records().length;
    expect(await sameAsLocal('csv', path, expected, 1)).toEqual([records]);
    const two = await sameAsLocal('csv', path, expected, 2);
    expect(two.every((n) => n > 20)).toBe(true);
    expect(two[0] + two[1]).toBe(records);
    expect((await sameAsLocal('csv', path, expected, 4)).every((n) => n > 3)).toBe(true);

    await stoppedAndResumed('csv', path, join(dir, 'ck'), expected);
  }, 180_000);
});

/** 130 Readings in an Avro file of small blocks; every 9th sensor is not a uuid (a dead letter when read as UuidReading). */
async function avroReadings(dir: string): Promise<string> {
  const path = join(dir, 'readings.avro');
  const enc = new avro.streams.BlockEncoder(Reading.avroType(), { blockSize: 256, codec: 'deflate' });
  const file = createWriteStream(path);
  enc.pipe(file);
  for (let i = 0; i < 130; i++) enc.write({ sensor: i % 9 === 4 ? `s${i}` : `123e4567-e89b-12d3-a456-${String(i).padStart(12, '0')}`, celsius: i / 2 });
  enc.end();
  await once(file, 'close');
  return path;
}

describe('an Avro file read in slices on the cluster runtime', () => {
  it('on 1, 2 and 4 workers: the local output batch by batch and the local dead letters; stopped on 2 and resumed on 4', async () => {
    const dir = tmp();
    const path = await avroReadings(dir);
    const expected = await local('avroFile', path);
    expect(expected.out.batches.length).toBe(19); // 130 records, 7 a batch
    expect(expected.dead.records().length).toBe(14);
    const records = expected.out.records().length;
    expect(await sameAsLocal('avroFile', path, expected, 1)).toEqual([records]);
    const two = await sameAsLocal('avroFile', path, expected, 2);
    expect(two.every((n) => n > 40)).toBe(true); // 3 and 4 records of every 7
    expect(two[0] + two[1]).toBe(records);
    expect((await sameAsLocal('avroFile', path, expected, 4)).every((n) => n > 10)).toBe(true);

    await stoppedAndResumed('avroFile', path, join(dir, 'ck'), expected);
  }, 180_000);
});

describe('memory sources read in slices on the cluster runtime', () => {
  for (const kind of ['array', 'batches'] as const) {
    it(`${kind}: on 1, 2 and 4 workers the local output batch by batch, every worker reading its slice`, async () => {
      const expected = await local(kind, '0');
      expect(expected.out.records().length).toBe(150);
      expect(await sameAsLocal(kind, '0', expected, 1)).toEqual([150]);
      const two = await sameAsLocal(kind, '0', expected, 2);
      expect(two.every((n) => n > 50)).toBe(true);
      expect((await sameAsLocal(kind, '0', expected, 4)).every((n) => n > 20)).toBe(true);
    }, 120_000);

    it(`${kind}: stopped on 4 workers, resumed on 1 worker with 3 partitions: one local run; a resume over other records is refused`, async () => {
      const expected = await local(kind, '0');
      const dir = tmp();
      const first = splitJob(kind, '0');
      await first.pipeline.run(cluster(kind, '0', { workers: 4, checkpointDir: dir, numBatches: 4 }));
      const second = splitJob(kind, '0');
      await second.pipeline.run(cluster(kind, '0', { workers: 1, partitions: 3, checkpointDir: dir }));
      expect([...first.out.batches.filter(([t]) => t <= 4000), ...second.out.batches]).toEqual(expected.out.batches);

      // The same number of records in another order: the resume is refused before any batch.
      const ck = join(dir, 'other');
      await splitJob(kind, '0').pipeline.run(cluster(kind, '0', { workers: 2, checkpointDir: ck, numBatches: 2 }));
      const other = splitJob(kind, '1');
      await expect(other.pipeline.run(cluster(kind, '1', { workers: 2, checkpointDir: ck }))).rejects.toThrow(
        new RegExp(`checkpoint directory .*other refused: source#0 \\(${kind === 'array' ? 'iterable' : 'batches'}\\) gives other records before position \\d+ than when the checkpoint was taken`),
      );
      expect(other.out.batches).toEqual([]);
    }, 120_000);
  }
});

describe('a directory read by file on the cluster runtime', () => {
  /** 8 JSON-lines files of 15 lines, a bad line in every other one. */
  function files(dir: string): { path: string; lines: number } {
    const path = join(dir, 'in');
    mkdirSync(path);
    for (let f = 0; f < 8; f++) {
      const lines = Array.from({ length: 15 }, (_, i) => (f % 2 === 0 && i === 7 ? `{"sensor":"f${f}-${i}"` : `{"sensor":"f${f}-${i}","celsius":${i}}`));
      writeFileSync(join(path, `part-${f}.jsonl`), lines.join('\n') + '\n');
    }
    return { path, lines: 120 };
  }
  const letters = (ds: readonly DeadLetter[]) => ds.map((d) => `${d.origin} ${d.reason}`).sort();

  it('every worker reads its own files: the local records and dead letters; stopped on 2 workers and resumed on 3, each file read once', async () => {
    const { path } = files(tmp());
    const expected = splitJob('directory', path);
    await expected.pipeline.run({ pace: 'asap', maxBatchSize: MAX, numBatches: 20 } as never);
    expect(expected.out.records()).toHaveLength(116);
    expect(expected.dead.records()).toHaveLength(4);

    const pool = WorkerPool.start({ workers: 2, mode: 'module' });
    const read = [0, 0];
    pool.workers.forEach((w, i) => w.child.on('message', (m: FromWorker) => { if (m.type === 'done') read[i] += m.records['source#0'] ?? 0; }));
    try {
      const j = splitJob('directory', path);
      await j.pipeline.run(cluster('directory', path, { pool, numBatches: 12 }));
      expect(j.out.records().sort()).toEqual(expected.out.records().sort());
      expect(letters(j.dead.records())).toEqual(letters(expected.dead.records()));
      expect(read[0] + read[1]).toBe(116);
      expect(read.every((n) => n > 14)).toBe(true); // both workers read files
    } finally {
      await pool.close();
    }

    const ck = join(tmp(), 'ck');
    const first = splitJob('directory', path);
    await first.pipeline.run(cluster('directory', path, { workers: 2, checkpointDir: ck, numBatches: 3 }));
    expect(first.out.records().length).toBeGreaterThan(20);
    const second = splitJob('directory', path);
    await second.pipeline.run(cluster('directory', path, { workers: 3, checkpointDir: ck, numBatches: 15 }));
    expect([...first.out.records(), ...second.out.records()].sort()).toEqual(expected.out.records().sort());
    expect(letters([...first.dead.records(), ...second.dead.records()])).toEqual(letters(expected.dead.records()));
    // And back on the local runtime, from the 3 workers' checkpoint: nothing more to read, nothing read twice.
    writeFileSync(join(path, 'late.jsonl'), '{"sensor":"late","celsius":1}\n');
    const third = splitJob('directory', path);
    await third.pipeline.run({ pace: 'asap', maxBatchSize: MAX, checkpointDir: ck, numBatches: 17 } as never);
    expect(third.out.records()).toEqual(['{"sensor":"late","celsius":1}']);
  }, 180_000);
});
