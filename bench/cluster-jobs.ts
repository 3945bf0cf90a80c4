/**
 * The pipelines of the cluster benchmarks, in a module of their own so that the worker
 * processes can rebuild them: the coordinator (bench/cluster.ts) runs them with a module
 * reference `{ module: this file, export, args }`, and each worker imports this file and
 * calls the same export with the same arguments. The sinks run in the coordinator and
 * record what they see in {@link observed}.
 *
 * @module
 */
import * as O from 'fp-ts/lib/Option.js';
import { Pipeline, Sources, pair, seconds, type State } from '../src/index.js';

/** Words per line of the word-count input. */
export const WORDS_PER_LINE = 10;
/** Distinct words of the word-count input. */
export const VOCABULARY = 10_000;

/** What the coordinator's sinks saw in the last run (reset by each builder). */
export const observed = {
  /** Sum of the counts (word count) or records (state job) the sink received. */
  total: 0,
  /** Records the sink received. */
  records: 0,
  /** Order-independent digest of the output records. */
  hash: 0,
  /**
   * Per sink call: batch time, `performance.now()` when the coordinator wrote it, and the
   * monotonic clock in µs (`process.hrtime`, the clock of V8's CPU profiles in every process).
   */
  batches: [] as Array<{ t: number; at: number; mono: number }>,
};

const mark = (t: number) => ({ t, at: performance.now(), mono: Number(process.hrtime.bigint() / 1000n) });

function reset(): void {
  observed.total = 0;
  observed.records = 0;
  observed.hash = 0;
  observed.batches = [];
}

/** FNV-1a of a string (for the order-independent output digests). */
export function strHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The lines of the word-count input: `words / WORDS_PER_LINE` lines of pseudo-random words
 * `w<0…VOCABULARY−1>`: an LCG in 32-bit arithmetic (`Math.imul`; multiplying in doubles
 * would lose low bits beyond 2^53 and fall into a short cycle), taking the word from the
 * high bits, so all VOCABULARY words occur (every one in every batch).
 */
export function* wordLines(words: number): Generator<string> {
  let x = 12345;
  for (let i = 0; i < words / WORDS_PER_LINE; i++) {
    const ws: string[] = [];
    for (let j = 0; j < WORDS_PER_LINE; j++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; ws.push(`w${(x >>> 8) % VOCABULARY}`); }
    yield ws.join(' ');
  }
}

export const splitWords = (l: string): string[] => l.split(' ');
export const one = (w: string) => pair(w, 1);
export const add = (a: number, b: number) => a + b;

/** Adds `[word, count]` pairs to an order-independent digest. */
export function digestCounts(rs: ReadonlyArray<readonly [string, number]>, h: number): number {
  for (const [w, n] of rs) h = (h + Math.imul(strHash(w), n)) >>> 0;
  return h;
}

/** Word count with a shuffle: lines → flatMap(split) → map(pair(w, 1)) → reduceByKey(+) → sink (per-batch counts). */
export function wordCount(words: number): Pipeline {
  reset();
  const p = Pipeline.create('bench-cluster-word-count', { batchInterval: seconds(1) });
  p.source(Sources.fromIterable(wordLines(words)))
    .flatMap(splitWords)
    .map(one)
    .reduceByKey(add)
    .foreachBatch((rs, t) => {
      observed.hash = digestCounts(rs, observed.hash);
      for (const [, n] of rs) observed.total += n;
      observed.records += rs.length;
      observed.batches.push(mark(t));
    });
  return p;
}

/** `k0` … `k(keys−1)` with state 0: the initial state of the state job (an iterable, built when read). */
function initialState(keys: number): Iterable<readonly [string, number]> {
  return { *[Symbol.iterator]() { for (let i = 0; i < keys; i++) yield [`k${i}`, 0] as const; } };
}

/**
 * Records of the state job: `[k<i mod keys>, i]`, each batch touching the next `batch` keys
 * in turn; with `hot`, batch b (of `batch` records) touches only the `hot` keys from
 * `b · hot` on (each several times), so `hot` keys change per batch.
 */
function* statePairs(records: number, keys: number, hot?: number, batch = 100_000): Generator<readonly [string, number]> {
  if (hot === undefined) { for (let i = 0; i < records; i++) yield [`k${i % keys}`, i]; return; }
  for (let i = 0; i < records; i++) yield [`k${(Math.floor(i / batch) * hot + (i % hot)) % keys}`, i];
}

/** Keeps a running sum per key; emits `[key, sum]` for one record in 1000 (so the sink sees every batch without the output dominating). */
function sumState(k: string, v: O.Option<number>, s: State<number>): O.Option<readonly [string, number]> {
  const x = O.isSome(v) ? v.value : 0;
  const sum = (s.exists() ? s.get() : 0) + x;
  s.update(sum);
  return x % 1000 === 0 ? O.some([k, sum] as const) : O.none;
}

/**
 * The state job of the checkpoint and recovery benchmarks: mapWithState over `keys` keys,
 * all of them in the state from the first batch (initial state), `records` records in all.
 */
export function stateJob(keys: number, records: number, hot?: number): Pipeline {
  reset();
  const p = Pipeline.create(`bench-cluster-state-${keys}`, { batchInterval: seconds(1) });
  p.source(Sources.fromIterable(statePairs(records, keys, hot)))
    .mapWithState({ fn: sumState, initial: initialState(keys), name: 'sums' })
    .foreachBatch((rs, t) => {
      observed.records += rs.length;
      for (const [k, n] of rs) observed.hash = (observed.hash + Math.imul(strHash(k), n | 0)) >>> 0;
      observed.batches.push(mark(t));
    });
  return p;
}
