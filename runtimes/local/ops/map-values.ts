import type { ExecutorFactory } from '../executor.js';
import { eachGuarded } from '../guard.js';

/** mapValues: maps the value of each pair, keeping the key. */
export const mapValues: ExecutorFactory<'mapValues'> = (node, env) => {
  const f = env.fns(node.id).f as (x: unknown) => unknown;
  return {
    process([input], ctx) {
      const out: unknown[] = [];
      eachGuarded(node.id, node.onError, (input ?? []) as [unknown, unknown][], ctx, (kv) => { out.push([kv[0], f(kv[1])]); });
      return out;
    },
  };
};
