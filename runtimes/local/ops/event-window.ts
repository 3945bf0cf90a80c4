import type { Aggregator } from '../../../src/dsl/event-time.js';
import type { NodeOf } from '../../../src/ir/nodes.js';
import { formatMillis } from '../../../src/time/duration.js';
import type { BatchContext, Env, Executor, ExecutorFactory } from '../executor.js';
import { fail } from '../guard.js';
import { KeyedStateStore, snapshotOf } from '../state-store.js';

/** The open windows of one key, by start (sessions of a key never overlap, so starts are unique). */
interface Slot {
  readonly key: unknown;
  /** Order in which the key was first seen (while it had open windows): ties in the output follow it. */
  readonly seq: number;
  readonly wins: Map<number, Win>;
}

interface Win {
  readonly slot: Slot;
  readonly start: number;
  readonly end: number;
  acc: unknown;
  /** Emitted at least once. */
  fired: boolean;
  /** Changed by a late record since it was last emitted. */
  dirty: boolean;
  /** False once dropped or merged into another session; its pending timer is then ignored. */
  alive: boolean;
}

/** A window's next check: emit it once the watermark reaches `end − 1`, drop it at `end − 1 + lateness`. */
interface Timer {
  readonly at: number;
  readonly win: Win;
}

/** A binary min-heap of timers by `at`, so each batch touches only the windows that are due. */
class Timers {
  private readonly h: Timer[] = [];

  get size(): number { return this.h.length; }
  peek(): Timer | undefined { return this.h[0]; }

  push(t: Timer): void {
    const h = this.h;
    let i = h.push(t) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= t.at) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = t;
  }

  pop(): Timer | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= h.length) break;
        if (c + 1 < h.length && h[c + 1].at < h[c].at) c++;
        if (h[c].at >= last.at) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

const NONE = Symbol('none');

/** The node's aggregation as create / add / merge / result. */
function aggregatorOf(node: NodeOf<'eventWindow'>, fns: Record<string, any>): Required<Aggregator<unknown, unknown, unknown>> {
  switch (node.aggregate) {
    case 'count':
      return { create: () => 0, add: (a) => (a as number) + 1, merge: (a, b) => (a as number) + (b as number), result: (a) => a };
    case 'reduce': {
      const f = fns.f as (a: unknown, b: unknown) => unknown;
      return {
        create: () => NONE,
        add: (a, r) => (a === NONE ? r : f(a, r)),
        merge: (a, b) => (a === NONE ? b : b === NONE ? a : f(a, b)),
        result: (a) => a,
      };
    }
    case 'aggregate': {
      const g = fns.agg as Aggregator<unknown, unknown, unknown>;
      return { create: () => g.create(), add: (a, r) => g.add(a, r), merge: (a, b) => g.merge!(a, b), result: (a) => g.result(a) };
    }
  }
}

/** The eventTime node above keyBy: its id, timestamp function and watermark delay. */
export function eventTimeOf(node: NodeOf<'eventWindow'>, env: Env): { id: string; ts: (r: unknown) => number; delay: number } {
  const keyBy = env.node(node.inputs[0].from);
  const et = env.node(keyBy.inputs[0].from);
  if (et.kind !== 'eventTime') throw new Error(`${node.id}: expected eventTime above ${keyBy.id}`);
  return { id: et.id, ts: env.fns(et.id).f as (r: unknown) => number, delay: et.watermarkDelayMs };
}

type Out = { key: unknown; start: number; end: number; value: unknown };

/**
 * An event-time window's executor as a partitioned runtime drives it: before `process(t)`,
 * the runtime hands it the largest event time of batch t's records over every partition
 * (what the exchange into the window carried), so each partition derives the watermark of
 * the whole batch, not of its own records.
 */
export interface EventWindowExecutor extends Executor {
  batchMaxEventTime(max: number): void;
}

/**
 * The largest finite event time among `records` (`[key, record]` pairs, as keyBy emits
 * them) by `ts`; `-Infinity` when none. A record whose timestamp function throws or is not
 * finite is skipped here (the window sends it to the dead letters).
 */
export function maxEventTime(records: readonly unknown[], ts: (r: unknown) => number): number {
  let m = -Infinity;
  for (let i = 0; i < records.length; i++) {
    let t: number;
    try { t = ts((records[i] as readonly unknown[])[1]); } catch { continue; }
    if (typeof t === 'number' && t > m && t !== Infinity) m = t;
  }
  return m;
}

