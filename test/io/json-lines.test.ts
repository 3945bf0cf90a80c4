import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, S, Sinks, Sources, seconds, type DeadLetter } from '../../src/index.js';
import { readJsonLinesDir } from '../../src/io/sinks/json-lines.js';
import { context, drain, jsonError, runSource, tempDir, tempFile } from './helpers.js';

const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double(), note: S.optional(S.string()) });
type Reading = S.Infer<typeof Reading>;

const file = (lines: string[]) => tempFile('readings.jsonl', lines.join('\n') + '\n');

describe('Sources.jsonLines', () => {
  it('reads records through a pipeline, maxBatchSize lines per batch, blank lines skipped, schema conversion applied', async () => {
    const f = file([
      '{"sensor":"a","ts":1000,"celsius":20.5}',
      '',
      '{"sensor":"b","ts":"1970-01-01T00:00:02Z","celsius":21,"note":"hi"}',
      '   ',
      '{"sensor":"c","ts":3000,"celsius":-1,"note":null}',
    ]);
    const { batches, records, dead } = await runSource(Sources.jsonLines(f, Reading), { maxBatchSize: 2 });
    // A blank line counts towards maxBatchSize (it is a line read), so each batch holds one record.
    expect(batches).toEqual([
      [1000, [{ sensor: 'a', ts: 1000, celsius: 20.5 }]],
      [2000, [{ sensor: 'b', ts: 2000, celsius: 21, note: 'hi' }]],
      [3000, [{ sensor: 'c', ts: 3000, celsius: -1 }]],
    ]);
    expect(records[2]).not.toHaveProperty('note');
    expect(dead).toEqual([]);
  });

  it('without a schema yields the parsed JSON values as they are', async () => {
    const f = file(['1', '"two"', '[3]', '{"four":null}', 'null']);
    expect(await drain(Sources.jsonLines(f), { max: 10 })).toEqual([[1, 'two', [3], { four: null }, null]]);
  });

  it('malformed lines and records that do not fit go to dead letters naming line and field; the job goes on', async () => {
    const lines = [
      '{"sensor":"a","ts":1000,"celsius":1}',
      '{"sensor":"b","ts":2000,"celsius":',
      '{"sensor":"c","ts":3000,"celsius":"hot"}',
      '{"sensor":"d","celsius":4}',
      '[1,2]',
      '{"sensor":"f","ts":"yesterday","celsius":6}',
      '{"sensor":"g","ts":7000,"celsius":7}',
    ];
    const f = file(lines);
    const { batches, records, dead, metrics } = await runSource(Sources.jsonLines(f, Reading), { maxBatchSize: 2 });
    expect(records.map((r) => r.sensor)).toEqual(['a', 'g']);
    // Bad lines count towards maxBatchSize (lines read, as Kafka's offsets): a batch is 2 lines, whatever records they give.
    expect(batches.map(([t, r]) => [t, r.length])).toEqual([[1000, 1], [2000, 0], [3000, 0], [4000, 1]]);
    expect(dead).toEqual([
      { origin: `${f}:2`, reason: `invalid JSON: ${jsonError(lines[1])}`, raw: lines[1], batchTime: 1000 },
      { origin: `${f}:3`, reason: 'does not match schema Reading: field celsius: expected double, got "hot"', raw: lines[2], batchTime: 2000 },
      { origin: `${f}:4`, reason: 'does not match schema Reading: field ts: missing', raw: lines[3], batchTime: 2000 },
      { origin: `${f}:5`, reason: 'does not match schema Reading: expected record Reading, got [1,2]', raw: lines[4], batchTime: 3000 },
      { origin: `${f}:6`, reason: 'does not match schema Reading: field ts: expected timestamp (epoch millis or ISO-8601 text), got "yesterday"', raw: lines[5], batchTime: 3000 },
    ]);
    expect(metrics.deadLetters).toBe(5);
  });

  it('position() counts lines (blank and rejected ones too) and resumes after them', async () => {
    const f = file(['{"n":1}', '', 'oops', '{"n":2}', '{"n":3}']);
    const src = Sources.jsonLines<{ n: number }>(f);
    const ctx = context();
    const reader = src.open(ctx);
    expect((await reader.poll(2, true)).records).toEqual([{ n: 1 }]);
    expect(reader.position!()).toBe(2);
    expect((await reader.poll(2, true)).records).toEqual([{ n: 2 }]);
    expect(reader.position!()).toBe(4);
    await reader.close();
    expect(ctx.dead.map((d) => d.origin)).toEqual([`${f}:3`]);
    const again = context();
    expect(await drain(src, { resumeFrom: 4, ctx: again })).toEqual([[{ n: 3 }]]);
    expect(again.dead).toEqual([]);
  });

  it('by default dead letters go to <sink directory>.dlq, a JSON-lines file beside the output directory', async () => {
    const f = file(['{"n":1}', 'not json', '{"n":2}']);
    for (const slash of ['', '/']) {
      const outDir = join(tempDir(), 'out');
      const p = Pipeline.create('t', { batchInterval: seconds(1) });
      p.source(Sources.jsonLines(f)).to(Sinks.jsonLines(outDir + slash));
      await p.run();
      expect(readJsonLinesDir(outDir)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(existsSync(join(outDir, '.dlq'))).toBe(false);
      const dlq = readFileSync(`${outDir}.dlq`, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as DeadLetter);
      expect(dlq).toEqual([{ origin: `${f}:2`, reason: `invalid JSON: ${jsonError('not json')}`, raw: 'not json', batchTime: 1000 }]);
      expect(Object.keys(dlq[0])).toEqual(['origin', 'reason', 'raw', 'batchTime']);
    }
  });

  it('spec names the path and the source carries the schema', () => {
    const s = Sources.jsonLines('r.jsonl', Reading);
    expect(s.spec).toEqual({ type: 'jsonLines', bounded: true, path: 'r.jsonl' });
    expect(s.schema).toBe(Reading);
  });
});
