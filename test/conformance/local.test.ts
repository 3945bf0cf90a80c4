import { runBatches, runBatches2 } from '../../src/testing/index.js';
import { runConformance, runOptionsOf, type CaseRef } from './run.js';

/** Runs a case on the local runtime with the test harness. */
function runLocally({ case: c }: CaseRef): Promise<unknown[][]> {
  const opts = runOptionsOf(c);
  if (c.input2) return runBatches2(c.input, c.input2, (a, b) => c.build(a, b), opts);
  return runBatches(c.input, (a) => c.build(a), opts);
}

await runConformance(runLocally, { runtime: 'local' });
