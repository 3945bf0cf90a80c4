import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError, Sources } from '../../src/index.js';
import { drain, runSource, tempDir, tempFile } from './helpers.js';

const file = (content: string) => tempFile('lines.txt', content);
const runText = (path: string, maxBatchSize: number) => runSource(Sources.textFile(path), { maxBatchSize });

describe('Sources.textFile', () => {
  it('reads every line, maxBatchSize lines per batch, CRLF and a last line without newline included', async () => {
    const f = file('one\r\ntwo\n\nfour\nfive');
    const { batches } = await runText(f, 2);
    expect(batches).toEqual([
      [1000, ['one', 'two']],
      [2000, ['', 'four']],
      [3000, ['five']],
    ]);
  });

  it('ends with an empty batch when the last poll finds the end of the file', async () => {
    const { batches } = await runText(file('a\nb\n'), 2);
    expect(batches).toEqual([[1000, ['a', 'b']], [2000, []]]);
  });

  it('an empty file gives one empty batch', async () => {
    const { batches } = await runText(file(''), 10);
    expect(batches).toEqual([[1000, []]]);
  });

  it('spec names the path', () => {
    expect(Sources.textFile('data/x.txt').spec).toEqual({ type: 'textFile', bounded: true, path: 'data/x.txt' });
  });

  it('a missing file fails the run with a RuntimeError naming the path', async () => {
    const missing = join(tempDir(), 'nope.txt');
    const run = runText(missing, 10);
    await expect(run).rejects.toThrow(RuntimeError);
    await expect(run).rejects.toThrow(`textFile: cannot read ${missing}: no such file`);
  });

  it('a directory is refused by name', async () => {
    const d = tempDir();
    await expect(runText(d, 10)).rejects.toThrow(`textFile: cannot read ${d}: it is a directory`);
  });

  it('position() counts consumed lines and open(ctx, position) resumes after them', async () => {
    const f = file('l1\nl2\nl3\nl4\nl5\n');
    const src = Sources.textFile(f);
    const reader = src.open({ operator: 's', deadLetter() {} });
    expect(reader.position!()).toBe(0);
    expect((await reader.poll(3, true)).records).toEqual(['l1', 'l2', 'l3']);
    const pos = reader.position!();
    expect(pos).toBe(3);
    await reader.close();
    const resumed = src.open({ operator: 's', deadLetter() {} }, pos);
    expect(resumed.position!()).toBe(3); // before its first poll too
    await resumed.close();
    expect(await drain(src, { resumeFrom: pos, max: 10 })).toEqual([['l4', 'l5']]);
    expect(await drain(src, { resumeFrom: 5, max: 10 })).toEqual([[]]);
  });

  it('resuming past the end of the file is an error naming the path', async () => {
    const f = file('a\nb\n');
    await expect(drain(Sources.textFile(f), { resumeFrom: 7 })).rejects.toThrow(`textFile: cannot resume ${f} after line 7: the file has only 2 lines`);
  });

  it('keeps multi-byte characters and long lines intact across read chunks', async () => {
    const long = 'é'.repeat(100_000); // 200 KB: spans several 64 KiB chunks, characters split between them
    const lines = ['x', long, 'ü€😀', long + 'z'];
    const { batches } = await runText(file(lines.join('\n') + '\n'), 3);
    expect(batches.flatMap(([, r]) => r)).toEqual(lines);
    expect(batches.map(([, r]) => r.length)).toEqual([3, 1]);
  });
});
