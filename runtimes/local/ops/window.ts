import { randomUUID } from 'node:crypto';
import type { ExecutorFactory } from '../executor.js';
import { windowHoldsAfter } from './window-tail.js';

/**
 * window(w, s): keeps the parent's batches of the last `w`; at every multiple of `s`
 * (from the job's zero time) emits those with time in (t − w, t], oldest first.
 *
 * Checkpoints: each kept batch is one keyed entry `[[time, writer], records]` (`writer` is
 * a random id of the executor that kept it), so that a restore on another partition count
 * spreads the kept batches over the new partitions by key group (the window's output is
 * the union over partitions; which partition re-emits a record does not change it).
 */
export const window: ExecutorFactory<'window'> = (node, env) => {
  const kept: Array<{ time: number; records: unknown[] }> = [];
  const writer = randomUUID();
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
    snapshot: () => ({ keyed: kept.map((b) => [[b.time, writer], b.records] as const) }),
    restore(s) {
      const byTime = new Map<number, unknown[]>();
      const entries = [...(s.keyed ?? [])].sort((a, b) => compareKeys(a[0], b[0]));
      for (const [key, records] of entries) {
        const time = (key as [number, string])[0];
        byTime.set(time, [...(byTime.get(time) ?? []), ...(records as unknown[])]);
      }
      kept.splice(0, kept.length, ...[...byTime].sort(([a], [b]) => a - b).map(([time, records]) => ({ time, records })));
    },
  };
};

/** Orders `[time, writer]` keys: by time, then writer (a stable order for restored batches). */
export function compareKeys(a: unknown, b: unknown): number {
  const [ta, wa] = a as [number, string];
  const [tb, wb] = b as [number, string];
  return ta - tb || (wa < wb ? -1 : wa > wb ? 1 : 0);
}
