import type { ExecutorFactory } from '../executor.js';
import { fail } from '../guard.js';
import { keyId, type KeyId } from '../keys.js';

/** reduceByKey: the values of each key folded per batch, keys in first-seen order. */
export const reduceByKey: ExecutorFactory<'reduceByKey'> = (node, env) => {
  const f = env.fns(node.id).f as (a: unknown, b: unknown) => unknown;
  return {
    process([input], ctx) {
      const rs = (input ?? []) as [unknown, unknown][];
      const acc = new Map<KeyId, [unknown, unknown]>();
      let i = 0;
      try {
        for (; i < rs.length; i++) foldPair(acc, rs[i], f);
      } catch (e) {
        fail(node.id, 'fail', rs[i], e, ctx);
      }
      return [...acc.values()];
    },
  };
};

/** Folds one `[key, value]` pair into `acc` (keys by value, first-seen order): what reduceByKey does per record, also when fused after a chain (fuse.ts). */
export function foldPair(acc: Map<KeyId, [unknown, unknown]>, kv: readonly [unknown, unknown], f: (a: unknown, b: unknown) => unknown): void {
  const k = kv[0];
  const id = typeof k === 'object' && k !== null ? keyId(k) : (k as KeyId);
  const e = acc.get(id);
  if (e === undefined) acc.set(id, [k, kv[1]]);
  else e[1] = f(e[1], kv[1]);
}
