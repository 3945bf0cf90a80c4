// The prepare / commit / recover contract of the file sinks and the dead-letter file
// (src/engine/commit-sink.ts), step by step; the same under real SIGKILLs is
// test/cluster/sink-kill.test.ts.
import { appendFileSync, existsSync, linkSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { committableOf, type CommittableSink } from '../../src/engine/commit-sink.js';
import { Sinks, type DeadLetter } from '../../src/index.js';
import { readJsonLinesDir } from '../../src/io/sinks/json-lines.js';
import { tempDir } from './helpers.js';

const ctx = { operator: 'sink#1' };
const committable = <T>(sink: object): CommittableSink<T> => committableOf<T>(sink)!;
const manifest = (dir: string) => readFileSync(join(dir, '_manifest.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { file: string });
const letter = (raw: string, t: number): DeadLetter => ({ origin: 'map#1', reason: 'bad', raw, batchTime: t });

describe('file sink: prepare per partition, commit up to t, recover', () => {
  it('prepared parts are invisible until committed; a commit lists every partition up to t in (t, partition) order', async () => {
    const dir = join(tempDir(), 'out');
    const c = committable<number>(Sinks.jsonLines<number>(dir));
    await c.partition(ctx, 1).prepare(1000, [3, 4]);
    await c.partition(ctx, 0).prepare(1000, [1, 2]);
    await c.partition(ctx, 1).prepare(2000, [6]);
    await c.partition(ctx, 0).prepare(2000, [5]);
    expect(readJsonLinesDir(dir)).toEqual([]);
    await c.commit(1000);
    expect(readJsonLinesDir(dir)).toEqual([1, 2, 3, 4]);
    await c.commit(2000);
    await c.commit(2000);
    expect(readJsonLinesDir(dir)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(manifest(dir).map((e) => e.file)).toEqual(['part-0000000001000.jsonl', 'part-0000000001000-p1.jsonl', 'part-0000000002000.jsonl', 'part-0000000002000-p1.jsonl']);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('recover commits what the last commit record covers and deletes every other prepared part; a committed part is not prepared again', async () => {
    const dir = join(tempDir(), 'out');
    const c = committable<number>(Sinks.jsonLines<number>(dir));
    await c.partition(ctx, 0).prepare(1000, [1]);
    await c.partition(ctx, 0).prepare(2000, [2]);
    await c.recover(1000);
    expect(readJsonLinesDir(dir)).toEqual([1]);
    expect(readdirSync(dir).sort()).toEqual(['_manifest.jsonl', 'part-0000000001000.jsonl']);
    await c.partition(ctx, 0).prepare(1000, [99]); // a replay of a visible batch
    await c.partition(ctx, 0).prepare(2000, [2]);
    await c.commit(2000);
    expect(readJsonLinesDir(dir)).toEqual([1, 2]);
  });

  it('a commit cut short after linking the final name is finished by the next one, listed once', async () => {
    const dir = join(tempDir(), 'out');
    const c = committable<number>(Sinks.jsonLines<number>(dir));
    await c.partition(ctx, 1).prepare(1000, [7]);
    const pending = readdirSync(dir).find((f) => f.startsWith('.pending-'))!;
    expect(pending).toBe('.pending-0000000001000-p1-n1.jsonl');
    linkSync(join(dir, pending), join(dir, 'part-0000000001000-p1.jsonl'));
    expect(readJsonLinesDir(dir)).toEqual([]);
    await c.recover(1000);
    expect(manifest(dir)).toEqual([{ batchTime: 1000, file: 'part-0000000001000-p1.jsonl', records: 1 }]);
    expect(readJsonLinesDir(dir)).toEqual([7]);
  });
});

describe('dead-letter file: prepare per partition, commit up to t, recover', () => {
  it('appends each batch once, partitions in order, and keeps a commit log beside the file', async () => {
    const path = join(tempDir(), 'p.dlq');
    const c = committable<DeadLetter>(Sinks.deadLetterFile(path));
    await c.partition(ctx, 1).prepare(1000, [letter('b', 1000)]);
    await c.partition(ctx, 0).prepare(1000, [letter('a', 1000)]);
    expect(existsSync(path)).toBe(false);
    await c.commit(1000);
    await c.commit(1000);
    const text = readFileSync(path, 'utf8');
    expect(text.trimEnd().split('\n').map((l) => (JSON.parse(l) as DeadLetter).raw)).toEqual(['a', 'b']);
    expect(readFileSync(join(path, '..', '.p.dlq.commits'), 'utf8')).toBe(`{"t":1000,"end":${Buffer.byteLength(text)}}\n`);
    await c.partition(ctx, 0).prepare(1000, [letter('again', 1000)]); // a replay of a committed batch
    await c.commit(1000);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('an append cut short or not yet logged does not count: the next commit or the recovery cuts it off', async () => {
    const path = join(tempDir(), 'p.dlq');
    const c = committable<DeadLetter>(Sinks.deadLetterFile(path));
    await c.partition(ctx, 0).prepare(1000, [letter('a', 1000)]);
    await c.commit(1000);
    appendFileSync(path, '{"origin":"map#1","rea'); // killed mid-append of batch 2000
    await c.partition(ctx, 0).prepare(2000, [letter('b', 2000)]);
    await c.commit(2000);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as DeadLetter).raw)).toEqual(['a', 'b']);
    await c.partition(ctx, 0).prepare(3000, [letter('c', 3000)]);
    appendFileSync(path, '{"torn');
    await c.recover(2000); // batch 3000 has no commit record: dropped
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as DeadLetter).raw)).toEqual(['a', 'b']);
    expect(existsSync(join(path, '..', '.p.dlq.pending'))).toBe(false);
  });

  it('one commit (or a recovery) of several batches leaves the file and its log as committing them one by one', async () => {
    const write = async (path: string, grouped: boolean) => {
      const c = committable<DeadLetter>(Sinks.deadLetterFile(path));
      for (const t of [1000, 2000, 3000]) {
        await c.partition(ctx, 1).prepare(t, [letter(`q${t}`, t)]);
        await c.partition(ctx, 0).prepare(t, [letter(`p${t}`, t)]);
        if (!grouped) await c.commit(t);
      }
      if (grouped) await c.recover(3000);
      return [readFileSync(path, 'utf8'), readFileSync(join(path, '..', `.${path.split('/').pop()}.commits`), 'utf8')];
    };
    const [oneByOne, grouped] = [await write(join(tempDir(), 'p.dlq'), false), await write(join(tempDir(), 'p.dlq'), true)];
    expect(grouped).toEqual(oneByOne);
    expect(oneByOne[1].trimEnd().split('\n').map((l) => (JSON.parse(l) as { t: number }).t)).toEqual([1000, 2000, 3000]);
  });
});
