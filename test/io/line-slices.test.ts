import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { textFile } from '../../src/io/sources/text-file.js';
import { jsonLines } from '../../src/io/sources/json-lines.js';
import { csv } from '../../src/io/sources/csv.js';
import { ctx, drain, keeping, skewed, slicesAreWhole } from './slice-helpers.js';
import * as S from '../../src/schema/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-slices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILES: Record<string, string> = {
  plain: 'a b\nc d\ne\n',
  'no final newline': 'a\nb\nc',
  'bom, crlf, empty lines': '\uFEFFfirst\r\n\r\n\nsecond\r\nthird\n\n',
  multibyte: 'ä ö\n€uro\n😀 x\n\nñ',
  empty: '',
  'one newline': '\n',
  'lines longer than a read': `${'x'.repeat(1_500_000)}\nshort\n${'y'.repeat(2_300_000)}\nz`, // dead letters with maxRecordBytes 32
  // The scan's buffer grows to 16 MiB for the first line and shrinks back after it; the lines after it land in the reused buffer.
  'a line of many reads, then short ones': `${'w'.repeat(9_000_000)}\n${Array.from({ length: 300 }, (_, i) => `s ${i}`).join('\n')}\n${'v'.repeat(5_000_000)}\nend\n`,
  'bad lines: too long, invalid UTF-8': Buffer.concat([Buffer.from('ok 1\n'), Buffer.from('x'.repeat(40) + '\r\n'), Buffer.from('ok 2\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from('\nok 3\r\n'), Buffer.from('y'.repeat(33)), Buffer.from('\n\nok 4')]).toString('latin1'),
  many: Array.from({ length: 1003 }, (_, i) => `line ${i}`).join('\n') + '\n',
};

describe('textFile read in slices', () => {
  for (const [name, text] of Object.entries(FILES)) {
    it(`slices of every batch, concatenated, are the whole-file batches: ${name}`, async () => {
      const path = join(dir, `${name.replace(/\W/g, '_')}.txt`);
      writeFileSync(path, name.startsWith('bad') ? Buffer.from(text, 'latin1') : text);
      const dead = await slicesAreWhole(() => textFile(path, { maxRecordBytes: 32 }), [1, 2, 3, 7, 1000]);
      if (name.startsWith('bad')) expect(dead).toHaveLength(3);
    });
  }

  it('balanced slices (uneven weights that change every batch, empty slices too) are the whole-file batches, dead letters alike', async () => {
    for (const name of ['bad lines: too long, invalid UTF-8', 'bom, crlf, empty lines', 'many']) {
      const path = join(dir, `balanced-${name.replace(/\W/g, '_')}.txt`);
      writeFileSync(path, name.startsWith('bad') ? Buffer.from(FILES[name], 'latin1') : FILES[name]);
      const dead = await slicesAreWhole(() => textFile(path, { maxRecordBytes: 32 }), [1, 2, 3, 7, 1000], [2, 3, 4], skewed);
      expect(dead).toHaveLength(name.startsWith('bad') ? 3 : 0);
    }
  });

  it('batches of many reads: slices are the whole-file batches, bad lines too', async () => {
    const path = join(dir, 'many-reads.txt');
    const lines = Array.from({ length: 200_000 }, (_, i) => Buffer.from(i % 99_991 === 5 ? `${'z'.repeat(40)}\n` : `wörd ${i} €\n`));
    lines[150_001] = Buffer.from([0x62, 0xff, 0x0a]);
    writeFileSync(path, Buffer.concat(lines)); // 3 MB: a batch of 70 k lines spans two reads of 1 MiB, a slice of 200 k lines too
    // Two and three slices: one slice is the whole-file reader, and the small files above try four.
    const dead = await slicesAreWhole(() => textFile(path, { maxRecordBytes: 32 }), [70_000, 199_999], [2, 3]);
    expect(dead).toHaveLength(4);
  }, 120_000);

  it('a slice in the middle of a batch sends the dead letters of the lines it owns, not slice 0', async () => {
    const path = join(dir, 'middle.txt');
    writeFileSync(path, Buffer.concat([Buffer.from('a\nb\nc\n'), Buffer.from([0xff, 0x0a]), Buffer.from('d\ne\nf\n')]));
    const ks = [0, 1].map(() => keeping());
    const slices = await Promise.all(ks.map((k, index) => drain(textFile(path).openSlice!(k.ctx, { index, count: 2 }), 100)));
    expect(slices.map((s) => s[0].records)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f']]);
    expect(ks[0].dead).toEqual([]);
    expect(ks[1].dead).toEqual([`${path}:4 invalid UTF-8 at byte 0 of the line; raw holds the line's 1 bytes in base64 (the line starts at byte 6) /w==`]);
  });

  it('resumes at a whole-file position: the slices after it are the whole-file batches after it', async () => {
    const path = join(dir, 'resume.txt');
    writeFileSync(path, FILES.many);
    const whole = await drain(textFile(path).open(ctx), 100);
    const after = await drain(textFile(path).open(ctx, 300), 100);
    const slices = await Promise.all([0, 1, 2].map((index) => drain(textFile(path).openSlice!(ctx, { index, count: 3 }, 300), 100)));
    expect(after.map((_, k) => slices.flatMap((s) => s[k].records))).toEqual(after.map((b) => b.records));
    expect(after[0].records[0]).toBe('line 300');
    expect(whole.length).toBe(after.length + 3);
    await expect(drain(textFile(path).openSlice!(ctx, { index: 0, count: 2 }, 5000), 10)).rejects.toThrow(/cannot resume .*resume.txt after line 5000: the file has only 1003 lines/);
  });
});

const Reading = S.record('Reading', { sensor: S.string(), celsius: S.double() });
const JSON_FILES: Record<string, string> = {
  'blank, invalid, misfit, bad lines': Buffer.concat([
    Buffer.from('\uFEFF{"sensor":"a","celsius":1}\r\n\n   \n{"sensor":"b","celsius":\n{"sensor":"c","celsius":"hot"}\n'),
    Buffer.from('{"sensor":"d","celsius":4,"note":"ä 😀"}\n[1,2]\n'),
    Buffer.from('{"sensor":"'), Buffer.from([0xff]), Buffer.from('","celsius":5}\n'),
    Buffer.from(`{"sensor":"${'x'.repeat(40)}","celsius":6}\n`),
    Buffer.from('{"sensor":"g","celsius":7}\nnull\n{"sensor":"h","celsius":8}'),
  ]).toString('latin1'),
  many: Array.from({ length: 503 }, (_, i) => (i % 17 === 3 ? '' : i % 29 === 5 ? `{"sensor":"s${i}"` : `{"sensor":"s${i}","celsius":${i}}`)).join('\n') + '\n',
};

describe('jsonLines read in slices', () => {
  for (const [name, text] of Object.entries(JSON_FILES)) {
    it(`slices of every batch, concatenated, are the whole-file batches, dead letters alike: ${name}`, async () => {
      const path = join(dir, `${name.replace(/\W/g, '_')}.jsonl`);
      writeFileSync(path, Buffer.from(text, 'latin1'));
      for (const schema of [Reading, undefined]) {
        const dead = await slicesAreWhole(() => jsonLines(path, schema, { maxRecordBytes: 50 }), [1, 2, 3, 7, 1000]);
        expect(dead).toHaveLength(name === 'many' ? 17 : schema ? 6 : 3);
      }
    });
  }

  it('balanced slices are the whole-file batches, dead letters alike', async () => {
    const path = join(dir, 'balanced.jsonl');
    writeFileSync(path, Buffer.from(JSON_FILES.many, 'latin1'));
    const dead = await slicesAreWhole(() => jsonLines(path, Reading, { maxRecordBytes: 50 }), [1, 3, 7, 1000], [2, 3], skewed);
    expect(dead).toHaveLength(17);
  });

  it('resumes at a whole-file position and refuses a position beyond the file', async () => {
    const path = join(dir, 'resume.jsonl');
    writeFileSync(path, JSON_FILES.many);
    const after = await drain(jsonLines(path, Reading).open(ctx, 300), 100);
    const slices = await Promise.all([0, 1, 2].map((index) => drain(jsonLines(path, Reading).openSlice!(ctx, { index, count: 3 }, 300), 100)));
    expect(after.map((_, k) => slices.flatMap((s) => s[k].records))).toEqual(after.map((b) => b.records));
    expect(after[0].records[0]).toEqual({ sensor: 's300', celsius: 300 });
    await expect(drain(jsonLines(path).openSlice!(ctx, { index: 1, count: 2 }, 600), 10)).rejects.toThrow(/cannot resume .*resume.jsonl after line 600: the file has only 503 lines/);
  });
});

const Trade = S.record('Trade', { id: S.int(), name: S.string(), note: S.optional(S.string()) });
const CSV_FILES: Record<string, { text: string; header?: boolean; dead: number }> = {
  'quoted fields over lines, blank lines, CRLF, BOM': {
    text: '\uFEFFid,name,note\r\n1,a,"one\r\ntwo"\r\n\r\n2,"b, c",\r\n3,c,"x\n""y""\nz"\n4,d,e\n5,e\n6,f,g,h\n7,x,"q"r\n8,"multi\nline",n\n',
    dead: 3,
  },
  'stray quotes: closed by something else, over maxRecordBytes, open at the end': {
    text: ['id,name,note', '1,a,b', '2,"bad,x', '3,c,d', '4,d,"e"f', ...Array.from({ length: 12 }, (_, i) => `${i + 5},n${i + 5},m`), '17,x,"never', '18,y,z', '19,"eof', '20,a,b'].join('\n') + '\n',
    dead: 4,
  },
  'no header, misfits and bad lines': {
    text: Buffer.concat([Buffer.from('1,a,b\nx,b,c\n2,"long'), Buffer.from('z'.repeat(70)), Buffer.from('",c\n3,'), Buffer.from([0xff]), Buffer.from(',d\n4,"open\n'), Buffer.from([0xfe]), Buffer.from('\n5,e,f\n')]).toString('latin1'),
    header: false,
    dead: 5,
  },
  many: {
    text: ['id,note,name', ...Array.from({ length: 400 }, (_, i) => (i % 23 === 7 ? `${i},"a\nb\n\nc",n${i}` : i % 31 === 4 ? `${i},x` : i % 37 === 9 ? `${i},"oops,n${i}` : i % 19 === 2 ? '' : `${i},,n${i}`))].join('\n') + '\n',
    dead: 23,
  },
};

describe('csv read in slices', () => {
  for (const [name, { text, header, dead }] of Object.entries(CSV_FILES)) {
    it(`slices of every batch, concatenated, are the whole-file batches, dead letters alike: ${name}`, async () => {
      const path = join(dir, `${name.replace(/\W/g, '_')}.csv`);
      writeFileSync(path, Buffer.from(text, header === false ? 'latin1' : 'utf8'));
      const got = await slicesAreWhole(() => csv(path, Trade, { header, maxRecordBytes: 60 }), name === 'many' ? [3, 50] : [1, 2, 3, 7, 1000]);
      expect(got).toHaveLength(dead);
    });
  }

  it('balanced slices are the whole-file batches, dead letters alike', async () => {
    const { text, dead } = CSV_FILES.many;
    const path = join(dir, 'balanced.csv');
    writeFileSync(path, text);
    expect(await slicesAreWhole(() => csv(path, Trade, { maxRecordBytes: 60 }), [3, 50], [2, 3], skewed)).toHaveLength(dead);
  });

  it('a reader resumed at the position after any batch cuts the batches of an uninterrupted reader, records over lines and stray quotes too', async () => {
    for (const { text, header } of Object.values(CSV_FILES)) {
      const path = join(dir, 'resumed.csv');
      writeFileSync(path, Buffer.from(text, header === false ? 'latin1' : 'utf8'));
      for (const max of [1, 2, 5]) {
        const whole = await drain(csv(path, Trade, { header, maxRecordBytes: 60 }).open(ctx), max);
        for (let k = 0; k < whole.length - 1; k++) {
          const after = await drain(csv(path, Trade, { header, maxRecordBytes: 60 }).open(ctx, whole[k].position), max);
          expect(after).toEqual(whole.slice(k + 1));
        }
      }
    }
  });

  it('resumes at a whole-file position, inside a record given up on too, reading the header again', async () => {
    const path = join(dir, 'resume.csv');
    writeFileSync(path, CSV_FILES.many.text);
    for (const at of [0, 1, 9, 120, 173, 174]) {
      const after = await drain(csv(path, Trade).open(ctx, at), 50);
      const slices = await Promise.all([0, 1, 2].map((index) => drain(csv(path, Trade).openSlice!(ctx, { index, count: 3 }, at), 50)));
      expect(after.map((_, k) => slices.flatMap((s) => s[k].records))).toEqual(after.map((b) => b.records));
      expect(slices.map((s) => s.map((b) => b.position))).toEqual(slices.map(() => after.map((b) => b.position)));
    }
    await expect(drain(csv(path, Trade).openSlice!(ctx, { index: 1, count: 2 }, 5000), 10)).rejects.toThrow(/cannot resume .*resume.csv after line 5000/);
  });
});
