import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';
import { windowHoldsAfter } from './window-tail.js';

/** groupByKeyAndWindow: the values of each key over the window, oldest batch first. */
export const groupByKeyAndWindow: ExecutorFactory<'groupByKeyAndWindow'> = (node, env) => {
  const kept: Array<{ time: number; records: [unknown, unknown][] }> = [];
  return {
    process([input], ctx) {
      if (input) kept.push({ time: ctx.time, records: input as [unknown, unknown][] });
      while (kept.length && kept[0].time <= ctx.time - node.windowMs) kept.shift();
      if ((ctx.time - env.zeroTime) % node.slideMs !== 0) return undefined;
      const m = new KeyMap<unknown[]>();
      for (const b of kept) for (const [k, v] of b.records) m.entry(k, () => []).value.push(v);
      return [...m.entries()];
    },
    holds: (time) => windowHoldsAfter(kept.map((b) => ({ time: b.time, size: b.records.length })), time, env.zeroTime, node.windowMs, node.slideMs),
    snapshot: () => ({ local: kept }),
    restore(s) { kept.splice(0, kept.length, ...((s.local ?? []) as typeof kept)); },
  };
};
