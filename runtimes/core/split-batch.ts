/**
 * The writer side of an exchange: one producer partition's batch split into one part per
 * consumer partition (by key group, all to partition 0, round-robin, or contiguous slices),
 * after the map-side combine when the edge has one.
 *
 * @module
 */
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import type { ShuffleEdge } from '../../src/planner/types.js';
import { sliceBounds } from '../../src/io/connector.js';

/**
 * The consumer partition of each string key seen on an edge, kept across batches (the same
 * keys come back batch after batch; hashing them is a tenth of a word count's shuffle
 * writer). Keyed by the edge object, which lives as long as its job's plan.
 */
const partitionCache = new WeakMap<ShuffleEdge, Map<string, number>>();
/** Keys cached per edge before the cache starts over (bounds its memory). */
const MAX_CACHED_KEYS = 100_000;

/**
 * Splits producer partition `from`'s batch on `edge` into one array per consumer partition.
 * With a map-side combine, `records` are already combined (countByValue's then are
 * `[value, count]` pairs, keyed by their first element).
 */
export function splitBatch(edge: ShuffleEdge, keyGroups: number, from: number, rs: readonly unknown[]): unknown[][] {
  const n = edge.toPartitions;
  const keyField = edge.combine === 'countByValue' ? 'first' : edge.key;
  const out: unknown[][] = Array.from({ length: n }, () => []);
  if (n === 1 || edge.mode === 'gather') { out[0] = rs as unknown[]; return out; }
  if (edge.mode === 'split') {
    // The equal cut of a source read in slices (sliceBounds), so both spreads of a batch agree.
    for (let q = 0; q < n; q++) out[q] = rs.slice(...sliceBounds(rs.length, { index: q, count: n }));
    return out;
  }
  if (edge.mode === 'roundRobin') {
    for (let i = 0; i < rs.length; i++) out[(from + i) % n].push(rs[i]);
    return out;
  }
  let cache = partitionCache.get(edge);
  if (!cache || cache.size > MAX_CACHED_KEYS) partitionCache.set(edge, (cache = new Map()));
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i];
    const k = keyField === 'record' ? r : (r as readonly unknown[])[0];
    let q: number;
    if (typeof k === 'string') {
      let c = cache.get(k);
      if (c === undefined) { c = partitionOfKeyGroup(keyGroupOf(k, keyGroups), keyGroups, n); cache.set(k, c); }
      q = c;
    } else q = partitionOfKeyGroup(keyGroupOf(k, keyGroups), keyGroups, n);
    out[q].push(r);
  }
  return out;
}
