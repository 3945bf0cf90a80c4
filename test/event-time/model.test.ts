/**
 * The executor against a direct, slow model of the documented semantics (docs/DESIGN.md,
 * "Event time"), on random out-of-order input: tumbling and sliding windows, delays and
 * allowed lateness.
 */
import { describe, expect, it } from 'vitest';
import { millis, sliding, tumbling } from '../../src/index.js';
import { ev, keyed, runWindows, type Ev, type Row } from './helpers.js';

interface Spec {
  size: number;
  slide: number;
  delay: number;
  lateness: number;
}

/** Per batch: the windows emitted (as rows of counts) and the late records, by brute force. */
function model(input: Ev[][], spec: Spec): { out: Row<number>[][]; late: number } {
  const wins = new Map<string, { key: string; start: number; n: number; emitted: boolean; dirty: boolean; dropped: boolean }>();
  let wm = -Infinity;
  let maxTs = -Infinity;
  let late = 0;
  const out: Row<number>[][] = [];
  const due = () => {
    const rows: Row<number>[] = [];
    for (const w of wins.values()) {
      if (w.dropped) continue;
      const end = w.start + spec.size;
      if (end - 1 <= wm && (!w.emitted || w.dirty)) {
        rows.push([w.key, w.start, end, w.n]);
        w.emitted = true;
        w.dirty = false;
      }
      if (end - 1 + spec.lateness <= wm) w.dropped = true;
    }
    return rows;
  };
  for (const batch of input) {
    for (const r of batch) {
      let accepted = false;
      for (let s = Math.floor(r.t / spec.slide) * spec.slide; s > r.t - spec.size; s -= spec.slide) {
        if (s + spec.size - 1 + spec.lateness <= wm) continue; // closed for good
        const id = `${r.k}@${s}`;
        const w = wins.get(id) ?? { key: r.k, start: s, n: 0, emitted: false, dirty: false, dropped: false };
        if (w.dropped) throw new Error('model: a dropped window cannot take records');
        w.n++;
        if (w.emitted) w.dirty = true;
        wins.set(id, w);
        accepted = true;
      }
      if (accepted) maxTs = Math.max(maxTs, r.t);
      else late++;
    }
    wm = Math.max(wm, maxTs - spec.delay - 1);
    out.push(due());
  }
  wm = Infinity;
  const last = due();
  if (last.length) out.push(last);
  return { out, late };
}

/** Random events: time drifts forward, each event up to `jitter` ms behind the drift. */
function randomInput(seed: number, batches: number, perBatch: number, jitter: number): Ev[][] {
  let x = seed;
  const rand = () => ((x = (x * 48271) % 2147483647) / 2147483647);
  let now = 1000;
  return Array.from({ length: batches }, () =>
    Array.from({ length: Math.floor(rand() * perBatch) }, () => {
      now += Math.floor(rand() * 7);
      return ev(['a', 'b', 'c'][Math.floor(rand() * 3)], Math.max(0, now - Math.floor(rand() * jitter)));
    }),
  );
}

const byWindow = (a: Row<number>, b: Row<number>) => a[2] - b[2] || a[1] - b[1] || a[0].localeCompare(b[0]);

describe('event time: executor = model', () => {
  const specs: Spec[] = [
    { size: 10, slide: 10, delay: 0, lateness: 0 },
    { size: 10, slide: 10, delay: 5, lateness: 0 },
    { size: 10, slide: 10, delay: 3, lateness: 12 },
    { size: 20, slide: 5, delay: 4, lateness: 0 },
    { size: 20, slide: 5, delay: 0, lateness: 9 },
    { size: 25, slide: 10, delay: 7, lateness: 6 },
  ];
  for (const spec of specs) {
    it(`size ${spec.size}, slide ${spec.slide}, delay ${spec.delay}, lateness ${spec.lateness}`, async () => {
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const input = randomInput(seed * 7919, 25, 12, 40);
        const want = model(input, spec);
        const assigner = spec.slide === spec.size ? tumbling(millis(spec.size)) : sliding(millis(spec.size), millis(spec.slide));
        const { out, report } = await runWindows(input, (s) => keyed(s, spec.delay).window(assigner).allowedLateness(millis(spec.lateness)).count());
        expect(out.map((b) => [...b].sort(byWindow)), `seed ${seed}`).toEqual(want.out.map((b) => [...b].sort(byWindow)));
        expect(report.metrics.lateRecords, `seed ${seed}`).toBe(want.late);
        expect(report.deadLetters).toHaveLength(want.late);
      }
    });
  }

  it('the random input does have late records and re-emitted windows', () => {
    const input = randomInput(7919, 25, 12, 40);
    expect(model(input, specs[0]).late).toBeGreaterThan(0);
    const rows = model(input, specs[2]).out.flat();
    expect(new Set(rows.map((r) => `${r[0]}@${r[1]}`)).size).toBeLessThan(rows.length);
  });
});
