import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';

/** countByValue: `[value, count]` for each distinct value of the batch, in first-seen order. */
export const countByValue: ExecutorFactory<'countByValue'> = () => ({
  process([input]) {
    const m = new KeyMap<number>();
    for (const r of input ?? []) { const e = m.entry(r, () => 0); e.value++; }
    return [...m.entries()];
  },
});
