import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { Pipeline, RuntimeError, S, Sinks, Sources, StaticTable, pair, seconds } from '../../src/index.js';

const Customer = S.record('Customer', { id: S.string(), tier: S.enumOf('Tier', ['gold', 'basic']) });

function tableFile(rows: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-table-'));
  const file = join(dir, 'customers.jsonl');
  writeFileSync(file, rows);
  return file;
}

describe('StaticTable.fromJsonLines', () => {
  it('enriches records and sees a rewritten file after the refresh interval', async () => {
    const file = tableFile('{"id":"c1","tier":"basic"}\n');
    const table = StaticTable.fromJsonLines(file, (c) => c.id, { schema: Customer, refresh: seconds(2) });
    const p = Pipeline.create('enrich', { batchInterval: seconds(1) });
    const out = Sinks.collect<readonly [string, string]>();
    p.source(Sources.batches([['c1'], ['c1'], ['c1'], ['c1', 'c2']]))
      .map((id) => pair(id, id))
      .leftJoinStatic(table)
      .map(([id, [, c]]) => pair(id, O.isSome(c) ? c.value.tier : 'unknown'))
      .foreachBatch((_rs, t) => { if (t === 1000) writeFileSync(file, '{"id":"c1","tier":"gold"}\n{"id":"c2","tier":"basic"}\n'); })
      ;
    // a second branch collects the same enriched stream
    p.source(Sources.batches([['c1'], ['c1'], ['c1'], ['c1', 'c2']]))
      .map((id) => pair(id, id))
      .leftJoinStatic(table)
      .map(([id, [, c]]) => pair(id, O.isSome(c) ? c.value.tier : 'unknown'))
      .to(out);
    await p.run();
    // Loaded at start (basic); rewritten during batch 1000; reloaded at batch 2000 (2 s after the first load).
    expect(out.batches.map(([t, rs]) => [t, rs])).toEqual([
      [1000, [['c1', 'basic']]],
      [2000, [['c1', 'gold']]],
      [3000, [['c1', 'gold']]],
      [4000, [['c1', 'gold'], ['c2', 'basic']]],
    ]);
  });

  it('a malformed row fails the load naming the file and line', async () => {
    const file = tableFile('{"id":"c1","tier":"basic"}\n{"id":"c2","tier":"platinum"}\n');
    const p = Pipeline.create('bad-table', { batchInterval: seconds(1) });
    p.source(Sources.batches([['c1']])).map((id) => pair(id, 1)).joinStatic(StaticTable.fromJsonLines(file, (c) => c.id, { schema: Customer })).to(Sinks.collect());
    await expect(p.run()).rejects.toThrow(RuntimeError);
    await expect(p.run()).rejects.toThrow(/customers\.jsonl:2: field tier: expected one of gold\|basic, got "platinum"/);
  });
});
