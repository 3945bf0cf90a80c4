import type { ExecutorFactory } from '../executor.js';

/** eventTime: records pass through; the timestamps are read by the event-time window downstream. */
export const eventTime: ExecutorFactory<'eventTime'> = () => ({
  process: ([input]) => input ?? [],
});
