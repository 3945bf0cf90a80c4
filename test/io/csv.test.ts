import { describe, expect, it } from 'vitest';
import { PipelineError, RuntimeError, S, Sources } from '../../src/index.js';
import { context, drain, runSource, tempFile } from './helpers.js';

const Trade = S.record('Trade', {
  symbol: S.string(),
  price: S.double(),
  qty: S.int(),
  ts: S.timestampMillis(),
  settled: S.boolean(),
  note: S.optional(S.string()),
});

const file = (text: string) => tempFile('trades.csv', text);
const run = (path: string, opts: { header?: boolean; delimiter?: string } = {}, maxBatchSize = 2) => runSource(Sources.csv(path, Trade, opts), { maxBatchSize });

describe('Sources.csv', () => {
  it('parses quoted fields, "" escapes, delimiters and line breaks in quotes (kept as in the file), and converts by field type', async () => {
    const f = file([
      'symbol,price,qty,ts,settled,note',
      'ACME,12.5,100,1000,true,',
      '"BIG, Inc",0.25,-3,1970-01-01T00:00:02Z,FALSE,"said ""hi"""',
      '',
      'Q,1e3,7,3000,false,"two',
      'lines, really"',
      'Z,.5,0,4000,true, spaced ',
    ].join('\r\n') + '\r\n');
    const { batches, records, dead } = await run(f);
    expect(dead).toEqual([]);
    // A batch is maxBatchSize (2) rows: the header and blank lines count, a record over two lines counts once.
    expect(batches).toEqual([
      [1000, [{ symbol: 'ACME', price: 12.5, qty: 100, ts: 1000, settled: true }]],
      [2000, [{ symbol: 'BIG, Inc', price: 0.25, qty: -3, ts: 2000, settled: false, note: 'said "hi"' }]],
      [3000, [
        { symbol: 'Q', price: 1000, qty: 7, ts: 3000, settled: false, note: 'two\r\nlines, really' },
        { symbol: 'Z', price: 0.5, qty: 0, ts: 4000, settled: true, note: ' spaced ' },
      ]],
      [4000, []],
    ]);
    expect(records[0]).not.toHaveProperty('note');
  });

  it('matches header names to fields in any order, ignores extra columns, and leaves out optional columns', async () => {
    const f = file('extra,settled,ts,qty,price,symbol\nx,true,5,1,2.0,A\n');
    const { records } = await run(f);
    expect(records).toEqual([{ symbol: 'A', price: 2, qty: 1, ts: 5, settled: true }]);
  });

  it('drops a UTF-8 byte-order mark before the header', async () => {
    const { records } = await run(file('\uFEFFsymbol,price,qty,ts,settled\nA,1,2,3,true\n'));
    expect(records).toEqual([{ symbol: 'A', price: 1, qty: 2, ts: 3, settled: true }]);
  });

  it('without a header takes columns in schema order, with another delimiter', async () => {
    const f = file('A;1.5;2;10;true;n\nB;2;3;20;false;"x;y"\n');
    const { records } = await run(f, { header: false, delimiter: ';' });
    expect(records).toEqual([
      { symbol: 'A', price: 1.5, qty: 2, ts: 10, settled: true, note: 'n' },
      { symbol: 'B', price: 2, qty: 3, ts: 20, settled: false, note: 'x;y' },
    ]);
  });

  it('bad rows go to dead letters with the reason, the line and the raw text; good rows go on', async () => {
    const lines = [
      'symbol,price,qty,ts,settled,note',
      'OK1,1,1,1,true,',
      'SHORT,1,1',
      'NUM,cheap,1,1,true,',
      'INT,1,1.5,1,true,',
      'BOOL,1,1,1,yes,',
      'QUOTE,"1"x,1,1,true,',
      'EMPTY,,1,1,true,',
      'OK2,2,2,2,false,fine',
      'OPEN,3,3,3,true,"never closed',
      'OK3,3,3,3,true,',
    ];
    const f = file(lines.join('\n') + '\n');
    const { records, dead } = await run(f, {}, 100);
    expect(records.map((t) => t.symbol)).toEqual(['OK1', 'OK2', 'OK3']);
    expect(dead).toEqual([
      { origin: `${f}:3`, reason: 'expected 6 columns (as in the header), got 3', raw: lines[2], batchTime: 1000 },
      { origin: `${f}:4`, reason: 'does not match schema Trade: field price: expected double, got "cheap"', raw: lines[3], batchTime: 1000 },
      { origin: `${f}:5`, reason: 'does not match schema Trade: field qty: expected int (32-bit integer), got 1.5 (not an integer)', raw: lines[4], batchTime: 1000 },
      { origin: `${f}:6`, reason: 'does not match schema Trade: field settled: expected boolean, got "yes"', raw: lines[5], batchTime: 1000 },
      { origin: `${f}:7`, reason: 'malformed CSV: unexpected "x" after the closing quote of column 2', raw: lines[6], batchTime: 1000 },
      { origin: `${f}:8`, reason: 'does not match schema Trade: field price: expected double, got ""', raw: lines[7], batchTime: 1000 },
      // The quote never closes: its line is given up on and the lines after it are read again.
      { origin: `${f}:10`, reason: 'malformed CSV: the quoted field opened on line 10 is not closed by the end of the file; reading goes on at line 11', raw: lines[9], batchTime: 1000 },
    ]);
  });

  it('a header without a required field fails the run, naming the file and the field', async () => {
    const f = file('symbol,price,ts,settled\nA,1,1,true\n');
    const r = run(f);
    await expect(r).rejects.toThrow(RuntimeError);
    await expect(r).rejects.toThrow(`csv: ${f}:1: the header (symbol,price,ts,settled) has no column for required field qty of schema Trade`);
  });

  it('position() stops before a record that goes on over lines; resuming re-reads the header and goes on', async () => {
    const f = file('symbol,price,qty,ts,settled,note\nA,1,1,1,true,\nB,2,2,2,true,"multi\nline"\nC,3,3,3,true,\n');
    const src = Sources.csv(f, Trade);
    const reader = src.open(context());
    expect((await reader.poll(2, true)).records.map((t) => t.symbol)).toEqual(['A']);
    expect(reader.position!()).toBe(2);
    // B goes on over two lines: one row.
    expect((await reader.poll(1, true)).records.map((t) => t.note)).toEqual(['multi\nline']);
    expect(reader.position!()).toBe(4);
    await reader.close();
    expect((await drain(src, { resumeFrom: 2 })).flat().map((t) => t.symbol)).toEqual(['B', 'C']);
    expect((await drain(src, { resumeFrom: 4 })).flat().map((t) => t.symbol)).toEqual(['C']);
  });

  it('refuses schemas a CSV row cannot hold, and bad delimiters, when the pipeline is built', () => {
    expect(() => Sources.csv('x.csv', S.string() as never)).toThrow(PipelineError);
    expect(() => Sources.csv('x.csv', S.record('R', { tags: S.array(S.string()) }))).toThrow('csv x.csv: field tags has type {"type":"array","items":"string"}, which a CSV cell cannot hold');
    expect(() => Sources.csv('x.csv', Trade, { delimiter: '"' })).toThrow(PipelineError);
  });

  it('spec names the path and options', () => {
    expect(Sources.csv('t.csv', Trade).spec).toEqual({ type: 'csv', bounded: true, path: 't.csv', header: true, delimiter: ',' });
  });
});
