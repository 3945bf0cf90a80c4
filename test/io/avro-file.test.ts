import avro from 'avsc';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError, S, Sources } from '../../src/index.js';
import { avroFileOf as writeAvro, context, drain, runSource, tempDir } from './helpers.js';

const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
type Reading = S.Infer<typeof Reading>;
const readings: Reading[] = [1, 2, 3, 4, 5].map((i) => ({ sensor: `s${i}`, ts: i * 1000, celsius: i / 2 }));

const avroFileOf = (records: readonly object[], type: avro.Type = Reading.avroType(), opts: { blockSize?: number } = {}) => writeAvro(records, type, opts);

describe('Sources.avroFile', () => {
  it('reads the records through a pipeline, maxBatchSize per batch', async () => {
    const f = await avroFileOf(readings);
    const { batches } = await runSource(Sources.avroFile(f, Reading), { maxBatchSize: 2 });
    expect(batches).toEqual([[1000, readings.slice(0, 2)], [2000, readings.slice(2, 4)], [3000, readings.slice(4)]]);
  });

  it('without a schema yields plain objects of the writer schema', async () => {
    const f = await avroFileOf(readings);
    const [records] = await drain(Sources.avroFile(f), { max: 10 });
    expect(records).toEqual(readings);
    expect(Object.getPrototypeOf(records[0])).toBe(Object.prototype);
  });

  it('resolves the writer schema against the reader schema (added optional field, int promoted to double)', async () => {
    const Old = S.record('Reading', { sensor: S.string(), celsius: S.int() });
    const f = await avroFileOf([{ sensor: 'a', celsius: 3 }], Old.avroType());
    const New = S.record('Reading', { sensor: S.string(), celsius: S.double(), unit: S.optional(S.string()) });
    expect(await drain(Sources.avroFile(f, New))).toEqual([[{ sensor: 'a', celsius: 3 }]]);
  });

  it('streams many blocks; position() counts records and resumes after them', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ sensor: `s${i}`, ts: i, celsius: i }));
    const f = await avroFileOf(many, Reading.avroType(), { blockSize: 1024 });
    const src = Sources.avroFile(f, Reading);
    const reader = src.open(context());
    expect((await reader.poll(1234, true)).records).toEqual(many.slice(0, 1234));
    expect(reader.position!()).toBe(1234);
    await reader.close();
    const rest = await drain(src, { resumeFrom: 1234, max: 2000 });
    expect(rest.map((b) => b.length)).toEqual([2000, 1766]);
    expect(rest.flat()).toEqual(many.slice(1234));
  });

  it('records that do not fit the schema go to dead letters; the others go on', async () => {
    const Loose = S.record('Ev', { id: S.string() });
    const Strict = S.record('Ev', { id: S.uuid() });
    const good = '123e4567-e89b-12d3-a456-426614174000';
    const f = await avroFileOf([{ id: good }, { id: 'nope' }, { id: good }], Loose.avroType());
    const { records, dead } = await runSource(Sources.avroFile(f, Strict));
    expect(records).toEqual([{ id: good }, { id: good }]);
    expect(dead).toEqual([{ origin: `${f}#2`, reason: 'does not match schema Ev: field id: expected uuid, got "nope"', raw: '{"id":"nope"}', batchTime: 1000 }]);
  });

  it('fails with a RuntimeError naming the path: missing, not Avro, truncated, corrupt, unreadable as the schema', async () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.avro');
    await expect(drain(Sources.avroFile(missing))).rejects.toThrow(`avroFile: cannot read ${missing}: no such file`);

    const text = join(dir, 'text.avro');
    writeFileSync(text, 'hello, not avro');
    await expect(drain(Sources.avroFile(text))).rejects.toThrow(`avroFile: ${text}: not a valid Avro object container file: invalid magic bytes`);

    const good = readFileSync(await avroFileOf(readings));
    const cut = join(dir, 'cut.avro');
    writeFileSync(cut, good.subarray(0, good.length - 20));
    await expect(drain(Sources.avroFile(cut))).rejects.toThrow(new RegExp(`avroFile: ${cut}: not a valid Avro object container file: the file ends inside a block`));

    const corrupt = join(dir, 'corrupt.avro');
    const bytes = Buffer.from(good);
    bytes[bytes.length - 3] ^= 0xff; // inside the sync marker after the block
    writeFileSync(corrupt, bytes);
    await expect(drain(Sources.avroFile(corrupt))).rejects.toThrow(`avroFile: ${corrupt}: not a valid Avro object container file: invalid sync marker`);

    const Wrong = S.record('Reading', { sensor: S.int() });
    const f = await avroFileOf(readings);
    const run = drain(Sources.avroFile(f, Wrong));
    await expect(run).rejects.toThrow(RuntimeError);
    await expect(run).rejects.toThrow(`avroFile: ${f}: its writer schema cannot be read as Reading: cannot read "string" as "int"`);
  });

  it('spec names the path', () => {
    expect(Sources.avroFile('r.avro').spec).toEqual({ type: 'avroFile', bounded: true, path: 'r.avro' });
  });
});
