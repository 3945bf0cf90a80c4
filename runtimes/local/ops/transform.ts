import type { ExecutorFactory } from '../executor.js';
import { callBatch } from '../guard.js';

/** transform: a user function over the whole batch and its time. */
export const transform: ExecutorFactory<'transform'> = (node, env) => {
  const f = env.fns(node.id).f as (rs: unknown[], t: number) => unknown[];
  return {
    process([input], ctx) {
      const records = input ?? [];
      return [...callBatch(node.id, ctx, records[0], () => f(records, ctx.time))];
    },
  };
};
