import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { S, Sources } from '../../src/index.js';
import { LineSplitter, type Line } from '../../src/io/sources/line-splitter.js';
import { context, drain, rng, runSource, tcpServer, tempDir, tempFile } from './helpers.js';

const MiB = 2 ** 20;
/** Characters of 1 to 4 UTF-8 bytes, and a stray carriage return. */
const CHARS = Array.from('aé€😀\r');
describe('maxRecordBytes: a record longer than the limit goes to dead letters and reading goes on', () => {
  it('textFile: a 5 MiB line (default limit 4 MiB) is a dead letter with file:line, byte offset and a 1 KiB preview', async () => {
    const long = 'x'.repeat(5 * MiB);
    const f = tempFile('big.txt', `first\nsecond\n${long}\nfourth\r\nfifth`);
    const { records, dead } = await runSource(Sources.textFile(f));
    expect(records).toEqual(['first', 'second', 'fourth', 'fifth']);
    expect(dead).toEqual([{
      origin: `${f}:3`,
      reason: `record of ${5 * MiB} bytes is longer than maxRecordBytes (${4 * MiB}); raw holds its first 1024 bytes (the line starts at byte 13)`,
      raw: 'x'.repeat(1024),
      batchTime: 1000,
    }]);
  });

  it('the limit is per source; a line of exactly the limit passes; a too-long last line without newline is caught too', async () => {
    const f = tempFile('l.txt', '123456789012\n1234567890123\nok\r\n€€€€\n€€€€x\n' + 'y'.repeat(200_000));
    const { records, dead } = await runSource(Sources.textFile(f, { maxRecordBytes: 12 }));
    expect(records).toEqual(['123456789012', 'ok', '€€€€']); // € is 3 bytes: 12 bytes pass, 13 do not
    expect(dead.map((d) => [d.origin, d.raw])).toEqual([[`${f}:2`, '1234567890123'], [`${f}:5`, '€€€€x'], [`${f}:6`, 'y'.repeat(1024)]]);
    expect(dead[1].reason).toBe('record of 13 bytes is longer than maxRecordBytes (12); raw holds its first 13 bytes (the line starts at byte 44)');
    expect(Sources.textFile(f, { maxRecordBytes: 12 }).spec).toEqual({ type: 'textFile', bounded: true, path: f, maxRecordBytes: 12 });
  });

  it('a line of exactly the limit ending in CRLF across a read boundary passes; one byte more does not', () => {
    for (const [line, ok] of [['abcd', true], ['abcde', false]] as const) {
      const s = new LineSplitter(4);
      const out: Line[] = [];
      s.push(Buffer.from(`${line}\r`), out);
      s.push(Buffer.from('\nz'), out);
      s.end(out);
      expect(out[0]).toEqual(ok ? line : { offset: 0, reason: 'record of 5 bytes is longer than maxRecordBytes (4); raw holds its first 5 bytes', raw: line });
      expect(out[1]).toBe('z');
    }
  });

  it('a bad maxRecordBytes is refused when the pipeline is built, naming the source', () => {
    expect(() => Sources.textFile('a.txt', { maxRecordBytes: 0 })).toThrow('textFile a.txt: maxRecordBytes must be a positive integer (bytes), got 0');
    expect(() => Sources.jsonLines('a.jsonl', undefined, { maxRecordBytes: 1.5 })).toThrow('jsonLines a.jsonl: maxRecordBytes must be a positive integer (bytes), got 1.5');
    expect(() => Sources.csv('a.csv', S.record('R', { a: S.string() }), { maxRecordBytes: -1 })).toThrow(RangeError);
    expect(() => Sources.directory('d', { format: 'text', maxRecordBytes: NaN })).toThrow('directory d: maxRecordBytes must be a positive integer (bytes), got NaN');
    expect(() => Sources.socketText('h', 1, { maxRecordBytes: 0 })).toThrow('socketText h:1: maxRecordBytes must be a positive integer (bytes), got 0');
  });

  it('jsonLines: a line over the limit is a dead letter; the next lines are read', async () => {
    const f = tempFile('r.jsonl', `{"a":1}\n{"a":"${'z'.repeat(300)}"}\n{"a":3}\n`);
    const { records, dead } = await runSource(Sources.jsonLines(f, undefined, { maxRecordBytes: 100 }));
    expect(records).toEqual([{ a: 1 }, { a: 3 }]);
    expect(dead.map((d) => d.origin)).toEqual([`${f}:2`]);
    expect(dead[0].reason).toMatch(/^record of 308 bytes is longer than maxRecordBytes \(100\)/);
  });

  it('csv: a row over the limit is a dead letter; the next rows are read', async () => {
    const R = S.record('R', { k: S.string(), v: S.int() });
    const f = tempFile('r.csv', `k,v\na,1\n${'b'.repeat(500)},2\nc,3\n`);
    const { records, dead } = await runSource(Sources.csv(f, R, { maxRecordBytes: 64 }));
    expect(records).toEqual([{ k: 'a', v: 1 }, { k: 'c', v: 3 }]);
    expect(dead.map((d) => d.origin)).toEqual([`${f}:3`]);
  });

  it('directory: a line over the limit is a dead letter with <file>:<line>', async () => {
    const dir = join(tempDir(), 'in');
    mkdirSync(dir);
    const staging = join(dir, '..', 'x.txt');
    writeFileSync(staging, `ok\n${'q'.repeat(100)}\nstill\n`);
    renameSync(staging, join(dir, 'x.txt'));
    const ctx = context();
    const batches = await drain(Sources.directory(dir, { format: 'text', includeExisting: true, maxRecordBytes: 50 }), { ctx, polls: 2 });
    expect(batches.flat()).toEqual(['ok', 'still']);
    expect(ctx.dead.map((d) => d.origin)).toEqual([`${join(dir, 'x.txt')}:2`]);
  });

  it('socketText: a line over the limit is a dead letter with host:port:<line> and its byte offset', async () => {
    const port = await tcpServer((c) => c.end(`a\n${'w'.repeat(70_000)}\nb\n`));
    const ctx = context();
    const batches = await drain(Sources.socketText('127.0.0.1', port, { maxRecordBytes: 1000 }), { ctx });
    expect(batches.flat()).toEqual(['a', 'b']);
    expect(ctx.dead.map((d) => [d.origin, d.reason])).toEqual([
      [`127.0.0.1:${port}:2`, 'record of 70000 bytes is longer than maxRecordBytes (1000); raw holds its first 1024 bytes (the line starts at byte 2 of the connection)'],
    ]);
  });
});

