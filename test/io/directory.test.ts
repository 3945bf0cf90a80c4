import { mkdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, RuntimeError, S, Sinks, Sources, seconds, type DeadLetter, type Source } from '../../src/index.js';
import type { DirectoryFiles, DirectoryPosition } from '../../src/io/sources/directory.js';
import { context, tempDir } from './helpers.js';

/** Moves a file into `dir` atomically (written beside it first), with a given modification time. */
function drop(dir: string, name: string, content: string, mtimeSec?: number): void {
  const staging = join(dir, '..', `staging-${name}`);
  writeFileSync(staging, content);
  if (mtimeSec !== undefined) utimesSync(staging, mtimeSec, mtimeSec);
  renameSync(staging, join(dir, name));
}

function watched(): string {
  const d = join(tempDir(), 'in');
  mkdirSync(d);
  return d;
}

/** Runs `source` for as many batches as `drops` has entries; after batch i the files of drops[i] are moved in. */
async function runWith<T>(source: Source<T>, dir: string, drops: Array<Array<[string, string, number?]>>, maxBatchSize = 100) {
  const dead = Sinks.collect<DeadLetter>();
  const p = Pipeline.create('t', { batchInterval: seconds(1), deadLetters: dead });
  const batches: Array<[number, T[]]> = [];
  p.source(source).foreachBatch((records, t) => {
    batches.push([t, [...records]]);
    for (const [name, content, mtime] of drops[batches.length - 1] ?? []) drop(dir, name, content, mtime);
  });
  await p.run({ pace: 'asap', numBatches: drops.length, maxBatchSize });
  return { batches, dead: dead.records() };
}

