import type { ExecutorFactory } from '../executor.js';
import { fail } from '../guard.js';

/** reduce: the whole batch folded into one record; nothing for an empty batch. */
export const reduce: ExecutorFactory<'reduce'> = (node, env) => {
  const f = env.fns(node.id).f as (a: unknown, b: unknown) => unknown;
  return {
    process([input], ctx) {
      const rs = input ?? [];
      if (rs.length === 0) return [];
      let acc = rs[0];
      let i = 1;
      try {
        for (; i < rs.length; i++) acc = f(acc, rs[i]);
      } catch (e) {
        fail(node.id, 'fail', rs[i], e, ctx);
      }
      return [acc];
    },
  };
};
