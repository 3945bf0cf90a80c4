import * as O from 'fp-ts/lib/Option.js';
import type { ExecutorFactory } from '../executor.js';
import { callBatch } from '../guard.js';
import { KeyMap } from '../keys.js';
import { KeyedStateStore, snapshotOf } from '../state-store.js';
import { InitialState } from './initial-state.js';

interface Entry { state: unknown; seen: number }

/**
 * updateStateByKey: every batch, `f(newValues, state)` for every key with state or new
 * values; `none` removes the key. Emits `[key, state]` for every key with state. A key
 * without new values for longer than the TTL is dropped without calling `f`.
 */
export const updateStateByKey: ExecutorFactory<'updateStateByKey'> = (node, env) => {
  const fns = env.fns(node.id);
  const f = fns.f as (vs: unknown[], s: O.Option<unknown>) => O.Option<unknown>;
  const state = new KeyedStateStore<Entry>((e) => [e.state, e.seen]);
  const initial = new InitialState(fns.initial as Iterable<[unknown, unknown]> | undefined, (k, s) => state.set(k, { state: s, seen: env.zeroTime }));
  const ttl = node.state.ttlMs;
  return {
    process([input], ctx) {
      initial.load();
      const t = ctx.time;
      const fresh = new KeyMap<unknown[]>();
      for (const [k, v] of (input ?? []) as [unknown, unknown][]) fresh.entry(k, () => []).value.push(v);
      for (const [k, e] of [...state.entries()]) {
        const vs = fresh.get(k);
        // f runs once per key (Spark cogroups state and batch): a key removed here must not
        // be created again from the same values below.
        if (vs) fresh.delete(k);
        if (!vs && ttl !== undefined && e.seen <= t - ttl) { state.delete(k); continue; }
        const next = callBatch(node.id, ctx, [k, vs ?? []], () => f(vs ?? [], O.some(e.state)));
        if (O.isSome(next)) {
          if (next.value !== e.state || (vs && e.seen !== t)) state.changed(k);
          e.state = next.value;
          if (vs) e.seen = t;
        } else state.delete(k);
      }
      for (const { key, value: vs } of fresh.values()) {
        const next = callBatch(node.id, ctx, [key, vs], () => f(vs, O.none));
        if (O.isSome(next)) state.set(key, { state: next.value, seen: t });
      }
      return [...state.entries()].map(([k, e]) => [k, e.state]);
    },
    stateKeys: () => { initial.load(); return state.size; },
    snapshot: (mode) => (initial.load(), snapshotOf(state, mode)),
    restore(s) {
      initial.drop();
      state.clear();
      for (const [k, st, seen] of s.keyed ?? []) state.set(k, { state: st, seen: seen as number });
    },
  };
};
