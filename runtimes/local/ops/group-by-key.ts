import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';

/** groupByKey: `[key, values]` per batch, keys in first-seen order, values in arrival order. */
export const groupByKey: ExecutorFactory<'groupByKey'> = () => ({
  process([input]) {
    const m = new KeyMap<unknown[]>();
    for (const [k, v] of (input ?? []) as [unknown, unknown][]) m.entry(k, () => []).value.push(v);
    return [...m.entries()];
  },
});
