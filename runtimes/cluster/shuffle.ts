/**
 * Shuffle writer and reader. The writer splits one producer partition's batch by consumer
 * partition (by key group, to partition 0, or round-robin), after the map-side combine when
 * the edge has one; one message per consumer partition, empty ones included, so the
 * consumer knows when it has everything. The reader collects the messages of a batch
 * time and hands a consumer partition its input once every producer partition's part is in.
 *
 * @module
 */
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import type { ShuffleEdge } from '../../src/planner/types.js';
import { batchMaxEventTime } from '../../src/engine/task.js';

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
    for (let q = 0; q < n; q++) out[q] = rs.slice(Math.floor((q * rs.length) / n), Math.floor(((q + 1) * rs.length) / n));
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

interface Slot {
  readonly parts: Array<unknown[] | undefined>;
  got: number;
  /** Each producer's largest event time (edges into event-time windows; -Infinity: none). */
  readonly maxEventTimes: number[];
  resolve?: (v: ConsumerInput) => void;
}

/** A consumer partition's input of one edge at one batch time. */
export interface ConsumerInput {
  /** Every producer partition's part, in partition order; undefined when none produced anything. */
  readonly records: unknown[] | undefined;
  /** The largest event time over producer partitions (`-Infinity` when none reported one). */
  readonly maxEventTime: number;
}

/** Collects the parts of shuffle edges by batch time and consumer partition. */
export class ShuffleReader {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly producers: (edge: string) => number) {}

  private slot(edge: string, t: number, to: number): Slot {
    const key = `${edge}|${t}|${to}`;
    let s = this.slots.get(key);
    if (!s) {
      const n = this.producers(edge);
      s = { parts: new Array(n), got: 0, maxEventTimes: new Array<number>(n).fill(-Infinity) };
      this.slots.set(key, s);
    }
    return s;
  }

  /**
   * One producer partition's part (already decoded; undefined when the producer produced
   * nothing), with the producer's largest event time of t on an edge into an event-time window.
   */
  put(edge: string, t: number, from: number, to: number, part: unknown[] | undefined, maxEventTime?: number): void {
    const s = this.slot(edge, t, to);
    s.parts[from] = part;
    s.got++;
    if (maxEventTime !== undefined) s.maxEventTimes[from] = maxEventTime;
    if (s.got === s.parts.length && s.resolve) this.finish(edge, t, to, s);
  }

  /** The consumer partition's input: every producer partition's part, in partition order. */
  async take(edge: string, t: number, to: number): Promise<unknown[] | undefined> {
    return (await this.takeInput(edge, t, to)).records;
  }

  /** {@link take}, with the largest event time the producers reported. */
  takeInput(edge: string, t: number, to: number): Promise<ConsumerInput> {
    const s = this.slot(edge, t, to);
    return new Promise((resolve) => {
      s.resolve = resolve;
      if (s.got === s.parts.length) this.finish(edge, t, to, s);
    });
  }

  private finish(edge: string, t: number, to: number, s: Slot): void {
    this.slots.delete(`${edge}|${t}|${to}`);
    const defined = s.parts.filter((p): p is unknown[] => p !== undefined);
    let records: unknown[] | undefined;
    if (defined.length === 1) records = defined[0];
    else if (defined.length > 1) {
      records = [];
      for (const p of defined) for (let i = 0; i < p.length; i++) records.push(p[i]);
    }
    s.resolve!({ records, maxEventTime: batchMaxEventTime(s.maxEventTimes) });
  }

  /** Parts still waiting (for error messages). */
  get pending(): number {
    return this.slots.size;
  }
}
