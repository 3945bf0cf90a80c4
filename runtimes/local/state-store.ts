/**
 * The keyed state of one stateful operator in one task (stage × partition): a {@link KeyMap}
 * that, once a snapshot was taken, remembers which keys changed since, so the next
 * checkpoint can write only those (a delta) instead of every key.
 *
 * Tracking starts with the first full snapshot, so a run that never checkpoints (the local
 * runtime, a cluster run without a checkpoint directory) pays nothing for it.
 *
 * @module
 */
import { keyId, KeyMap, type KeyId } from './keys.js';

/** How a key changed since the last snapshot. */
const Change = { Updated: 0, Inserted: 1, Removed: 2 } as const;
type Change = (typeof Change)[keyof typeof Change];

/**
 * One keyed entry of a snapshot: the key, its state value (what a declared state schema
 * describes), the executor's bookkeeping for the key (last update time, …), in a delta
 * whether the key was (re)inserted since the last snapshot, and its place in the map's order
 * (in a full snapshot every key's; in a delta an inserted key's, after every earlier one), so
 * a restore rebuilds the map in the order an uninterrupted run has it.
 */
export type KeyedEntry = readonly [key: unknown, state: unknown, meta?: unknown, inserted?: boolean, place?: number];

/** The changes since the last snapshot: entries to upsert (in the order to apply), keys to remove. */
export interface KeyedDelta {
  readonly upserts: KeyedEntry[];
  readonly removed: unknown[];
}

/**
 * A KeyMap that tracks changed keys after its first snapshot. Values mutated in place must
 * be reported with {@link KeyedStateStore.changed}.
 *
 * @example
 * ```ts
 * const store = new KeyedStateStore<{ n: number }>((v) => [v.n]);
 * store.set('a', { n: 1 });
 * store.full();               // [['a', 1, undefined]]: tracking starts
 * store.entry('a', () => ({ n: 0 })).value.n++; store.changed('a');
 * store.delta();              // { upserts: [['a', 2, undefined, false]], removed: [] }
 * ```
 */
export class KeyedStateStore<V> extends KeyMap<V> {
  private dirty: Map<KeyId, Change> | undefined;
  /** The place the next inserted key gets in snapshots (after every key of the last full one). */
  private nextPlace = 0;
  /** The original keys of removed ones (a KeyId of a tuple key is its JSON text). */
  private removedKeys = new Map<KeyId, unknown>();

  /** `parts(v)` splits a stored value into its state value and its bookkeeping. */
  constructor(private readonly parts: (v: V) => readonly [state: unknown, meta?: unknown]) {
    super();
  }

  override set(key: unknown, value: V): void {
    if (this.dirty) this.note(keyId(key), !this.has(key));
    super.set(key, value);
  }

  override delete(key: unknown): boolean {
    const had = super.delete(key);
    if (had && this.dirty) {
      const id = keyId(key);
      this.dirty.delete(id);
      this.dirty.set(id, Change.Removed);
      this.removedKeys.set(id, key);
    }
    return had;
  }

  override entry(key: unknown, init: () => V): { key: unknown; value: V } {
    if (this.dirty && !this.has(key)) this.note(keyId(key), true);
    return super.entry(key, init);
  }

  override merge(key: unknown, value: V, f: (a: V, b: V) => V): void {
    if (this.dirty) this.note(keyId(key), !this.has(key));
    super.merge(key, value, f);
  }

  /** Reports that the value of `key` was changed in place. */
  changed(key: unknown): void {
    if (this.dirty) this.note(keyId(key), false);
  }

  /** Whether changes are being tracked (a snapshot was taken). */
  get tracking(): boolean {
    return this.dirty !== undefined;
  }

  /** Every entry, in the map's order; starts (or restarts) tracking changes from here. */
  full(): KeyedEntry[] {
    this.dirty = new Map();
    this.removedKeys.clear();
    const out: KeyedEntry[] = [];
    let i = 0;
    for (const e of this.m.values()) {
      const [s, meta] = this.parts(e.value);
      out.push([e.key, s, meta, false, i++]);
    }
    this.nextPlace = i;
    return out;
  }

  /** The changes since the last snapshot (full or delta); `undefined` when not tracking yet (take a full one). */
  delta(): KeyedDelta | undefined {
    const dirty = this.dirty;
    if (!dirty) return undefined;
    const removedKeys = this.removedKeys;
    this.dirty = new Map();
    this.removedKeys = new Map();
    const upserts: KeyedEntry[] = [];
    const removed: unknown[] = [];
    for (const [id, c] of dirty) {
      const e = this.m.get(id);
      if (c === Change.Removed || !e) { removed.push(removedKeys.get(id)); continue; }
      const [s, meta] = this.parts(e.value);
      upserts.push(c === Change.Inserted ? [e.key, s, meta, true, this.nextPlace++] : [e.key, s, meta, false]);
    }
    return { upserts, removed };
  }

  /** Forgets every key (before a restore), without tracking. */
  clear(): void {
    this.m.clear();
    this.dirty = undefined;
    this.removedKeys.clear();
  }

  private note(id: KeyId, inserted: boolean): void {
    const d = this.dirty!;
    const was = d.get(id);
    if (inserted) { d.delete(id); d.set(id, Change.Inserted); return; }
    if (was === undefined) d.set(id, Change.Updated);
  }
}

/**
 * A snapshot of `store` (and the executor's other state): with `mode` `'delta'` and a
 * snapshot taken before, only the changes since; else every key.
 *
 * @example
 * ```ts
 * snapshot: (mode) => snapshotOf(state, mode, { shared: { first } }),
 * ```
 */
export function snapshotOf<V>(store: KeyedStateStore<V>, mode: 'full' | 'delta' | undefined, rest: { shared?: unknown; local?: unknown } = {}): { keyed: KeyedEntry[]; removed?: unknown[]; delta?: boolean; shared?: unknown; local?: unknown } {
  const d = mode === 'delta' ? store.delta() : undefined;
  return d ? { keyed: d.upserts, removed: d.removed, delta: true, ...rest } : { keyed: store.full(), ...rest };
}
