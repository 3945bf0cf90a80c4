import type { ExecutorFactory } from '../executor.js';
import { callBatch } from '../guard.js';

/** transformWith: a user function over two streams' batches of the same time. */
export const transformWith: ExecutorFactory<'transformWith'> = (node, env) => {
  const f = env.fns(node.id).f as (a: unknown[], b: unknown[], t: number) => unknown[];
  return {
    process([a, b], ctx) {
      return [...callBatch(node.id, ctx, (a ?? [])[0], () => f(a ?? [], b ?? [], ctx.time))];
    },
  };
};
