import type { ExecutorFactory } from '../executor.js';
import { eachGuarded } from '../guard.js';

/** flatMap: one record in, any number out. */
export const flatMap: ExecutorFactory<'flatMap'> = (node, env) => {
  const f = env.fns(node.id).f as (x: unknown) => Iterable<unknown>;
  return {
    process([input], ctx) {
      const out: unknown[] = [];
      eachGuarded(node.id, node.onError, input ?? [], ctx, (r) => {
        const it = f(r);
        if (Array.isArray(it)) { for (let j = 0; j < it.length; j++) out.push(it[j]); }
        else for (const x of it) out.push(x);
      });
      return out;
    },
  };
};
