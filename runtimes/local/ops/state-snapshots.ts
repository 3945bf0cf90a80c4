import type { ExecutorFactory } from '../executor.js';

/** stateSnapshots: the `[key, state]` pairs its mapWithState published this batch. */
export const stateSnapshots: ExecutorFactory<'stateSnapshots'> = (node) => ({
  process: (_inputs, ctx) => ctx.side.get(node.inputs[0].from) ?? [],
});
