import type { ExecutorFactory } from '../executor.js';
import { eachGuarded } from '../guard.js';

/** map: one record in, one out. */
export const map: ExecutorFactory<'map'> = (node, env) => {
  const f = env.fns(node.id).f as (x: unknown) => unknown;
  return {
    process([input], ctx) {
      const out: unknown[] = [];
      eachGuarded(node.id, node.onError, input ?? [], ctx, (r) => { out.push(f(r)); });
      return out;
    },
  };
};
