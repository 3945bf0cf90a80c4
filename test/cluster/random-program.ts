/**
 * Generated programs for the randomized runtime comparison (randomized.test.ts): from a
 * seed, input batches of `{ k, v, ts }` records and a pipeline that chains DStream and
 * event-time operators, with several stateful operators per stream. Everything is derived
 * from the seed, so a cluster worker rebuilds the same pipeline from `(seed)` alone
 * (`randomPipeline`), and a failure names the seed and prints the program.
 *
 * Every function a program uses is deterministic and insensitive to the order of records
 * within a batch (sums, maxima, counts), because partitions may deliver a batch's records
 * in another order than the local runtime; outputs are compared per batch as multisets.
 */
import type { Stream } from '../../src/dsl/stream.js';
import { session, sliding, tumbling, type Aggregator, type WindowAssigner } from '../../src/dsl/event-time.js';
import { isSome, none, some, type Option } from '../../src/option.js';
import { harnessPipeline } from '../../src/testing/index.js';
import { millis } from '../../src/time/duration.js';

/** Batch interval of every generated program (ms). */
export const INTERVAL = 1000;

/** One input record. */
export interface Rec { readonly k: string; readonly v: number; readonly ts: number }

type Pair = readonly [string, number];

/** A generated program: its input, its steps (for the failure message) and how to build it. */
export interface Program {
  readonly seed: number;
  readonly input: Rec[][];
  /** Batches to run (input batches plus a few empty ones, so windows and timeouts fire). */
  readonly numBatches: number;
  /** Partitions of the source (what partition-aware operators see). */
  readonly sourcePartitions: number;
  /** The operator chain, one line per step. */
  readonly steps: string[];
  readonly build: (s: Stream<Rec>) => Stream<Pair>;
  /** How many stateful operators the program holds. */
  readonly stateful: number;
}

/** mulberry32: a small, seedable PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(private readonly next: () => number) {}
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(0, xs.length - 1)]!; }
  chance(p: number): boolean { return this.next() < p; }
}

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

/** Input batches: 0–25 records each; event times around the batch's time, some behind it (late). */
function generateInput(g: Gen): Rec[][] {
  const batches = g.int(4, 9);
  const keys = KEYS.slice(0, g.int(2, KEYS.length));
  const out: Rec[][] = [];
  for (let b = 0; b < batches; b++) {
    const n = g.chance(0.15) ? 0 : g.int(1, 25);
    const batch: Rec[] = [];
    for (let i = 0; i < n; i++) {
      const behind = g.chance(0.15) ? g.int(1000, 4000) : 0;
      batch.push({ k: g.pick(keys), v: g.int(0, 20), ts: Math.max(0, b * INTERVAL + g.int(0, INTERVAL - 1) - behind) });
    }
    out.push(batch);
  }
  return out;
}

type Step<A, B> = { text: string; stateful: boolean; apply: (s: Stream<A>) => Stream<B> };

/** A step on a record stream that ends in a pair stream. */
function recordToPairs(g: Gen): Step<Rec, Pair> {
  const choice = g.int(0, 5);
  if (choice <= 1) {
    const m = g.int(2, 5);
    return { text: `filter(v % ${m} != 0).map([k, v])`, stateful: false, apply: (s) => s.filter((r) => r.v % m !== 0).map((r): Pair => [r.k, r.v]) };
  }
  if (choice === 2) {
    return { text: 'flatMap([k, v], [k+v%2, 1])', stateful: false, apply: (s) => s.flatMap((r): Pair[] => [[r.k, r.v], [`${r.k}${r.v % 2}`, 1]]) };
  }
  return eventWindow(g);
}

