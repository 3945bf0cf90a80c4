import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { S, Sources } from '../../src/index.js';
import { context, drain, rng, runSource, tempFile } from './helpers.js';

const Row = S.record('Row', { id: S.int(), name: S.string(), note: S.string() });

/** `n` rows `i,name<i>,"note, <i>"` after a header. */
function rows(n: number, from = 1): string[] {
  return Array.from({ length: n }, (_, i) => `${from + i},name${from + i},"note, ${from + i}"`);
}

describe('Sources.csv: an unterminated quote costs one line, not the rest of the file', () => {
  it('a stray quote on line 2 of a 6.6 MB file (over the 4 MiB default): line 2 is a dead letter, every other row is read', async () => {
    const body = Array.from({ length: 250_000 }, (_, i) => `${i + 2},name${i + 2},note ${i + 2}`);
    const stray = '1,"stray,oops';
    const f = tempFile('big.csv', ['id,name,note', stray, ...body].join('\n') + '\n');
    const { records, dead, metrics } = await runSource(Sources.csv(f, Row));
    expect(dead).toEqual([{
      origin: `${f}:2`,
      reason: `malformed CSV: the quoted field opened on line 2 is not closed within maxRecordBytes (${4 * 2 ** 20} bytes); reading goes on at line 3`,
      raw: stray,
      batchTime: 1000,
    }]);
    expect(records.length).toBe(250_000);
    expect(records[0]).toEqual({ id: 2, name: 'name2', note: 'note 2' });
    expect(records[records.length - 1]).toEqual({ id: 250_001, name: 'name250001', note: 'note 250001' });
    expect(metrics.deadLetters).toBe(1);
  });

  it('each stray quote is reported at its own line: closed by a later quote, not closed within the limit, open at the end', async () => {
    const plain = (n: number, from: number) => Array.from({ length: n }, (_, i) => `${from + i},p${from + i},q`);
    const lines = ['id,name,note', ...rows(3, 1), '4,"bad,x', ...rows(40, 5), '45,x,"bad', ...plain(40, 46), '86,"eof', ...plain(2, 87)];
    const f = tempFile('r.csv', lines.join('\n') + '\n');
    const { records, dead } = await runSource(Sources.csv(f, Row, { maxRecordBytes: 200 }));
    expect(dead.map((d) => [d.origin, d.raw, d.reason])).toEqual([
      [`${f}:5`, '4,"bad,x', 'malformed CSV: the quoted field opened on line 5 is closed on line 6 by a quote followed by something else: unexpected "n" after the closing quote of column 2; reading goes on at line 6'],
      [`${f}:46`, '45,x,"bad', 'malformed CSV: the quoted field opened on line 46 is not closed within maxRecordBytes (200 bytes); reading goes on at line 47'],
      [`${f}:87`, '86,"eof', 'malformed CSV: the quoted field opened on line 87 is not closed by the end of the file; reading goes on at line 88'],
    ]);
    expect(records.map((r) => r.id)).toEqual([...Array(88).keys()].map((i) => i + 1).filter((i) => i !== 4 && i !== 45 && i !== 86));
  });

  it('in a CRLF file a dead letter keeps the raw lines as in the file, without the last line break', async () => {
    const f = tempFile('r.csv', 'id,name,note\r\n1,"bad\r\n2,b\r\n3,c,d\r\n');
    const { records, dead } = await runSource(Sources.csv(f, Row));
    expect(records).toEqual([{ id: 3, name: 'c', note: 'd' }]);
    expect(dead.map((d) => [d.origin, d.raw])).toEqual([[`${f}:2`, '1,"bad'], [`${f}:3`, '2,b']]);
  });

  it('a multi-line quoted field within the limit is still one record', async () => {
    const f = tempFile('r.csv', 'id,name,note\n1,a,"one\ntwo\n""three"""\n2,b,c\n');
    const { records, dead } = await runSource(Sources.csv(f, Row, { maxRecordBytes: 100 }));
    expect(dead).toEqual([]);
    expect(records).toEqual([{ id: 1, name: 'a', note: 'one\ntwo\n"three"' }, { id: 2, name: 'b', note: 'c' }]);
  });

  it('position() during the re-read of lines after a stray quote resumes to the same records', async () => {
    const lines = ['id,name,note', '1,"bad', ...rows(30, 2)];
    const f = tempFile('r.csv', lines.join('\n') + '\n');
    const src = Sources.csv(f, Row, { maxRecordBytes: 150 });
    const all = (await drain(src, { max: 1000 })).flat().map((r) => r.id);
    expect(all).toEqual([...Array(30).keys()].map((i) => i + 2));
    const reader = src.open(context());
    const first = (await reader.poll(3, true)).records.map((r) => r.id);
    const pos = reader.position!();
    await reader.close();
    const rest = (await drain(src, { resumeFrom: pos, max: 1000 })).flat().map((r) => r.id);
    expect([...first, ...rest]).toEqual(all);
  });
});

describe('Sources.csv agrees with csv-parse on well-formed files', () => {
  const Text = S.record('Text', { a: S.string(), b: S.string(), c: S.string() });
  const pieces = ['x', 'hello', ' ', ',', '"', '\n', '\r\n', ';', 'é', '😀', ''];

  it('random cells with delimiters, quotes and line breaks parse to the same rows (fixed seed)', async () => {
    const rand = rng(11);
    for (const delimiter of [',', ';', '::']) {
      const out: string[] = ['a' + delimiter + 'b' + delimiter + 'c'];
      for (let i = 0; i < 200; i++) {
        const row = [0, 1, 2].map(() => Array.from({ length: Math.floor(rand() * 4) }, () => pieces[Math.floor(rand() * pieces.length)]).join(''));
        if (!row.some((c) => c !== '')) row[0] = 'x'; // a blank line is no row for either
        out.push(row.map((c) => (/[",;:\r\n]/.test(c) || c.startsWith(' ') ? `"${c.replace(/"/g, '""')}"` : c)).join(delimiter));
      }
      const text = out.join('\n') + '\n';
      const f = tempFile('p.csv', text);
      const theirs = parse(text, { columns: true, delimiter, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
      const { records, dead } = await runSource(Sources.csv(f, Text, { delimiter }));
      expect(dead).toEqual([]);
      expect(records).toEqual(theirs.map((r) => ({ a: r.a, b: r.b, c: r.c })));
    }
  });
});
