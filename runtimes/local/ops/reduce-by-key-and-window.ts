import type { ExecutorFactory } from '../executor.js';
import { KeyMap } from '../keys.js';
import { windowHoldsAfter } from './window-tail.js';

type Reduce = (a: unknown, b: unknown) => unknown;

/** Folds one batch's pairs per key. */
function reduceBatch(rs: readonly [unknown, unknown][], f: Reduce): KeyMap<unknown> {
  const m = new KeyMap<unknown>();
  for (let i = 0; i < rs.length; i++) m.merge(rs[i][0], rs[i][1], f);
  return m;
}

/**
 * reduceByKeyAndWindow. Each parent batch is first reduced per key. Without an inverse, the
 * window's per-batch maps are merged at every slide. With an inverse it follows Spark's
 * ReducedWindowedDStream: new = previous ⊖ (batches that left) ⊕ (batches that entered);
 * keys stay (e.g. with count 0) unless the filter drops them.
 */
export const reduceByKeyAndWindow: ExecutorFactory<'reduceByKeyAndWindow'> = (node, env) => {
  const fns = env.fns(node.id);
  const f = fns.f as Reduce;
  const inv = fns.inverse as Reduce | undefined;
  const keep = fns.filter as ((kv: readonly [unknown, unknown]) => boolean) | undefined;
  const batches: Array<{ time: number; m: KeyMap<unknown> }> = [];
  let previous: KeyMap<unknown> | undefined;
  let lastEmit = env.zeroTime;

  function mergeInto(target: KeyMap<unknown>, src: KeyMap<unknown>): void {
    for (const e of src.values()) target.merge(e.key, e.value, f);
  }

  return {
    process([input], ctx) {
      const t = ctx.time;
      if (input) batches.push({ time: t, m: reduceBatch(input as [unknown, unknown][], f) });
      if ((t - env.zeroTime) % node.slideMs !== 0) {
        while (!inv && batches.length && batches[0].time <= t - node.windowMs) batches.shift();
        return undefined;
      }
      let result: KeyMap<unknown>;
      if (!inv) {
        while (batches.length && batches[0].time <= t - node.windowMs) batches.shift();
        result = new KeyMap();
        for (const b of batches) mergeInto(result, b.m);
      } else {
        // Batches that left the window since the last emission: time in (lastEmit − w, t − w]
        // (the whole previous window when the window is shorter than the slide); batches that
        // entered: (max(lastEmit, t − w), t]. Spark takes (lastEmit, t] for the latter, which
        // counts skipped batches in when the window is shorter than the slide.
        const leftFrom = lastEmit - node.windowMs;
        const leftTo = Math.min(t - node.windowMs, lastEmit);
        const enteredFrom = Math.max(lastEmit, t - node.windowMs);
        const old = new KeyMap<unknown>();
        const fresh = new KeyMap<unknown>();
        for (const b of batches) {
          if (b.time > leftFrom && b.time <= leftTo) mergeInto(old, b.m);
          if (b.time > enteredFrom && b.time <= t) mergeInto(fresh, b.m);
        }
        result = new KeyMap();
        if (previous) {
          for (const [k, v] of previous.entries()) {
            let x = v;
            if (old.has(k)) x = inv(x, old.get(k));
            if (fresh.has(k)) x = f(x, fresh.get(k));
            result.set(k, x);
          }
        }
        for (const [k, v] of fresh.entries()) if (!result.has(k)) result.set(k, v);
        while (batches.length && batches[0].time <= t - node.windowMs) batches.shift();
      }
      let out = [...result.entries()] as [unknown, unknown][];
      if (keep) out = out.filter((kv) => keep(kv));
      if (inv) {
        previous = new KeyMap();
        for (const [k, v] of out) previous.set(k, v);
      }
      lastEmit = t;
      return out;
    },
    holds: (time) => windowHoldsAfter(batches.map((b) => ({ time: b.time, size: b.m.size })), time, env.zeroTime, node.windowMs, node.slideMs),
    snapshot: () => {
      // One keyed entry per key: `[key, [[time, value, place], …], [[value, place]] | []]` —
      // its value in each kept batch and in `previous`, with its place in that map — so the
      // state moves between partition counts by key group, and a restore on the same count
      // rebuilds every map in its order (the output's order). `lastEmit` is the same in
      // every partition.
      const perKey = new KeyMap<[Array<[number, unknown, number]>, Array<[unknown, number]>]>();
      for (const b of batches) {
        let place = 0;
        for (const [k, v] of b.m.entries()) perKey.entry(k, () => [[], []]).value[0].push([b.time, v, place++]);
      }
      let place = 0;
      if (previous) for (const [k, v] of previous.entries()) perKey.entry(k, () => [[], []]).value[1].push([v, place++]);
      return { keyed: [...perKey.entries()], shared: { lastEmit } };
    },
    restore(s) {
      const byTime = new Map<number, Array<[number, unknown, unknown]>>();
      const prev: Array<[number, unknown, unknown]> = [];
      for (const [k, value] of s.keyed ?? []) {
        const [kept, p] = value as [Array<[number, unknown, number]>, Array<[unknown, number]>];
        for (const [time, v, place] of kept) {
          let rs = byTime.get(time);
          if (!rs) byTime.set(time, (rs = []));
          rs.push([place, k, v]);
        }
        for (const [v, place] of p) prev.push([place, k, v]);
      }
      const toMap = (rs: Array<[number, unknown, unknown]>) => {
        const m = new KeyMap<unknown>();
        for (const [, k, v] of rs.sort((a, b) => a[0] - b[0])) m.set(k, v);
        return m;
      };
      batches.splice(0, batches.length, ...[...byTime].sort(([a], [b]) => a - b).map(([time, rs]) => ({ time, m: toMap(rs) })));
      previous = prev.length ? toMap(prev) : undefined; // an empty `previous` and none give the same next result
      const shared = s.shared as { lastEmit: number } | undefined;
      if (shared) lastEmit = shared.lastEmit;
    },
  };
};