describe('Sources.directory', () => {
  it('picks up files that appear after the start, oldest first, and ignores those already there', async () => {
    const dir = watched();
    drop(dir, 'old.txt', 'old\n');
    const { batches } = await runWith(Sources.directory(dir, { format: 'text' }), dir, [
      [['b.txt', 'b1\nb2\n', 2000], ['a.txt', 'a1\n', 1000], ['c.txt', 'c1\n', 2000]],
      [],
      [['d.txt', 'd1\r\nd2']],
      [],
    ]);
    expect(batches).toEqual([
      [1000, []],
      [2000, ['a1', 'b1', 'b2', 'c1']], // a is older; b and c have the same mtime: by name
      [3000, []],
      [4000, ['d1', 'd2']],
    ]);
  });

  it('includeExisting reads the files already there; hidden, _-prefixed, non-matching files and subdirectories are skipped', async () => {
    const dir = watched();
    drop(dir, 'x.log', 'x\n', 100);
    drop(dir, '.hidden.log', 'no\n');
    drop(dir, '_SUCCESS', '');
    drop(dir, 'y.txt', 'no\n');
    mkdirSync(join(dir, 'sub.log'));
    const { batches } = await runWith(Sources.directory(dir, { format: 'text', pattern: /\.log$/, includeExisting: true }), dir, [[['z.log', 'z\n']], []]);
    expect(batches).toEqual([[1000, ['x']], [2000, ['z']]]);
  });

  it('jsonl files with a schema: bad lines go to dead letters naming file and line', async () => {
    const Ev = S.record('Ev', { id: S.int() });
    const dir = watched();
    const { batches, dead } = await runWith(Sources.directory(dir, { format: 'jsonl', schema: Ev }), dir, [
      [['e1.jsonl', '{"id":1}\n\n{"id":"two"}\n{"id":3}\n']],
      [],
    ]);
    expect(batches).toEqual([[1000, []], [2000, [{ id: 1 }, { id: 3 }]]]);
    expect(dead).toEqual([{ origin: `${join(dir, 'e1.jsonl')}:3`, reason: 'does not match schema Ev: field id: expected int (32-bit integer), got "two"', raw: '{"id":"two"}', batchTime: 2000 }]);
  });

  it('maxBatchSize splits a large file over batches, streamed', async () => {
    const dir = watched();
    const lines = Array.from({ length: 25 }, (_, i) => `l${i}`);
    const { batches } = await runWith(Sources.directory(dir, { format: 'text' }), dir, [[['big.txt', lines.join('\n')], ['small.txt', 'last\n']], [], [], []], 10);
    expect(batches.map(([, r]) => r)).toEqual([[], lines.slice(0, 10), lines.slice(10, 20), [...lines.slice(20), 'last']]);
  });

  it('a JSON-lines batch is maxBatchSize lines over all its files: blank and rejected lines count', async () => {
    const dir = watched();
    const { batches, dead } = await runWith(Sources.directory(dir, { format: 'jsonl' }), dir, [
      [['a.jsonl', '{"n":1}\n\nnope\n', 1000], ['b.jsonl', '{"n":2}\n{"n":3}\n{"n":4}\n', 2000]], [], [],
    ], 4);
    expect(batches.map(([, r]) => r)).toEqual([[], [{ n: 1 }, { n: 2 }], [{ n: 3 }, { n: 4 }]]);
    expect(dead.map((d) => [d.origin, d.batchTime])).toEqual([[`${join(dir, 'a.jsonl')}:3`, 2000]]);
  });

  it('position() names the files done and the lines read of the current one; resuming goes on from there', async () => {
    const dir = watched();
    drop(dir, 'seen.txt', 'ignored\n');
    const src = Sources.directory(dir, { format: 'text' });
    const r1 = src.open(context());
    drop(dir, 'a.txt', 'a1\na2\na3\n', 1000);
    drop(dir, 'b.txt', 'b1\n', 2000);
    expect((await r1.poll(2, false)).records).toEqual(['a1', 'a2']);
    const pos = r1.position!() as DirectoryPosition;
    expect(pos).toEqual({ files: ['seen.txt'], current: { name: 'a.txt', lines: 2 } });
    await r1.close();

    // While the job was down another file arrived; resuming reads on in a.txt, then b.txt, then c.txt.
    drop(dir, 'c.txt', 'c1\n', 3000);
    const r2 = src.open(context(), JSON.parse(JSON.stringify(pos)));
    const got = await r2.poll(100, false);
    expect(got).toEqual({ records: ['a3', 'b1', 'c1'], done: false });
    expect(r2.position!()).toEqual({ files: ['seen.txt', 'a.txt', 'b.txt', 'c.txt'] });
    expect((await r2.poll(100, false)).records).toEqual([]);
    await r2.close();
  });

  it('read in slices by file: each slice reads the files it owns; positions by file; a resume on another slice count reads every rest once', async () => {
    const dir = watched();
    drop(dir, 'old.txt', 'old\n');
    const src = Sources.directory(dir, { format: 'text' });
    expect(src.slicing).toBe('byKey');
    const owner = (name: string, count: number) => name.charCodeAt(0) % count;
    const open = (count: number, resume?: (i: number) => unknown) =>
      [...Array(count).keys()].map((index) => src.openSlice!(context(), { index, count, owns: (k) => owner(k, count) === index }, resume?.(index)));
    const two = open(2);
    const files = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => [`${n}.txt`, `${n}1\n${n}2\n${n}3\n`, 1000 + i] as const);
    for (const [name, content, mtime] of files) drop(dir, name, content, mtime);
    // Two lines a poll: each slice stops inside one of its files.
    const first = await Promise.all(two.map((r) => r.poll(2, false)));
    expect(first.map((b) => b.records)).toEqual([['b1', 'b2'], ['a1', 'a2']]);
    const positions = two.map((r) => r.position!() as DirectoryFiles);
    expect(positions).toEqual([{ 'b.txt': { done: false, lines: 2 } }, { 'old.txt': { done: true, lines: 0 }, 'a.txt': { done: false, lines: 2 } }]);
    await Promise.all(two.map((r) => r.close()));
    // Resumed on 3 slices: every slice gets the entries of the files it owns now (as keyed state moves).
    const merged: DirectoryFiles = JSON.parse(JSON.stringify({ ...positions[0], ...positions[1] }));
    const three = open(3, (i) => Object.fromEntries(Object.entries(merged).filter(([k]) => owner(k, 3) === i)));
    const rest = await Promise.all(three.map((r) => r.poll(100, false)));
    expect(rest.flatMap((b) => b.records).sort()).toEqual(['a3', 'b3', 'c1', 'c2', 'c3', 'd1', 'd2', 'd3', 'e1', 'e2', 'e3', 'f1', 'f2', 'f3']);
    // Each slice read only files it owns, in age order.
    rest.forEach((b, i) => expect(b.records.every((r) => owner(`${r[0]}.txt`, 3) === i)).toBe(true));
    expect(rest[0].records).toEqual(['c1', 'c2', 'c3', 'f1', 'f2', 'f3']);
    expect(Object.assign({}, ...three.map((r) => r.position!()))).toEqual(Object.fromEntries(['old', 'a', 'b', 'c', 'd', 'e', 'f'].map((n) => [`${n}.txt`, { done: true, lines: 0 }])));
    await Promise.all(three.map((r) => r.close()));
  });

  it('a missing directory fails with a RuntimeError naming it; a bad format is refused up front', async () => {
    const missing = join(tempDir(), 'nope');
    const p = Pipeline.create('t', { batchInterval: seconds(1) });
    p.source(Sources.directory(missing, { format: 'text' })).foreachBatch(() => {});
    const run = p.run({ pace: 'asap', numBatches: 1 });
    await expect(run).rejects.toThrow(RuntimeError);
    await expect(run).rejects.toThrow(`directory: cannot read ${missing}: no such directory`);
    expect(() => Sources.directory('x', { format: 'csv' } as never)).toThrow(`directory x: format must be 'text' or 'jsonl', got "csv"`);
  });

  it('spec: unbounded, with the path', () => {
    expect(Sources.directory('in', { format: 'jsonl', pattern: /\.json$/ }).spec).toEqual({ type: 'directory', bounded: false, path: 'in', format: 'jsonl', pattern: '\\.json$', includeExisting: false });
  });
});
