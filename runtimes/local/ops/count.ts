import type { ExecutorFactory } from '../executor.js';

/** count: the number of records in the batch (0 for an empty batch, as Spark's count). */
export const count: ExecutorFactory<'count'> = () => ({
  process: ([input]) => [(input ?? []).length],
});
