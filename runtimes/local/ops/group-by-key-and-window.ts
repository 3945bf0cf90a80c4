import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';
import { windowHoldsAfter } from './window-tail.js';

/**
 * groupByKeyAndWindow: the values of each key over the window, oldest batch first.
 *
 * Checkpoints: one keyed entry per key, `[key, [[time, values], …]]` (its values per kept
 * batch), so the state moves between partition counts by key group.
 */
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
    snapshot: () => {
      const perKey = new KeyMap<Array<[number, unknown[]]>>();
      for (const b of kept) {
        for (const [k, v] of b.records) {
          const batches = perKey.entry(k, () => []).value;
          const last = batches[batches.length - 1];
          if (last && last[0] === b.time) last[1].push(v);
          else batches.push([b.time, [v]]);
        }
      }
      return { keyed: [...perKey.entries()] };
    },
    restore(s) {
      const byTime = new Map<number, [unknown, unknown][]>();
      for (const [k, batches] of s.keyed ?? []) {
        for (const [time, values] of batches as Array<[number, unknown[]]>) {
          const records = byTime.get(time) ?? [];
          for (const v of values) records.push([k, v]);
          byTime.set(time, records);
        }
      }
      kept.splice(0, kept.length, ...[...byTime].sort(([a], [b]) => a - b).map(([time, records]) => ({ time, records })));
    },
  };
};
