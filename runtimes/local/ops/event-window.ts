import type { Aggregator } from '../../../src/dsl/event-time.js';
import type { NodeOf } from '../../../src/ir/nodes.js';
import type { BatchContext, Env, ExecutorFactory } from '../executor.js';
import { fail } from '../guard.js';
import { KeyMap } from '../keys.js';

interface Win { start: number; end: number; acc: unknown; fired: boolean; dirty: boolean }

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

/** The timestamp function of the eventTime node above keyBy. */
function timestampOf(node: NodeOf<'eventWindow'>, env: Env): { ts: (r: unknown) => number; delay: number } {
  const keyBy = env.node(node.inputs[0].from);
  const et = env.node(keyBy.inputs[0].from);
  if (et.kind !== 'eventTime') throw new Error(`${node.id}: expected eventTime above ${keyBy.id}`);
  return { ts: env.fns(et.id).f as (r: unknown) => number, delay: et.watermarkDelayMs };
}

/**
 * Event-time windows per key (tumbling, sliding, session) with a watermark.
 *
 * The watermark is `maxEventTime − watermarkDelay − 1` after each batch: window [s, e) is
 * emitted (once) at the end of the batch in which an event at `e + delay` or later has been
 * seen. With allowed lateness L the window stays until an event at `e + delay + L`; late
 * records within L update it and it is emitted again. Records whose windows are all gone go
 * to `lateRecords()` (or, without it, to the dead-letter output). At the end of a bounded
 * run every open window is emitted.
 */
export const eventWindow: ExecutorFactory<'eventWindow'> = (node, env) => {
  const agg = aggregatorOf(node, env.fns(node.id));
  const { ts: tsOf, delay } = timestampOf(node, env);
  const lateness = node.allowedLatenessMs;
  const w = node.window;
  const keyed = new KeyMap<Win[]>();
  const lateConsumer = env.consumers(node.id).some((c) => c.kind === 'lateRecords');
  let wm = -Infinity;
  let maxTs = -Infinity;

  const expired = (end: number) => end - 1 + lateness <= wm;

  function assign(wins: Win[], t: number, r: unknown): boolean {
    if (w.type === 'session') {
      let cur: Win = { start: t, end: t + w.gapMs, acc: agg.add(agg.create(), r), fired: false, dirty: false };
      const overlapping = wins.filter((x) => x.start < cur.end && cur.start < x.end);
      if (overlapping.length === 0 && expired(cur.end)) return false;
      for (const x of overlapping) {
        cur = { start: Math.min(x.start, cur.start), end: Math.max(x.end, cur.end), acc: agg.merge(x.acc, cur.acc), fired: x.fired || cur.fired, dirty: true };
        wins.splice(wins.indexOf(x), 1);
      }
      cur.dirty = cur.fired;
      wins.push(cur);
      return true;
    }
    const size = w.sizeMs;
    const slide = w.type === 'sliding' ? w.slideMs : size;
    let accepted = false;
    for (let s = Math.floor(t / slide) * slide; s > t - size; s -= slide) {
      const end = s + size;
      if (expired(end)) continue;
      let x = wins.find((y) => y.start === s);
      if (!x) { x = { start: s, end, acc: agg.create(), fired: false, dirty: false }; wins.push(x); }
      x.acc = agg.add(x.acc, r);
      if (x.fired) x.dirty = true;
      accepted = true;
    }
    return accepted;
  }

  function fire(): unknown[] {
    const out: Array<{ key: unknown; start: number; end: number; value: unknown }> = [];
    for (const e of keyed.values()) {
      const wins = e.value;
      for (let i = 0; i < wins.length; i++) {
        const x = wins[i];
        if (x.end - 1 <= wm && (!x.fired || x.dirty)) {
          out.push({ key: e.key, start: x.start, end: x.end, value: agg.result(x.acc) });
          x.fired = true;
          x.dirty = false;
        }
        if (expired(x.end)) { wins.splice(i, 1); i--; }
      }
      if (wins.length === 0) keyed.delete(e.key);
    }
    return out.sort((a, b) => a.end - b.end || a.start - b.start);
  }

  function late(ctx: BatchContext, records: unknown[]): void {
    if (!records.length) return;
    ctx.metrics.lateRecords += records.length;
    if (lateConsumer) ctx.side.set(node.id, records);
    else for (const r of records) ctx.deadLetter(node.id, `late record: its windows closed (watermark ${wm}, allowed lateness ${lateness} ms)`, r);
  }

  return {
    process([input], ctx) {
      const lateOnes: unknown[] = [];
      for (const kv of (input ?? []) as [unknown, unknown][]) {
        let t: number;
        try { t = tsOf(kv[1]); } catch (e) { fail(node.id, 'fail', kv[1], e, ctx); continue; }
        if (typeof t !== 'number' || !Number.isFinite(t)) {
          ctx.deadLetter(node.id, `event time is not a finite number: ${String(t)}`, kv[1]);
          continue;
        }
        let wins = keyed.get(kv[0]);
        if (!wins) { wins = []; keyed.set(kv[0], wins); }
        let ok: boolean;
        try { ok = assign(wins, t, kv[1]); } catch (e) { fail(node.id, 'fail', kv[1], e, ctx); continue; }
        if (!ok) { lateOnes.push(kv[1]); if (wins.length === 0) keyed.delete(kv[0]); } else if (t > maxTs) maxTs = t;
      }
      late(ctx, lateOnes);
      wm = Math.max(wm, maxTs - delay - 1);
      return fire();
    },
    finish() {
      wm = Infinity;
      const out = fire();
      return out.length ? out : undefined;
    },
  };
};
