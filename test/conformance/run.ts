import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunBatchesOptions } from '../../src/testing/index.js';
import { millis } from '../../src/time/duration.js';
import type { CaseModule, ConformanceCase } from './case.js';
import { canonical } from '../../runtimes/local/keys.js';

/** A case together with where it comes from, so that a runner can load it again by path. */
export interface CaseRef {
  /** Absolute path of the case module. */
  readonly module: string;
  /** The module's file name without extension, e.g. `window`. */
  readonly area: string;
  readonly case: ConformanceCase;
}

/** Runs one case on some runtime and returns the batches its stream produced. */
export type ConformanceRunner = (ref: CaseRef) => Promise<unknown[][]>;

/** The harness options a case asks for (batch interval, batches to run, source partitions). */
export function runOptionsOf(c: ConformanceCase): RunBatchesOptions {
  return { batchInterval: millis(c.batchIntervalMs ?? 1000), numBatches: c.numBatches, partitions: c.partitions };
}

/** Folder of the case modules. */
export const CASES_DIR = fileURLToPath(new URL('./cases/', import.meta.url));

/** Absolute paths of every case module, sorted. */
export function caseModulePaths(): string[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(CASES_DIR, f));
}

/** Imports every case module; throws when a module repeats a case name. */
export async function loadCases(): Promise<CaseRef[][]> {
  const out: CaseRef[][] = [];
  for (const module of caseModulePaths()) {
    const mod = (await import(pathToFileURL(module).href)) as CaseModule;
    const area = basename(module, '.ts');
    const seen = new Set<string>();
    for (const c of mod.cases) {
      if (seen.has(c.name)) throw new Error(`${area}: case name '${c.name}' is used twice`);
      seen.add(c.name);
    }
    out.push(mod.cases.map((c) => ({ module, area, case: c })));
  }
  return out;
}

/** JSON with object keys sorted, so that equal records give equal text (as the runtimes compare keys). */
export const canonicalJson = canonical;

/** The batches as comparable values: each batch sorted by canonical JSON unless ordered. */
export function normalize(batches: readonly unknown[][], ordered: boolean): unknown[][] {
  return batches.map((b) => {
    const texts = b.map(canonicalJson);
    if (!ordered) texts.sort();
    return texts.map((t) => (t === undefined ? undefined : JSON.parse(t)));
  });
}

/**
 * Registers one vitest test per case of every case module, run with `runner`. Call it at
 * the top level of a test file: `await runConformance(runner, { runtime: 'local' })`.
 * `skip` may return a reason to skip a case (an operator the runtime does not support).
 */
export async function runConformance(
  runner: ConformanceRunner,
  opts: { runtime?: string; skip?: (ref: CaseRef) => string | false } = {},
): Promise<void> {
  const areas = await loadCases();
  describe(`conformance (${opts.runtime ?? 'runtime'})`, () => {
    for (const refs of areas) {
      if (!refs.length) continue;
      describe(refs[0].area, () => {
        for (const ref of refs) {
          const test = opts.skip?.(ref) ? it.skip : it;
          test(ref.case.name, async () => {
            const ordered = ref.case.ordered ?? false;
            const actual = await runner(ref);
            expect(normalize(actual, ordered)).toEqual(normalize(ref.case.expected, ordered));
          });
        }
      });
    }
  });
}
