import type { ExecutorFactory } from '../executor.js';
import { windowHoldsAfter } from './window-tail.js';

/**
 * window(w, s): keeps the parent's batches of the last `w`; at every multiple of `s`
 * (from the job's zero time) emits those with time in (t − w, t], oldest first.
 *
 * Checkpoints: each kept batch is one keyed entry `[[time, j], records]`, `j` the smallest
 * number ≥ 0 that makes the key one of this partition's key groups (`env.owns`): a restore
 * on the same partition count puts every kept batch back on its partition (same output,
 * byte for byte), one on another count spreads them over the new partitions by key group
 * (the window's output is the union over partitions).
 */
export const window: ExecutorFactory<'window'> = (node, env) => {
  const kept: Array<{ time: number; records: unknown[] }> = [];
  const keyOf = (time: number): [number, number] => {
    for (let j = 0; ; j++) if (!env.owns || env.owns(node.id, [time, j])) return [time, j];
  };
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
    snapshot: () => ({ keyed: kept.map((b) => [keyOf(b.time), b.records] as const) }),
    restore(s) {
      const byTime = new Map<number, unknown[]>();
      const entries = [...(s.keyed ?? [])].sort((a, b) => compareKeys(a[0], b[0]));
      for (const [key, records] of entries) {
        const time = (key as [number, number])[0];
        byTime.set(time, [...(byTime.get(time) ?? []), ...(records as unknown[])]);
      }
      kept.splice(0, kept.length, ...[...byTime].sort(([a], [b]) => a - b).map(([time, records]) => ({ time, records })));
    },
  };
};

/** Orders `[time, j]` keys (a stable order for restored batches). */
function compareKeys(a: unknown, b: unknown): number {
  const [ta, ja] = a as [number, number];
  const [tb, jb] = b as [number, number];
  return ta - tb || ja - jb;
}
