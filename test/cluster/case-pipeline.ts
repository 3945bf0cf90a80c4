/**
 * How a cluster worker rebuilds a conformance case's pipeline: the case module is imported
 * by path and the case picked by name, then built exactly as the harness builds it in the
 * coordinator (`harnessPipeline`).
 */
import { pathToFileURL } from 'node:url';
import type { Stream } from '../../src/dsl/stream.js';
import { harnessPipeline } from '../../src/testing/index.js';
import { millis } from '../../src/time/duration.js';
import type { CaseModule, ConformanceCase } from '../conformance/case.js';

/** The case `name` of the case module at `module`. */
export async function findCase(module: string, name: string): Promise<ConformanceCase> {
  const mod = (await import(pathToFileURL(module).href)) as CaseModule;
  const c = mod.cases.find((x) => x.name === name);
  if (!c) throw new Error(`${module} has no case '${name}'`);
  return c;
}

/** The pipeline of a case, as `runBatches` / `runBatches2` build it. */
export async function casePipeline(module: string, name: string) {
  const c = await findCase(module, name);
  const inputs = c.input2 ? [c.input, c.input2] : [c.input];
  return harnessPipeline(inputs, (a: Stream<any>, b?: Stream<any>) => c.build(a, b), { batchInterval: millis(c.batchIntervalMs ?? 1000) }).pipeline;
}
