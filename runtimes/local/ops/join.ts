import * as O from 'fp-ts/lib/Option.js';
import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';

function group(rs: readonly [unknown, unknown][] | undefined): KeyMap<unknown[]> {
  const m = new KeyMap<unknown[]>();
  for (const [k, v] of rs ?? []) m.entry(k, () => []).value.push(v);
  return m;
}

/**
 * join (inner, left, right, full) of two pair streams' batches of the same time. Keys come
 * in first-seen order of the left input, then right-only keys; values in arrival order.
 */
export const join: ExecutorFactory<'join'> = (node) => ({
  process([a, b]) {
    const left = group(a as [unknown, unknown][]);
    const right = group(b as [unknown, unknown][]);
    const out: unknown[] = [];
    const keepLeft = node.how === 'left' || node.how === 'full';
    const keepRight = node.how === 'right' || node.how === 'full';
    for (const { key, value: vs } of left.values()) {
      const ws = right.get(key);
      if (ws) {
        for (const v of vs) for (const w of ws) {
          out.push([key, [node.how === 'right' || node.how === 'full' ? O.some(v) : v, node.how === 'left' || node.how === 'full' ? O.some(w) : w]]);
        }
      } else if (keepLeft) {
        for (const v of vs) out.push([key, [node.how === 'full' ? O.some(v) : v, O.none]]);
      }
    }
    if (keepRight) {
      for (const { key, value: ws } of right.values()) {
        if (left.has(key)) continue;
        for (const w of ws) out.push([key, [O.none, node.how === 'full' ? O.some(w) : w]]);
      }
    }
    return out;
  },
});
