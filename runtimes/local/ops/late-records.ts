import type { ExecutorFactory } from '../executor.js';

/** lateRecords: the records its event-time window rejected as too late this batch. */
export const lateRecords: ExecutorFactory<'lateRecords'> = (node) => ({
  process: (_inputs, ctx) => ctx.side.get(node.inputs[0].from) ?? [],
});
