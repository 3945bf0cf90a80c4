import { appendFileSync, existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, S, Sinks, Sources, seconds, type DeadLetter, type Sink } from '../../src/index.js';
import { readAvroDir } from '../../src/io/sinks/avro-file.js';
import { readJsonLinesDir } from '../../src/io/sinks/json-lines.js';
import { tempDir } from './helpers.js';

const Reading = S.record('Reading', { sensor: S.string(), celsius: S.double(), note: S.optional(S.string()) });
type Reading = S.Infer<typeof Reading>;

const ctx = { operator: 'sink#1', pipeline: 't' };
const manifest = (dir: string) => readFileSync(join(dir, '_manifest.jsonl'), 'utf8');

async function runInto<T>(input: T[][], sink: Sink<T>): Promise<void> {
  const p = Pipeline.create('t', { batchInterval: seconds(1), deadLetters: Sinks.collect<DeadLetter>() });
  p.source(Sources.batches(input)).to(sink);
  await p.run();
}

describe('Sinks.jsonLines', () => {
  it('writes one part file per non-empty batch and a manifest of committed batch times', async () => {
    const dir = join(tempDir(), 'out');
    await runInto([[{ a: 1 }, { a: 2 }], [], [{ a: 3 }]], Sinks.jsonLines(dir));
    expect(readdirSync(dir).sort()).toEqual(['_manifest.jsonl', 'part-0000000001000.jsonl', 'part-0000000003000.jsonl']);
    expect(readFileSync(join(dir, 'part-0000000001000.jsonl'), 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(manifest(dir)).toBe(
      '{"batchTime":1000,"file":"part-0000000001000.jsonl","records":2}\n' +
      '{"batchTime":3000,"file":"part-0000000003000.jsonl","records":1}\n',
    );
    expect(readJsonLinesDir(dir)).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it('writing a committed batch time again is a no-op, also from a new writer (replay after restart)', async () => {
    const dir = join(tempDir(), 'out');
    const sink = Sinks.jsonLines<string>(dir);
    const w = sink.open(ctx);
    await w.write(['x', 'y'], 2000);
    await w.write(['x', 'y'], 2000);
    await w.close();
    const again = sink.open(ctx);
    await again.write(['changed'], 2000);
    await again.write(['z'], 3000);
    await again.close();
    expect(readdirSync(dir).sort()).toEqual(['_manifest.jsonl', 'part-0000000002000.jsonl', 'part-0000000003000.jsonl']);
    expect(manifest(dir).trimEnd().split('\n').map((l) => JSON.parse(l).batchTime)).toEqual([2000, 3000]);
    expect(readJsonLinesDir(dir)).toEqual(['x', 'y', 'z']);
  });

  it('reads parts in batch order and only committed ones; a part left without its manifest line is rewritten', async () => {
    const dir = join(tempDir(), 'out');
    const w = Sinks.jsonLines<number>(dir).open(ctx);
    await w.write([3], 3000);
    await w.write([1], 1000);
    // A crash between rename and manifest append leaves an uncommitted part behind.
    writeFileSync(join(dir, 'part-0000000002000.jsonl'), '999\n');
    expect(readJsonLinesDir(dir)).toEqual([1, 3]);
    await w.write([2], 2000);
    expect(readJsonLinesDir(dir)).toEqual([1, 2, 3]);
  });

  it('a manifest line torn by a crash does not count and is cut off before the next commit', async () => {
    const dir = join(tempDir(), 'out');
    const sink = Sinks.jsonLines<number>(dir);
    await sink.open(ctx).write([1], 1000);
    appendFileSync(join(dir, '_manifest.jsonl'), '{"batchTime":2000,"fi');
    expect(readJsonLinesDir(dir)).toEqual([1]);
    writeFileSync(join(dir, 'part-0000000002000.jsonl'), '999\n');
    appendFileSync(join(dir, '_manifest.jsonl'), 'le":"part-0000000002000.jsonl","records":1}'); // whole, but no newline yet
    expect(readJsonLinesDir(dir)).toEqual([1]);
    await sink.open(ctx).write([2], 2000);
    expect(readJsonLinesDir(dir)).toEqual([1, 2]);
    expect(manifest(dir)).toBe(
      '{"batchTime":1000,"file":"part-0000000001000.jsonl","records":1}\n' +
      '{"batchTime":2000,"file":"part-0000000002000.jsonl","records":1}\n',
    );
  });

  it('removes temp files of a crashed run when it opens; never leaves its own behind', async () => {
    const dir = join(tempDir(), 'out');
    await runInto([[1]], Sinks.jsonLines<number>(dir));
    writeFileSync(join(dir, '.part-0000000002000.jsonl.123-abcd.tmp'), 'half');
    Sinks.jsonLines(dir).open(ctx);
    expect(readdirSync(dir).sort()).toEqual(['_manifest.jsonl', 'part-0000000001000.jsonl']);
  });

  it('a committed part that went missing is reported with its batch time', async () => {
    const dir = join(tempDir(), 'out');
    await runInto([[1]], Sinks.jsonLines<number>(dir));
    unlinkSync(join(dir, 'part-0000000001000.jsonl'));
    expect(() => readJsonLinesDir(dir)).toThrow(`${dir}: the manifest lists batch 1000 in part-0000000001000.jsonl, which cannot be read: ENOENT`);
  });

  it('a path that is a file, and reading a directory that does not exist, fail naming the path', async () => {
    const f = join(tempDir(), 'file');
    writeFileSync(f, '');
    expect(() => Sinks.jsonLines(f).open(ctx)).toThrow(`sink#1 (jsonLines): cannot create the output directory ${f}`);
    expect(() => readJsonLinesDir(join(f, 'nope'))).toThrow(`cannot read sink output ${join(f, 'nope')}: no such directory`);
  });

  it('spec names the path (the default dead-letter file is derived from it)', () => {
    expect(Sinks.jsonLines('out/x').spec).toEqual({ type: 'jsonLines', path: 'out/x' });
  });
});

describe('Sinks.avroFile', () => {
  it('writes Avro container parts that read back with the schema, in batch order', async () => {
    for (const codec of ['null', 'deflate'] as const) {
      const dir = join(tempDir(), 'out');
      const rows: Reading[] = [{ sensor: 'a', celsius: 1.5 }, { sensor: 'b', celsius: 2, note: 'n' }, { sensor: 'c', celsius: 3 }];
      await runInto([rows.slice(0, 2), [], rows.slice(2)], Sinks.avroFile(dir, Reading, { codec }));
      expect(readdirSync(dir).sort()).toEqual(['_manifest.jsonl', 'part-0000000001000.avro', 'part-0000000003000.avro']);
      expect(readFileSync(join(dir, 'part-0000000001000.avro')).subarray(0, 4)).toEqual(Buffer.from('Obj\x01', 'latin1'));
      expect(await readAvroDir(dir, Reading)).toEqual(rows);
      const p = Pipeline.create('t', { batchInterval: seconds(1), deadLetters: Sinks.collect() });
      const back = Sinks.collect<Reading>();
      p.source(Sources.avroFile(join(dir, 'part-0000000001000.avro'), Reading)).to(back);
      await p.run();
      expect(back.records()).toEqual(rows.slice(0, 2));
    }
  });

  it('a record that does not fit the schema fails the batch, naming the field; nothing of it is committed', async () => {
    const dir = join(tempDir(), 'out');
    const bad = [{ sensor: 'a', celsius: 1 }, { sensor: 'b', celsius: 'hot' }] as unknown as Reading[];
    await expect(runInto([bad], Sinks.avroFile(dir, Reading))).rejects.toThrow(`avroFile ${dir}: record {"sensor":"b","celsius":"hot"} does not match the schema: field celsius: expected double, got "hot"`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('skips a committed batch time', async () => {
    const dir = join(tempDir(), 'out');
    const w = Sinks.avroFile(dir, Reading).open(ctx);
    await w.write([{ sensor: 'a', celsius: 1 }], 1000);
    await w.write([{ sensor: 'again', celsius: 1 }], 1000);
    expect(await readAvroDir(dir, Reading)).toEqual([{ sensor: 'a', celsius: 1 }]);
    expect(existsSync(join(dir, 'part-0000000001000.avro'))).toBe(true);
  });
});
