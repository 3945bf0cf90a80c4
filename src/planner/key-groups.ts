/**
 * A key's identity: keys are compared by value, as Spark compares them with
 * equals/hashCode — primitives as themselves, anything else (tuples, records) by its
 * canonical JSON text.
 * @category Planner
 */
export type KeyId = string | number | boolean | bigint | symbol | null | undefined;

/** JSON with object keys sorted, so that equal values give equal text. @category Planner */
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

/** The identity of a key: primitives as themselves, records and tuples by their canonical JSON. @category Planner */
export function keyId(k: unknown): KeyId {
  return k !== null && typeof k === 'object' ? '\u0000' + canonical(k) : (k as KeyId);
}

/**
 * A key as text that is equal for equal keys in every process: a type tag and the value
 * (records and tuples by their canonical JSON, as the local runtime compares keys).
 * @category Planner
 */
export function canonicalKey(key: unknown): string {
  switch (typeof key) {
    case 'string': return 's' + key;
    case 'number': return 'n' + String(key);
    case 'boolean': return key ? 'b1' : 'b0';
    case 'bigint': return 'i' + String(key);
    case 'undefined': return 'u';
    case 'object': return key === null ? 'z' : 'o' + (keyId(key) as string);
    default: throw new TypeError(`a ${typeof key} cannot be a key of a shuffled stream: keys must be values (strings, numbers, tuples, records)`);
  }
}

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix32. Stable across processes and versions. @category Planner */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The key group of a key: `hash32(canonicalKey(key)) mod keyGroups`. Fixed for the life of
 * a job's state, whatever the number of workers.
 * @category Planner
 */
export function keyGroupOf(key: unknown, keyGroups: number): number {
  if (typeof key === 'string') return hash32('s' + key) % keyGroups;
  return hash32(canonicalKey(key)) % keyGroups;
}

/** The partition that owns key group `g` of `keyGroups` when there are `partitions` (Flink's contiguous ranges). @category Planner */
export function partitionOfKeyGroup(g: number, keyGroups: number, partitions: number): number {
  return Math.floor((g * partitions) / keyGroups);
}

/** The key groups partition `p` owns. @category Planner */
export function keyGroupsOfPartition(p: number, keyGroups: number, partitions: number): number[] {
  const out: number[] = [];
  for (let g = 0; g < keyGroups; g++) if (partitionOfKeyGroup(g, keyGroups, partitions) === p) out.push(g);
  return out;
}