/**
 * Event-time windows per key (tumbling, sliding, session) with a watermark.
 *
 * The watermark is `maxEventTime − watermarkDelay − 1` after each batch, where
 * `maxEventTime` is the largest (finite) event time of every record that reached the window
 * so far — over all partitions of the stream (on a partitioned runtime, the exchange into
 * the window carries it: {@link EventWindowExecutor}). Window [s, e) is emitted (once) at
 * the end of the batch in which an event at `e + delay` or later has been seen. With allowed lateness L the window stays until an event at `e + delay + L`; late
 * records within L update it and it is emitted again. Records whose windows are all gone go
 * to `lateRecords()` (or, without it, to the dead-letter output). At the end of a bounded
 * run every open window is emitted.
 *
 * State is the open windows of each key; a key with none is forgotten. Each window has one
 * pending timer in a heap, so a batch costs its records plus the windows that fall due, not
 * a scan of every key. A batch's results are ordered by window end, start, then key in the
 * order keys were first seen.
 */
export const eventWindow: ExecutorFactory<'eventWindow'> = (node, env): EventWindowExecutor => {
  const agg = aggregatorOf(node, env.fns(node.id));
  const { id: eventTimeId, ts: tsOf, delay } = eventTimeOf(node, env);
  const lateness = node.allowedLatenessMs;
  const w = node.window;
  // Open windows per key: a key's state is its windows (and its order); once a checkpoint
  // was taken, the store tracks which keys changed, so the next one writes only those.
  const slots = new KeyedStateStore<Slot>((sl) => [{ seq: sl.seq, wins: [...sl.wins.values()].map(({ start, end, acc, fired, dirty }) => ({ start, end, acc, fired, dirty })) }]);
  const timers = new Timers();
  const lateConsumer = env.consumers(node.id).some((c) => c.kind === 'lateRecords');
  /** Emitted windows changed by late records in this batch, already past their end. */
  let updated: Win[] = [];
  let seq = 0;
  let wm = -Infinity;
  let maxTs = -Infinity;

  const complete = (end: number) => end - 1 <= wm;
  const expired = (end: number) => end - 1 + lateness <= wm;

  function slotOf(key: unknown): Slot {
    return slots.entry(key, () => ({ key, seq: seq++, wins: new Map() })).value;
  }

  function open(slot: Slot, start: number, end: number, acc: unknown, fired: boolean): Win {
    const win: Win = { slot, start, end, acc, fired, dirty: false, alive: true };
    slot.wins.set(start, win);
    timers.push({ at: end - 1, win });
    return win;
  }

  /** Retires a window; forgets its key when it was the key's last (unless `keep`). */
  function drop(win: Win, keep = false): void {
    win.alive = false;
    win.acc = undefined;
    const slot = win.slot;
    if (slot.wins.get(win.start) === win) slot.wins.delete(win.start);
    if (!keep && slot.wins.size === 0) slots.delete(slot.key);
    else slots.changed(slot.key);
  }

  /** A window changed: one already emitted must be emitted again. */
  function changed(win: Win): void {
    if (!win.fired || win.dirty) return;
    win.dirty = true;
    if (complete(win.end)) updated.push(win);
  }

  /** Adds a record to its windows; false when every one of them is closed (a late record). */
  function assign(key: unknown, t: number, r: unknown): boolean {
    if (w.type === 'session') return assignSession(key, t, r);
    const size = w.sizeMs;
    const slide = w.type === 'sliding' ? w.slideMs : size;
    let slot: Slot | undefined;
    let accepted = false;
    // Newest window first: once one is expired, every earlier one is too.
    for (let s = Math.floor(t / slide) * slide; s > t - size; s -= slide) {
      const end = s + size;
      if (expired(end)) break;
      slot ??= slotOf(key);
      const win = slot.wins.get(s) ?? open(slot, s, end, agg.create(), false);
      win.acc = agg.add(win.acc, r);
      changed(win);
      accepted = true;
    }
    return accepted;
  }

  function assignSession(key: unknown, t: number, r: unknown): boolean {
    if (w.type !== 'session') return false;
    let start = t;
    let end = t + w.gapMs;
    const existing = slots.get(key);
    const overlapping: Win[] = [];
    // Sessions that overlap or touch (a record exactly one gap after a session's last one) merge, as in Flink, Spark and Kafka Streams.
    if (existing) for (const x of existing.wins.values()) if (x.start <= end && start <= x.end) overlapping.push(x);
    if (overlapping.length === 0) {
      if (expired(end)) return false;
      open(slotOf(key), start, end, agg.add(agg.create(), r), false);
      return true;
    }
    const first = overlapping.length === 1 ? overlapping[0] : undefined;
    if (first && first.start <= start && end <= first.end) {
      first.acc = agg.add(first.acc, r);
      changed(first);
      return true;
    }
    // The record extends a session or bridges several: they become one new session.
    overlapping.sort((a, b) => a.start - b.start);
    let acc = overlapping[0].acc;
    for (let i = 1; i < overlapping.length; i++) acc = agg.merge(acc, overlapping[i].acc);
    acc = agg.add(acc, r);
    let fired = false;
    for (const x of overlapping) {
      start = Math.min(start, x.start);
      end = Math.max(end, x.end);
      fired ||= x.fired;
      drop(x, true);
    }
    changed(open(existing!, start, end, acc, fired));
    return true;
  }

  /** Emits the windows the watermark has passed and the updated ones; drops the expired ones. */
  function due(): Out[] {
    const out: Array<Out & { seq: number }> = [];
    const emit = (win: Win) => {
      out.push({ key: win.slot.key, start: win.start, end: win.end, value: agg.result(win.acc), seq: win.slot.seq });
      win.fired = true;
      win.dirty = false;
      slots.changed(win.slot.key);
    };
    while (timers.size > 0 && timers.peek()!.at <= wm) {
      const { at, win } = timers.pop()!;
      if (!win.alive) continue;
      if (!win.fired || win.dirty) emit(win);
      const dropAt = win.end - 1 + lateness;
      if (dropAt <= wm) drop(win);
      else if (at < dropAt) timers.push({ at: dropAt, win });
    }
    for (const win of updated) if (win.alive && win.dirty) emit(win);
    updated = [];
    out.sort((a, b) => a.end - b.end || a.start - b.start || a.seq - b.seq);
    return out.map(({ key, start, end, value }) => ({ key, start, end, value }));
  }

  function late(ctx: BatchContext, records: unknown[], times: number[]): void {
    if (!records.length) return;
    ctx.metrics.lateRecords += records.length;
    if (lateConsumer) {
      ctx.side.set(node.id, records);
      return;
    }
    records.forEach((r, i) => {
      ctx.deadLetter(node.id, `late record: event time ${times[i]} falls only in windows already closed (watermark ${wm}, allowed lateness ${formatMillis(lateness)})`, r);
    });
  }

  return {
    process([input], ctx) {
      const lateOnes: unknown[] = [];
      const lateTimes: number[] = [];
      for (const kv of (input ?? []) as [unknown, unknown][]) {
        const r = kv[1];
        let t: number;
        try { t = tsOf(r); } catch (e) { fail(eventTimeId, 'fail', r, e, ctx); continue; }
        if (typeof t !== 'number' || !Number.isFinite(t)) {
          ctx.deadLetter(eventTimeId, `event time is not a finite number: ${String(t)}`, r);
          continue;
        }
        // Every record with an event time counts, late or not (a late one is at or below the
        // watermark, so it never moves it): the same set a producer partition sees.
        if (t > maxTs) maxTs = t;
        let ok: boolean;
        try { ok = assign(kv[0], t, r); } catch (e) { fail(node.id, 'fail', r, e, ctx); continue; }
        if (!ok) { lateOnes.push(r); lateTimes.push(t); } else slots.changed(kv[0]);
      }
      late(ctx, lateOnes, lateTimes);
      wm = Math.max(wm, maxTs - delay - 1);
      return due();
    },
    finish() {
      wm = Infinity;
      const out = due();
      return out.length ? out : undefined;
    },
    batchMaxEventTime(max) {
      if (max > maxTs) maxTs = max;
    },
    stateKeys: () => slots.size,
    watermark: () => wm,
    // Open windows per key, the watermark and the key order; timers are rebuilt from the windows.
    snapshot: (mode) => snapshotOf(slots, mode, { shared: { wm, maxTs, seq } }),
    restore(st) {
      const sh = st.shared as { wm: number; maxTs: number; seq: number } | undefined;
      if (sh) ({ wm, maxTs, seq } = sh);
      // Keys restored from other partitions (a rescale) keep their order; new keys come after them.
      for (const [, v] of (st.keyed ?? []) as [unknown, { seq: number }][]) if (v.seq >= seq) seq = v.seq + 1;
      for (const [key, v] of (st.keyed ?? []) as [unknown, { seq: number; wins: Array<Omit<Win, 'slot' | 'alive'>> }][]) {
        const slot: Slot = { key, seq: v.seq, wins: new Map() };
        slots.set(key, slot);
        for (const x of v.wins) {
          const win: Win = { ...x, slot, alive: true };
          slot.wins.set(win.start, win);
          timers.push({ at: win.fired && !win.dirty ? win.end - 1 + lateness : win.end - 1, win });
        }
      }
    },
  };
};
