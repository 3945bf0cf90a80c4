// Sources.avroFile read in slices (the cluster runtime's way): every partition scans the
// block headers and decodes only the blocks that hold its share of each batch. The slices
// of every batch, concatenated, must be the whole-file reader's batch: records, dead
// letters, end of input and position; a resume at any whole-file position goes on as the
// whole-file reader does; a bad file fails as it does.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { S, Sources } from '../../src/index.js';
import { avroFileOf as writeAvro, tempDir } from './helpers.js';
import { ctx, drain, skewed, slicesAreWhole } from './slice-helpers.js';

const Loose = S.record('Ev', { id: S.string(), n: S.int() });
const Strict = S.record('Ev', { id: S.uuid(), n: S.int() });
const good = '123e4567-e89b-12d3-a456-426614174000';
/** 1000 records, every 37th not a uuid (a dead letter when read as Strict). */
const events = Array.from({ length: 1000 }, (_, i) => ({ id: i % 37 === 5 ? `not-${i}` : good, n: i }));

const avroFileOf = (records: readonly object[], opts: { blockSize?: number; codec?: string } = {}) => writeAvro(records, Loose.avroType(), opts);

describe('avroFile read in slices', () => {
  for (const [name, opts] of Object.entries({ 'small blocks': { blockSize: 200 }, 'one block': { blockSize: 1 << 20 }, deflate: { blockSize: 500, codec: 'deflate' } })) {
    it(`slices of every batch, concatenated, are the whole-file batches, dead letters alike: ${name}`, async () => {
      const f = await avroFileOf(events, opts);
      const dead = await slicesAreWhole(() => Sources.avroFile(f, Strict), [1, 7, 100, 333, 1000, 5000], [1, 2, 3, 4]);
      expect(dead).toHaveLength(27);
      expect(dead[0]).toBe(`${f}#6 does not match schema Ev: field id: expected uuid, got "not-5" {"id":"not-5","n":5}`);
      await slicesAreWhole(() => Sources.avroFile(f), [64, 1000]);
      // Balanced slices: uneven weights that change every batch.
      expect(await slicesAreWhole(() => Sources.avroFile(f, Strict), [7, 333], [2, 3], skewed)).toHaveLength(27);
    });
  }

  it('a file of exactly one batch ends as the whole-file reader does; an empty file fails as it does', async () => {
    const exact = await avroFileOf(events.slice(0, 100), { blockSize: 300 });
    await slicesAreWhole(() => Sources.avroFile(exact, Strict), [100, 50]);
    const empty = join(tempDir(), 'empty.avro');
    writeFileSync(empty, '');
    await expect(Sources.avroFile(empty).open(ctx).poll(10, true)).rejects.toThrow(`avroFile: ${empty}: not a valid Avro object container file: the file ends before the end of its header`);
    await expect(Sources.avroFile(empty).openSlice!(ctx, { index: 0, count: 2 }).poll(10, true)).rejects.toThrow(`avroFile: ${empty}: not a valid Avro object container file: the file ends before the end of its header`);
  });

  it('resumes at a whole-file position, on another slice count, and refuses a position beyond the file', async () => {
    const f = await avroFileOf(events, { blockSize: 300 });
    const whole = await drain(Sources.avroFile(f).open(ctx, 450), 100);
    for (const count of [1, 2, 3]) {
      const slices = [...Array(count).keys()].map((index) => Sources.avroFile(f).openSlice!(ctx, { index, count }, 450));
      const parts = await Promise.all(slices.map((r) => drain(r, 100)));
      expect(parts[0].map((b) => b.position)).toEqual(whole.map((b) => b.position));
      expect(whole.map((_, i) => parts.flatMap((p) => p[i].records))).toEqual(whole.map((b) => b.records));
    }
    expect(whole[0].records[0]).toEqual({ id: good, n: 450 });
    await expect(Sources.avroFile(f).openSlice!(ctx, { index: 0, count: 2 }, 1500).poll(10, true)).rejects.toThrow(`avroFile: ${f}: cannot resume after record 1500: the file has only 1000 records`);
  });

  it('fails with a RuntimeError naming the path, as the whole-file reader: not Avro, truncated, corrupt sync, unreadable as the schema', async () => {
    const dir = tempDir();
    const slice = (f: string, schema?: S.Schema<unknown>) => Sources.avroFile(f, schema).openSlice!(ctx, { index: 1, count: 2 });
    const text = join(dir, 'text.avro');
    writeFileSync(text, 'hello, not avro');
    await expect(slice(text).poll(10, true)).rejects.toThrow(`avroFile: ${text}: not a valid Avro object container file: invalid magic bytes`);
    const bytes = readFileSync(await avroFileOf(events, { blockSize: 300 }));
    const cut = join(dir, 'cut.avro');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    await expect(slice(cut).poll(2000, true)).rejects.toThrow(`avroFile: ${cut}: not a valid Avro object container file: the file ends inside a block`);
    const corrupt = join(dir, 'corrupt.avro');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 0xff; // inside the sync marker after the last block
    writeFileSync(corrupt, flipped);
    await expect(slice(corrupt).poll(2000, true)).rejects.toThrow(`avroFile: ${corrupt}: not a valid Avro object container file: invalid sync marker`);
    const ok = await avroFileOf(events.slice(0, 3));
    const Wrong = S.record('Ev', { id: S.int() });
    await expect(slice(ok, Wrong as S.Schema<unknown>).poll(10, true)).rejects.toThrow(`avroFile: ${ok}: its writer schema cannot be read as Ev: cannot read "string" as "int"`);
  });
});
