import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';
import { windowHoldsAfter } from './window-tail.js';

/**
 * groupByKeyAndWindow: the values of each key over the window, oldest batch first.
 *
 * Checkpoints: one keyed entry per key, `[key, [[time, [[value, place], …]], …]]` (its
 * values per kept batch with their places in it), so the state moves between partition
 * counts by key group and a restore on the same count rebuilds each batch in its order.
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
      const perKey = new KeyMap<Array<[number, Array<[unknown, number]>]>>();
      for (const b of kept) {
        for (let place = 0; place < b.records.length; place++) {
          const [k, v] = b.records[place];
          const batches = perKey.entry(k, () => []).value;
          const last = batches[batches.length - 1];
          if (last && last[0] === b.time) last[1].push([v, place]);
          else batches.push([b.time, [[v, place]]]);
        }
      }
      return { keyed: [...perKey.entries()] };
    },
    restore(s) {
      const byTime = new Map<number, Array<[number, [unknown, unknown]]>>();
      for (const [k, batches] of s.keyed ?? []) {
        for (const [time, values] of batches as Array<[number, Array<[unknown, number]>]>) {
          let records = byTime.get(time);
          if (!records) byTime.set(time, (records = []));
          for (const [v, place] of values) records.push([place, [k, v]]);
        }
      }
      kept.splice(0, kept.length, ...[...byTime].sort(([a], [b]) => a - b).map(([time, rs]) => ({ time, records: rs.sort((a, b) => a[0] - b[0]).map(([, r]) => r) })));
    },
  };
};
