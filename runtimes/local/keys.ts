import { keyId, type KeyId } from '../../src/planner/key-groups.js';

export { canonical, keyId, type KeyId } from '../../src/planner/key-groups.js';

/** A Map keyed by value that remembers the original key, in first-insertion order. */
export class KeyMap<V> {
  protected readonly m = new Map<KeyId, { key: unknown; value: V }>();

  get size(): number { return this.m.size; }
  get(key: unknown): V | undefined { return this.m.get(keyId(key))?.value; }
  has(key: unknown): boolean { return this.m.has(keyId(key)); }
  set(key: unknown, value: V): void {
    const id = keyId(key);
    const e = this.m.get(id);
    if (e) e.value = value; else this.m.set(id, { key, value });
  }
  delete(key: unknown): boolean { return this.m.delete(keyId(key)); }
  /** The entry of a key, created with `init` when absent. */
  entry(key: unknown, init: () => V): { key: unknown; value: V } {
    const id = keyId(key);
    let e = this.m.get(id);
    if (!e) { e = { key, value: init() }; this.m.set(id, e); }
    return e;
  }
  /** Sets `key` to `value`, or to `f(current, value)` when the key is present: one lookup. */
  merge(key: unknown, value: V, f: (a: V, b: V) => V): void {
    const id = typeof key === 'object' && key !== null ? keyId(key) : (key as KeyId);
    const e = this.m.get(id);
    if (e === undefined) this.m.set(id, { key, value });
    else e.value = f(e.value, value);
  }
  *entries(): IterableIterator<[unknown, V]> {
    for (const e of this.m.values()) yield [e.key, e.value];
  }
  values(): IterableIterator<{ key: unknown; value: V }> { return this.m.values(); }
}