/** withEventTime → keyBy → window(...) → count | reduce | aggregate, maybe with its late records. */
function eventWindow(g: Gen): Step<Rec, Pair> {
  const delay = g.pick([0, 500, 1000, 2000]);
  const [assigner, wtext]: [WindowAssigner, string] = g.pick<() => [WindowAssigner, string]>([
    () => { const size = g.pick([1000, 1500, 2000, 3000]); return [tumbling(millis(size)), `tumbling(${size})`]; },
    () => { const slide = g.pick([500, 1000]); const size = slide * g.int(2, 4); return [sliding(millis(size), millis(slide)), `sliding(${size}, ${slide})`]; },
    () => { const gap = g.pick([300, 700, 1200]); return [session(millis(gap)), `session(${gap})`]; },
  ])();
  const lateness = g.chance(0.3) ? g.pick([500, 1000]) : 0;
  const agg = g.int(0, 2);
  const withLate = g.chance(0.5);
  const text = `withEventTime(ts, delay ${delay}).keyBy(k).window(${wtext})${lateness ? `.allowedLateness(${lateness})` : ''}.${['count()', 'reduce(max v)', 'aggregate(sum v)'][agg]}${withLate ? ' ∪ lateRecords' : ''}`;
  const sum: Aggregator<Rec, number, number> = { create: () => 0, add: (a, r) => a + r.v, result: (a) => a, merge: (a, b) => a + b };
  return {
    text,
    stateful: true,
    apply: (s) => {
      const w = s.withEventTime((r) => r.ts, { watermarkDelay: millis(delay) }).keyBy((r) => r.k).window(assigner).allowedLateness(millis(lateness));
      const windows = agg === 0 ? w.count() : agg === 1 ? w.reduce((a, b) => (b.v > a.v ? b : a)) : w.aggregate(sum);
      const pairs = windows.map((x): Pair => [`${x.key}@${x.start}-${x.end}`, typeof x.value === 'number' ? x.value : (x.value as Rec).v]);
      if (!withLate) return pairs;
      return pairs.union(windows.lateRecords().map((r): Pair => [`late:${r.k}`, r.v]));
    },
  };
}

/** A step on a pair stream that keeps it a pair stream. */
function pairStep(g: Gen, ctx: { slide: number }): Step<Pair, Pair> {
  const choice = g.int(0, 11);
  switch (choice) {
    case 0: {
      const a = g.int(1, 5); const b = g.int(0, 9); const m = g.int(7, 31);
      return { text: `mapValues(v * ${a} + ${b} mod ${m})`, stateful: false, apply: (s) => s.mapValues((v) => (v * a + b) % m) };
    }
    case 1: {
      const m = g.int(2, 4);
      return { text: `filter(v % ${m} != 1)`, stateful: false, apply: (s) => s.filter(([, v]) => v % m !== 1) };
    }
    case 2: {
      const max = g.chance(0.5);
      return { text: `reduceByKey(${max ? 'max' : '+'})`, stateful: false, apply: (s) => s.reduceByKey(max ? (a, b) => Math.max(a, b) : (a, b) => a + b) };
    }
    case 3:
      return { text: 'groupByKey().mapValues(sum)', stateful: false, apply: (s) => s.groupByKey().mapValues((vs) => vs.reduce((a, b) => a + b, 0)) };
    case 4:
      return { text: 'countByValue().map([k:v, n])', stateful: false, apply: (s) => s.countByValue().map(([[k, v], n]): Pair => [`${k}:${v}`, n]) };
    case 5: {
      const m = g.int(5, 13);
      return {
        text: `updateStateByKey(running sum, dropped when sum % ${m} == 0)`,
        stateful: true,
        apply: (s) => s.updateStateByKey((vs: number[], st: Option<number>): Option<number> => {
          const sum = vs.reduce((a, b) => a + b, isSome(st) ? st.value : 0);
          return vs.length > 0 && sum % m === 0 ? none : some(sum);
        }),
      };
    }
    case 6: {
      const timeout = g.chance(0.5) ? g.pick([1000, 2000]) : undefined;
      return {
        text: `mapWithState(count per key${timeout ? `, timeout ${timeout}` : ''})`,
        stateful: true,
        apply: (s) => s.mapWithState<string, number, number, Pair>({
          ...(timeout ? { timeout: millis(timeout) } : {}),
          fn: (k, v, st) => {
            if (st.isTimingOut()) return some([`timeout:${k}`, st.get()] as const);
            const n = (st.exists() ? st.get() : 0) + (isSome(v) ? 1 : 0);
            st.update(n);
            return some([k, n] as const);
          },
        }),
      };
    }
    case 7: {
      const slide = (ctx.slide < 2 * INTERVAL ? g.pick([1, 2]) : 1) * ctx.slide; const size = slide * g.int(1, 3); const inverse = g.chance(0.5);
      ctx.slide = slide;
      return {
        text: `reduceByKeyAndWindow(+, ${size}, ${slide}${inverse ? ', inverse -' : ''})`,
        stateful: true,
        apply: (s) => s.reduceByKeyAndWindow((a, b) => a + b, millis(size), millis(slide), inverse ? { inverse: (a, b) => a - b, filter: ([, v]) => v !== 0 } : {}),
      };
    }
    case 8: {
      const slide = (ctx.slide < 2 * INTERVAL ? g.pick([1, 2]) : 1) * ctx.slide; const size = slide * g.int(1, 3);
      ctx.slide = slide;
      return { text: `window(${size}, ${slide})`, stateful: true, apply: (s) => s.window(millis(size), millis(slide)) };
    }
    case 9: {
      const a = g.int(1, 3);
      return { text: `join(self.mapValues(v + ${a})).mapValues(v * w)`, stateful: false, apply: (s) => s.join(s.mapValues((v) => v + a)).mapValues(([v, w]) => v * w) };
    }
    case 10: {
      const m = g.int(2, 4);
      return { text: `union(self.filter(v % ${m} == 0).map([k!, v]))`, stateful: false, apply: (s) => s.union(s.filter(([, v]) => v % m === 0).map(([k, v]): Pair => [`${k}!`, v])) };
    }
    default: {
      const n = g.int(1, 3);
      return { text: `repartition(${n})`, stateful: false, apply: (s) => s.repartition(n) };
    }
  }
}

