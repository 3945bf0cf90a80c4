import * as O from 'fp-ts/lib/Option.js';
import { StateCell } from '../../../src/dsl/state.js';
import type { ExecutorFactory } from '../executor.js';
import { fail } from '../guard.js';
import { KeyedStateStore, snapshotOf } from '../state-store.js';
import { InitialState } from './initial-state.js';

interface Entry { state: unknown; touched: number }

/**
 * mapWithState, as Spark's: `fn(key, some(value), state, time)` for every record in
 * order; then, with a timeout, `fn(key, none, timingOutState, time)` once for every key
 * whose last record is older than the timeout, after which its state is removed. The
 * `[key, state]` pairs after the batch are published for `stateSnapshots()`. As in Spark, a
 * record for a key with state keeps it alive (counts as an update for the timeout), the
 * initial state counts as updated at the first batch, and a key times out when its last
 * update is strictly older than `batchTime − timeout`.
 */
export const mapWithState: ExecutorFactory<'mapWithState'> = (node, env) => {
  const fns = env.fns(node.id);
  const f = fns.f as (k: unknown, v: O.Option<unknown>, s: StateCell<unknown>, t: number) => O.Option<unknown>;
  const state = new KeyedStateStore<Entry>((e) => [e.state, e.touched]);
  // Initial state: touched is set to the first batch time (see process).
  const initial = new InitialState(fns.initial as Iterable<[unknown, unknown]> | undefined, (k, s) => state.set(k, { state: s, touched: NaN }));
  let first = true;
  const cell = new StateCell<unknown>();
  const snapshots = env.consumers(node.id).some((c) => c.kind === 'stateSnapshots');
  const ttl = node.state.ttlMs;

  function call(k: unknown, v: O.Option<unknown>, timingOut: boolean, t: number, out: unknown[]): void {
    const e = state.get(k);
    cell.reset(e !== undefined, e?.state, timingOut);
    const r = f(k, v, cell, t);
    if (O.isSome(r)) out.push(r.value);
    if (timingOut) { state.delete(k); return; }
    if (cell.removed && !cell.exists()) state.delete(k);
    else if (cell.updated) state.set(k, { state: cell.get(), touched: t });
    else if (e && e.touched !== t) { e.touched = t; state.changed(k); }
  }

  return {
    process([input], ctx) {
      initial.load();
      const t = ctx.time;
      if (first) { first = false; for (const e of state.values()) { e.value.touched = t; state.changed(e.key); } }
      const out: unknown[] = [];
      const rs = (input ?? []) as [unknown, unknown][];
      for (let i = 0; i < rs.length; i++) {
        try { call(rs[i][0], O.some(rs[i][1]), false, t, out); } catch (e) { fail(node.id, 'fail', rs[i], e, ctx); }
      }
      if (node.timeoutMs !== undefined || ttl !== undefined) {
        for (const [k, e] of [...state.entries()]) {
          if (node.timeoutMs !== undefined && e.touched < t - node.timeoutMs) {
            try { call(k, O.none, true, t, out); } catch (err) { fail(node.id, 'fail', [k, e.state], err, ctx); }
          } else if (ttl !== undefined && e.touched <= t - ttl) state.delete(k);
        }
      }
      if (snapshots) ctx.side.set(node.id, [...state.entries()].map(([k, e]) => [k, e.state]));
      return out;
    },
    stateKeys: () => { initial.load(); return state.size; },
    snapshot: (mode) => (initial.load(), snapshotOf(state, mode, { shared: { first } })),
    restore(s) {
      initial.drop();
      state.clear();
      for (const [k, st, touched] of s.keyed ?? []) state.set(k, { state: st, touched: touched as number });
      first = (s.shared as { first?: boolean } | undefined)?.first ?? first;
    },
  };
};
