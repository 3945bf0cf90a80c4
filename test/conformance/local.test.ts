import { millis } from '../../src/time/duration.js';
import { runBatches, runBatches2, type RunBatchesOptions } from '../../src/testing/index.js';
import { runConformance, type CaseRef } from './run.js';

/** Runs a case on the local runtime with the test harness. */
function runLocally({ case: c }: CaseRef): Promise<unknown[][]> {
  const opts: RunBatchesOptions = { batchInterval: millis(c.batchIntervalMs ?? 1000), numBatches: c.numBatches, partitions: c.partitions };
  if (c.input2) return runBatches2(c.input, c.input2, (a, b) => c.build(a, b), opts);
  return runBatches(c.input, (a) => c.build(a), opts);
}

await runConformance('local', runLocally);
