import type { ExecutorFactory } from '../executor.js';
import { eachGuarded } from '../guard.js';

/** keyBy: pairs each record with its key, for the event-time window downstream. */
export const keyBy: ExecutorFactory<'keyBy'> = (node, env) => {
  const f = env.fns(node.id).f as (x: unknown) => unknown;
  return {
    process([input], ctx) {
      const out: unknown[] = [];
      eachGuarded(node.id, 'fail', input ?? [], ctx, (r) => { out.push([f(r), r]); });
      return out;
    },
  };
};
