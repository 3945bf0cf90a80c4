import type { ExecutorFactory } from '../executor.js';

/** repartition: in one process the records stay where they are; the partition count changes for mapPartitions downstream. */
export const repartition: ExecutorFactory<'repartition'> = () => ({
  process: ([input]) => input ?? [],
});