/** A step that ends a pair stream with a global aggregate, as a pair stream again. */
function globalStep(g: Gen, ctx: { slide: number }): Step<Pair, Pair> {
  const slide = ctx.slide; const w = 2 * slide;
  return g.pick<Step<Pair, Pair>>([
    { text: "count().map(['count', n])", stateful: false, apply: (s) => s.count().map((n): Pair => ['count', n]) },
    { text: "map(v).reduce(+).map(['sum', n])", stateful: false, apply: (s) => s.map(([, v]) => v).reduce((a, b) => a + b).map((n): Pair => ['sum', n]) },
    { text: `countByWindow(${w}, ${slide})`, stateful: true, apply: (s) => s.countByWindow(millis(w), millis(slide)).map((n): Pair => ['windowed', n]) },
  ]);
}

/** The program of `seed`: 2–6 pair steps after a record step, at least two of them stateful. */
export function generateProgram(seed: number): Program {
  const g = new Gen(rng(seed));
  const input = generateInput(g);
  const first = recordToPairs(g);
  const rest: Step<Pair, Pair>[] = [];
  const length = g.int(2, 6);
  let stateful = first.stateful ? 1 : 0;
  const ctx = { slide: INTERVAL };
  for (let i = 0; i < length || stateful < 2; i++) {
    const step = pairStep(g, ctx);
    rest.push(step);
    if (step.stateful) stateful++;
  }
  if (g.chance(0.2)) {
    const last = globalStep(g, ctx);
    rest.push(last);
    if (last.stateful) stateful++;
  }
  return {
    seed,
    input,
    numBatches: input.length + g.int(1, 4),
    sourcePartitions: g.int(1, 3),
    steps: [first.text, ...rest.map((s) => s.text)],
    stateful,
    build: (s) => rest.reduce((acc, step) => step.apply(acc), first.apply(s)),
  };
}

/** What a cluster worker calls to rebuild the pipeline of `seed` (as `harnessPipeline` builds it in the coordinator). */
export function randomPipeline(seed: number) {
  const p = generateProgram(seed);
  return harnessPipeline([p.input], (s: Stream<any>) => p.build(s), { batchInterval: millis(INTERVAL) }).pipeline;
}
