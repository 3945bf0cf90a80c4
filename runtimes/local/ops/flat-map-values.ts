import type { ExecutorFactory } from '../executor.js';
import { eachGuarded } from '../guard.js';

/** flatMapValues: flat-maps the value of each pair, keeping the key. */
export const flatMapValues: ExecutorFactory<'flatMapValues'> = (node, env) => {
  const f = env.fns(node.id).f as (x: unknown) => Iterable<unknown>;
  return {
    process([input], ctx) {
      const out: unknown[] = [];
      eachGuarded(node.id, node.onError, (input ?? []) as [unknown, unknown][], ctx, (kv) => {
        for (const w of f(kv[1])) out.push([kv[0], w]);
      });
      return out;
    },
  };
};
