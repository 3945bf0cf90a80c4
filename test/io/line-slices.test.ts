import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { textFile } from '../../src/io/sources/text-file.js';
import type { SourceReader } from '../../src/io/connector.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-slices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = { operator: 'source#0', deadLetter: () => {} };
/** A context that keeps the dead letters it gets. */
const keeping = () => { const dead: string[] = []; return { dead, ctx: { operator: 'source#0', deadLetter: (o: string, r: string, raw: string) => { dead.push(`${o} ${r} ${raw}`); } } }; };

/** Every batch of a reader: records, done, position after it. */
async function drain(r: SourceReader<string>, max: number): Promise<Array<{ records: string[]; done: boolean; position: unknown }>> {
  const out = [];
  for (let i = 0; i < 10_000; i++) {
    const { records, done } = await r.poll(max, true);
    out.push({ records, done, position: r.position?.() });
    if (done) break;
  }
  await r.close();
  return out;
}

const FILES: Record<string, string> = {
  plain: 'a b\nc d\ne\n',
  'no final newline': 'a\nb\nc',
  'bom, crlf, empty lines': '\uFEFFfirst\r\n\r\n\nsecond\r\nthird\n\n',
  multibyte: 'ä ö\n€uro\n😀 x\n\nñ',
  empty: '',
  'one newline': '\n',
  'lines longer than a read': `${'x'.repeat(1_500_000)}\nshort\n${'y'.repeat(2_300_000)}\nz`, // dead letters with maxRecordBytes 32
  'bad lines: too long, invalid UTF-8': Buffer.concat([Buffer.from('ok 1\n'), Buffer.from('x'.repeat(40) + '\r\n'), Buffer.from('ok 2\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from('\nok 3\r\n'), Buffer.from('y'.repeat(33)), Buffer.from('\n\nok 4')]).toString('latin1'),
  many: Array.from({ length: 1003 }, (_, i) => `line ${i}`).join('\n') + '\n',
};

describe('textFile read in slices', () => {
  for (const [name, text] of Object.entries(FILES)) {
    it(`slices of every batch, concatenated, are the whole-file batches: ${name}`, async () => {
      const path = join(dir, `${name.replace(/\W/g, '_')}.txt`);
      writeFileSync(path, name.startsWith('bad') ? Buffer.from(text, 'latin1') : text);
      for (const max of [1, 2, 3, 7, 1000]) {
        const w = keeping();
        const whole = await drain(textFile(path, { maxRecordBytes: 32 }).open(w.ctx), max);
        for (const count of [1, 2, 3, 4]) {
          const ks = [...Array(count).keys()].map(() => keeping());
          const slices = await Promise.all(ks.map((k, index) => drain(textFile(path, { maxRecordBytes: 32 }).openSlice!(k.ctx, { index, count }), max)));
          for (const s of slices) expect(s.map((b) => [b.done, b.position])).toEqual(whole.map((b) => [b.done, b.position]));
          expect(whole.map((_, k) => slices.flatMap((s) => s[k].records))).toEqual(whole.map((b) => b.records));
          expect(ks[0].dead).toEqual(w.dead);
          expect(ks.slice(1).flatMap((k) => k.dead)).toEqual([]);
        }
        if (name.startsWith('bad')) expect(w.dead).toHaveLength(3);
      }
    });
  }

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
