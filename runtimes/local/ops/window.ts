import type { ExecutorFactory } from '../executor.js';
import { windowHoldsAfter } from './window-tail.js';

/**
 * window(w, s): keeps the parent's batches of the last `w`; at every multiple of `s`
 * (from the job's zero time) emits those with time in (t − w, t], oldest first.
 */
export const window: ExecutorFactory<'window'> = (node, env) => {
  const kept: Array<{ time: number; records: unknown[] }> = [];
  return {
    process([input], ctx) {
      if (input) kept.push({ time: ctx.time, records: input });
      while (kept.length && kept[0].time <= ctx.time - node.windowMs) kept.shift();
      if ((ctx.time - env.zeroTime) % node.slideMs !== 0) return undefined;
      const out: unknown[] = [];
      for (const b of kept) for (let i = 0; i < b.records.length; i++) out.push(b.records[i]);
      return out;
    },
    holds: (time) => windowHoldsAfter(kept.map((b) => ({ time: b.time, size: b.records.length })), time, env.zeroTime, node.windowMs, node.slideMs),
    snapshot: () => ({ local: kept }),
    restore(s) { kept.splice(0, kept.length, ...((s.local ?? []) as typeof kept)); },
  };
};
