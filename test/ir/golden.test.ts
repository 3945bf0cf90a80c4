/**
 * explain() and toDot() of the pipelines in ./pipelines.ts against the files checked in
 * under ./golden. After an intended change, rewrite them with
 * `UPDATE_GOLDEN=1 npx vitest run test/ir` and review the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pipelines } from './pipelines.js';

const golden = join(dirname(fileURLToPath(import.meta.url)), 'golden');

function matchesGolden(text: string, file: string): void {
  const path = join(golden, file);
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(golden, { recursive: true });
    writeFileSync(path, text);
  }
  expect(existsSync(path), `${file} is missing: run with UPDATE_GOLDEN=1 to write it`).toBe(true);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

describe('explain() golden files', () => {
  for (const [name, build] of Object.entries(pipelines)) {
    it(name, () => matchesGolden(build().explain(), `${name}.txt`));
  }
});

describe('toDot() golden file', () => {
  it('temperature', () => matchesGolden(pipelines.temperature().toDot(), 'temperature.dot'));
});

describe('explain() format', () => {
  it('lists every node once, in topological order, each input before its consumers', () => {
    for (const build of Object.values(pipelines)) {
      const p = build();
      const text = p.explain();
      const ids = p.plan().nodes.map((n) => n.id);
      const entries = text.split('\n').filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/[ (]/)[0]);
      expect(entries).toEqual(ids);
    }
  });

  it('has no trailing whitespace', () => {
    for (const build of Object.values(pipelines)) expect(build().explain()).not.toMatch(/[ \t]$/m);
  });

  it('shows the first 8 hex digits of the plan hash in the header', () => {
    const p = pipelines.fraud();
    expect(p.explain().split('\n')[0]).toBe(`Pipeline fraud (batch 2s, 128 key groups, hash ${p.hash().slice(0, 8)})`);
  });

  it('marks shuffled inputs, labels, state and how often nodes behind a window run', () => {
    const text = pipelines['ads-windows-joins']().explain();
    expect(text).toContain('  join#10 (left, every 10s)\n    --> mapValues#11\n    <~~ reduceByKey#7, reduceByKey#9\n');
    expect(text).toContain('(<~~: the input is shuffled by key)');
    expect(pipelines.fraud().explain()).toContain('  filter#5 "over limit"\n');
    expect(pipelines.fraud().explain()).toContain('  updateStateByKey#4 (state="spend-by-customer" ttl=24h)\n');
  });
});

describe('toDot()', () => {
  it('breaks labels into lines with \\n, which Graphviz reads as a line break', () => {
    const dot = pipelines.fraud().toDot();
    expect(dot).toContain('"updateStateByKey#4" [label="updateStateByKey#4\\nstate=\\"spend-by-customer\\" ttl=24h", peripheries=2];');
    expect(dot).not.toContain('\\\\n');
  });

  it('draws shuffles dashed', () => {
    expect(pipelines['word-count']().toDot()).toContain('"map#3" -> "reduceByKey#4" [style=dashed, label="shuffle"];');
  });
});
