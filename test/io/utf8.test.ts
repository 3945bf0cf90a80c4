import { describe, expect, it } from 'vitest';
import { S, Sources } from '../../src/index.js';
import { context, drain, runSource, tcpServer, tempFile } from './helpers.js';

/** `text` as UTF-8 with `bytes` spliced in where `@` is. */
const withBytes = (text: string, bytes: number[]) => {
  const [a, b] = text.split('@');
  return Buffer.concat([Buffer.from(a), Buffer.from(bytes), Buffer.from(b)]);
};

describe('invalid UTF-8 is a dead letter with the raw bytes in base64, never a value with U+FFFD', () => {
  it('textFile: the bad line goes to dead letters with its exact bytes; the others are read', async () => {
    const bad = withBytes('ab@cd', [0xff, 0xfe]);
    const f = tempFile('t.txt', Buffer.concat([Buffer.from('good\n'), bad, Buffer.from('\r\nstill good € 😀\n')]));
    const { records, dead } = await runSource(Sources.textFile(f));
    expect(records).toEqual(['good', 'still good € 😀']);
    expect(dead).toEqual([{
      origin: `${f}:2`,
      reason: "invalid UTF-8 at byte 2 of the line; raw holds the line's 6 bytes in base64 (the line starts at byte 5)",
      raw: bad.toString('base64'),
      batchTime: 1000,
    }]);
    expect(Buffer.from(dead[0].raw, 'base64').equals(bad)).toBe(true);
  });

  it('textFile: a character cut short, an overlong encoding and a lone surrogate are all refused', async () => {
    const lines = [
      withBytes('cut @', [0xe2, 0x82]), // € without its last byte
      withBytes('overlong @', [0xc0, 0xaf]), // '/' encoded in two bytes
      withBytes('surrogate @', [0xed, 0xa0, 0x80]), // U+D800
      Buffer.from('fine'),
    ];
    const f = tempFile('t.txt', Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const { records, dead } = await runSource(Sources.textFile(f));
    expect(records).toEqual(['fine']);
    expect(dead.map((d) => [d.origin, Buffer.from(d.raw, 'base64')])).toEqual(lines.slice(0, 3).map((l, i) => [`${f}:${i + 1}`, l]));
  });

  it('a multi-byte character across the 64 KiB read boundary is read whole', async () => {
    const line = 'a' + '€'.repeat(30_000); // 90 001 bytes: a € straddles byte 65 536
    const f = tempFile('t.txt', `${line}\n${line}\n`);
    const { records, dead } = await runSource(Sources.textFile(f));
    expect(dead).toEqual([]);
    expect(records).toEqual([line, line]);
  });

  it('jsonLines: invalid UTF-8 inside a string is a dead letter, not a record with U+FFFD', async () => {
    const bad = withBytes('{"name":"caf@"}', [0xe9]); // Latin-1 é
    const f = tempFile('r.jsonl', Buffer.concat([Buffer.from('{"name":"ok"}\n'), bad, Buffer.from('\n{"name":"café"}\n')]));
    const R = S.record('R', { name: S.string() });
    const { records, dead } = await runSource(Sources.jsonLines(f, R));
    expect(records).toEqual([{ name: 'ok' }, { name: 'café' }]);
    expect(dead.map((d) => [d.origin, d.raw])).toEqual([[`${f}:2`, bad.toString('base64')]]);
    expect(dead[0].reason).toMatch(/^invalid UTF-8 at byte 12 of the line; raw holds the line's 15 bytes in base64/);
  });

  it('csv: invalid UTF-8 in a cell is a dead letter; a quoted record cut by such a line is one too', async () => {
    const R = S.record('R', { k: S.string(), v: S.int() });
    const bad = withBytes('b@,2', [0x80]);
    const content = Buffer.concat([Buffer.from('k,v\na,1\n'), bad, Buffer.from('\n"multi\n'), bad, Buffer.from('\nc,3\n')]);
    const f = tempFile('r.csv', content);
    const { records, dead } = await runSource(Sources.csv(f, R));
    expect(records).toEqual([{ k: 'a', v: 1 }, { k: 'c', v: 3 }]);
    expect(dead.map((d) => [d.origin, d.raw])).toEqual([
      [`${f}:3`, bad.toString('base64')],
      [`${f}:4`, '"multi'],
      [`${f}:5`, bad.toString('base64')],
    ]);
    expect(dead[1].reason).toBe('malformed CSV: the record that starts on line 4 is cut by line 5, which cannot be read (see its dead letter)');
  });

  it('socketText: a line of invalid UTF-8 is a dead letter with its bytes, even when split over packets', async () => {
    const port = await tcpServer(async (c) => {
      c.write(Buffer.from([0x61, 0x0a, 0x62, 0xe2, 0x82])); // "a\nb" and the first two bytes of €
      await new Promise((r) => setTimeout(r, 20));
      c.write(Buffer.from([0xac, 0x0a, 0x63, 0xe2, 0x0a])); // its last byte: "b€" is fine; "c" + a cut € is not
      c.end('d\n');
    });
    const ctx = context();
    const batches = await drain(Sources.socketText('127.0.0.1', port), { ctx });
    expect(batches.flat()).toEqual(['a', 'b€', 'd']);
    expect(ctx.dead.map((d) => [d.origin, d.raw])).toEqual([[`127.0.0.1:${port}:3`, Buffer.from([0x63, 0xe2]).toString('base64')]]);
  });
});
