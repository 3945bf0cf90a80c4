import type { ExecutorFactory } from '../executor.js';
import { eachGuarded } from '../guard.js';

/** filter: keeps records for which the predicate holds. */
export const filter: ExecutorFactory<'filter'> = (node, env) => {
  const f = env.fns(node.id).f as (x: unknown) => boolean;
  return {
    process([input], ctx) {
      const out: unknown[] = [];
      eachGuarded(node.id, node.onError, input ?? [], ctx, (r) => { if (f(r)) out.push(r); });
      return out;
    },
  };
};
