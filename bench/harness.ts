/**
 * What every benchmark shares: record generators, a counting sink, timing (best of n with a
 * warm-up) and the shape of a result row.
 *
 * @module
 */
import { Sinks, type Sink } from '../src/index.js';

/** One row of the results table. */
export interface Row {
  readonly name: string;
  readonly records: number;
  /** Records per second through sluice (best of the timed runs). */
  readonly sluice: Rates;
  /** Records per second through the hand-written loop (best of the timed runs). */
  readonly baseline: Rates;
  /** `ratio ≥ target` passes. */
  readonly target: number;
  /** What the row measures, for the notes under the table. */
  readonly note: string;
}

/** Batch interval of every benchmark pipeline (virtual time, pace 'asap'), ms. */
export const BATCH_MS = 1000;
/** Records a source gives one batch. */
export const BATCH = 100_000;

/** `n` string keys `k0` … `k(n−1)`, built once so that both sides hash the same strings. */
export function keyTable(n: number): readonly string[] {
  return Array.from({ length: n }, (_, i) => `k${i}`);
}

/** 0, 1, …, n − 1. */
export function* numbers(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** `[keys[i mod |keys|], i mod 16]` for i < n: every key, round-robin, small integer values. For sluice. */
export function* keyedPairs(n: number, keys: readonly string[]): Generator<readonly [string, number]> {
  const k = keys.length;
  for (let i = 0; i < n; i++) yield [keys[i % k], i & 15];
}

/**
 * The same records for the hand-written loops, from a generator of their own. V8 decides per
 * allocation site whether to allocate objects straight into the old generation
 * (pretenuring); sluice's batches keep pairs alive long enough to tip that decision for the
 * site that allocated them, and a loop sharing that site would then run up to 2× slower
 * after a sluice run in the same process, which it would not on its own.
 */
export function* keyedPairsForLoop(n: number, keys: readonly string[]): Generator<readonly [string, number]> {
  const k = keys.length;
  for (let i = 0; i < n; i++) yield [keys[i % k], i & 15];
}

/**
 * Cuts an iterator into batches exactly as `Sources.fromIterable` does with `max` records
 * per poll: full batches, then one empty batch when the iterator ends on a batch boundary.
 * Calls `record` for each record and `endBatch` after each batch, without building arrays.
 */
export function forEachBatchOf<T>(items: Iterable<T>, max: number, record: (r: T) => void, endBatch: () => void): void {
  const it = items[Symbol.iterator]();
  let done = false;
  while (!done) {
    let n = 0;
    while (n < max) {
      const x = it.next();
      if (x.done) { done = true; break; }
      record(x.value);
      n++;
    }
    endBatch();
  }
}

/** Where a benchmark side sends its output: record by record or batch by batch. */
export interface Output {
  record(r: unknown): void;
  batch(rs: readonly unknown[]): void;
}

/** An output that only counts records. */
export class Counter implements Output {
  n = 0;
  record(): void { this.n++; }
  batch(rs: readonly unknown[]): void { this.n += rs.length; }
}

/**
 * An order-sensitive digest of outputs (record count and a hash of the numbers in them), so
 * that a benchmark can check that sluice and its baseline produce the same records.
 */
export class Digest implements Output {
  n = 0;
  hash = 17;

  /** Numbers, and the second element of pairs, enter the hash. */
  record(r: unknown): void {
    this.n++;
    const v = typeof r === 'number' ? r : Array.isArray(r) ? (r[1] as number) : NaN;
    this.hash = (Math.imul(this.hash, 31) + (v | 0)) | 0;
  }

  batch(rs: readonly unknown[]): void {
    for (const r of rs) this.record(r);
  }
}

/** Throws unless both sides produced the same records. */
export function sameOutput(name: string, sluice: Digest, baseline: Digest): void {
  if (sluice.n !== baseline.n || sluice.hash !== baseline.hash) {
    throw new Error(`${name}: sluice and the baseline disagree: sluice ${sluice.n} records (hash ${sluice.hash}), baseline ${baseline.n} (hash ${baseline.hash})`);
  }
}

/** A sink that hands every batch to `out`. */
export function sinkTo<T>(out: Output): Sink<T> {
  return Sinks.foreachBatch<T>((rs) => out.batch(rs));
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Seconds one call takes: wall clock, and CPU time of the process (user + system, all threads). */
export interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** Times one call, after a collection so that earlier garbage is not billed to it. */
export async function timed(f: () => unknown): Promise<Timing> {
  collectGarbage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

/** Records per second of one side, by wall clock and by CPU time. */
export interface Rates {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Records per second of each side, best of `runs` (wall clock and CPU time each their own
 * best), the sides alternating so that both see the same machine state. Both should have
 * been run once before (warm-up and output check).
 */
export async function bestOf(runs: number, records: number, sides: { sluice: () => unknown; baseline: () => unknown }): Promise<{ sluice: Rates; baseline: Rates }> {
  const best = { sluice: { wall: Infinity, cpu: Infinity }, baseline: { wall: Infinity, cpu: Infinity } };
  for (let i = 0; i < runs; i++) {
    for (const side of ['baseline', 'sluice'] as const) {
      const t = await timed(sides[side]);
      best[side].wall = Math.min(best[side].wall, t.wall);
      best[side].cpu = Math.min(best[side].cpu, t.cpu);
    }
  }
  const rates = (t: Timing): Rates => ({ wall: records / t.wall, cpu: records / t.cpu });
  return { sluice: rates(best.sluice), baseline: rates(best.baseline) };
}
