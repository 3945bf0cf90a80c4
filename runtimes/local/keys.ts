/**
 * Keys are compared by value, as Spark compares them with equals/hashCode: primitives as
 * themselves, anything else (tuples, records) by its canonical JSON text.
 */
export type KeyId = string | number | boolean | bigint | symbol | null | undefined;

/** JSON with object keys sorted, so that equal values give equal text. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) out[k] = (x as Record<string, unknown>)[k];
      return out;
    }
    return typeof x === 'bigint' ? `${x}n` : x;
  });
}

export function keyId(k: unknown): KeyId {
  return k !== null && typeof k === 'object' ? '\u0000' + canonical(k) : (k as KeyId);
}

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
