import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';

/** cogroup: `[key, [leftValues, rightValues]]` for every key of either batch. */
export const cogroup: ExecutorFactory<'cogroup'> = () => ({
  process([a, b]) {
    const m = new KeyMap<[unknown[], unknown[]]>();
    for (const [k, v] of (a ?? []) as [unknown, unknown][]) m.entry(k, () => [[], []]).value[0].push(v);
    for (const [k, w] of (b ?? []) as [unknown, unknown][]) m.entry(k, () => [[], []]).value[1].push(w);
    return [...m.entries()];
  },
});