describe('line splitting over chunk boundaries', () => {
  it('gives the same lines as splitting the whole text, for random line lengths and chunk sizes (fixed seed)', () => {
    const rand = rng(7);
    for (let round = 0; round < 30; round++) {
      const lines: string[] = [];
      for (let i = 0; i < 40; i++) {
        const len = Math.floor(rand() ** 3 * 3000);
        let l = '';
        for (let j = 0; j < len; j++) l += CHARS[Math.floor(rand() * CHARS.length)];
        lines.push(l);
      }
      const text = lines.join(rand() < 0.5 ? '\n' : '\r\n') + (rand() < 0.5 ? '\n' : '');
      const bytes = Buffer.from(text);
      const max = 1 + Math.floor(rand() * 8000);
      const s = new LineSplitter(max);
      const out: Line[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(rand() ** 2 * 5000);
        s.push(bytes.subarray(at, at + n), out);
        at += n;
      }
      s.end(out);
      const want = text.split('\n');
      if (want[want.length - 1] === '') want.pop();
      expect(out.length).toBe(want.length);
      let offset = 0;
      want.forEach((w, i) => {
        const stripped = w.endsWith('\r') ? w.slice(0, -1) : w;
        const n = Buffer.byteLength(stripped);
        if (n <= max) expect(out[i]).toBe(stripped);
        else expect(out[i]).toMatchObject({ offset, reason: expect.stringMatching(new RegExp(`^record of ${n} bytes is longer than maxRecordBytes \\(${max}\\)`)) });
        offset += Buffer.byteLength(w) + 1;
      });
    }
  });

  it('one chunk of several MiB (a batch read in slices) gives the lines of the same bytes pushed in 64 KiB chunks, bad lines included', () => {
    const rand = rng(11);
    const parts: Buffer[] = [];
    for (let i = 0; i < 120_000; i++) {
      const r = rand();
      if (r < 0.0005) parts.push(Buffer.from([0x61, 0xff, 0x62, 0x0a])); // invalid UTF-8
      else if (r < 0.0006) parts.push(Buffer.from(`${'x'.repeat(3 * MiB)}\n`)); // longer than a block, shorter than the limit
      else parts.push(Buffer.from(`w${i} ${CHARS[i % CHARS.length]} ${'é'.repeat(i % 40)}${r < 0.5 ? '\r' : ''}\n`));
    }
    parts.push(Buffer.from(`${'y'.repeat(5 * MiB)}\nlast`)); // longer than the limit, then a line without newline
    const bytes = Buffer.concat(parts);
    const split = (size: number): Line[] => {
      const s = new LineSplitter(4 * MiB);
      const out: Line[] = [];
      for (let at = 0; at < bytes.length; at += size) s.push(bytes.subarray(at, at + size), out);
      s.end(out);
      return out;
    };
    const whole = split(bytes.length);
    expect(whole.length).toBe(120_002);
    expect(whole.filter((l) => typeof l !== 'string').map((l) => (l as { reason: string }).reason.slice(0, 20))).toContain('record of 5242880 by');
    expect(whole.filter((l) => typeof l !== 'string').length).toBeGreaterThan(20);
    expect(whole).toEqual(split(64 * 1024));
  });
});
