/**
 * The in-memory benchmarks: each pairs a sluice pipeline with a hand-written loop that
 * does the same work over the same generator and produces the same output batches.
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Pipeline, Sources, millis, type RunOptions, type Stream } from '../src/index.js';
import { BATCH, BATCH_MS, Counter, Digest, bestOf, timed, forEachBatchOf, keyTable, keyedPairs, keyedPairsForLoop, numbers, sameOutput, sinkTo, type Output, type Row } from './harness.js';

/** One benchmark: both sides, given where to send their output. */
export interface Case {
  readonly name: string;
  readonly records: number;
  readonly target: number;
  readonly note: string;
  sluice(out: Output): Promise<unknown>;
  baseline(out: Output): void;
}

/** Runs `build` over `items` on the local runtime (pace asap, BATCH records a batch) into `out`. */
async function runPipeline<T, U>(items: Iterable<T>, build: (s: Stream<T>) => Stream<U>, out: Output): Promise<void> {
  const p = Pipeline.create('bench', { batchInterval: millis(BATCH_MS) });
  build(p.source(Sources.fromIterable(items))).to(sinkTo(out));
  await p.run({ pace: 'asap', maxBatchSize: BATCH, ...observed() });
}

/**
 * With SLUICE_BENCH_OBSERVE=1 (run.ts's "observed" column): the run is watched as `sluice run
 * --progress-file --metrics-port` would watch it: progress records to a callback and a file,
 * Prometheus metrics in a registry.
 */
function observed(): RunOptions {
  if (!(watching ?? process.env.SLUICE_BENCH_OBSERVE === '1')) return {};
  const file = join(tmpdir(), `sluice-bench-progress-${process.pid}.jsonl`);
  if (!progressFiles.has(file)) {
    progressFiles.add(file);
    process.once('exit', () => rmSync(file, { force: true }));
  }
  return { onProgress: () => undefined, progressFile: file, metrics: { registry: new Registry() } };
}

/** Progress files to remove at exit (one per process, written again by every observed run). */
const progressFiles = new Set<string>();

/** Set by {@link measureObservedHere}: whether the next runs are observed (else SLUICE_BENCH_OBSERVE decides). */
let watching: boolean | undefined;

const N = 5_000_000;
const KEYS = keyTable(10_000);
/** Window length in slides (slide = one batch). */
export const WINDOW_BATCHES = 10;

const times3 = (x: number) => x * 3;
const even = (x: number) => (x & 1) === 0;
const plus1 = (x: number) => x + 1;
const add = (a: number, b: number) => a + b;
const sub = (a: number, b: number) => a - b;

const stateless: Case = {
  name: 'map → filter → map',
  records: N,
  target: 1 / 3,
  note: `${N / 1e6} M numbers from a generator; x·3, keep even, +1; the sink counts. Loop: for-of over the same generator, calling the same three functions.`,
  sluice: (out) => runPipeline(numbers(N), (s) => s.map(times3).filter(even).map(plus1), out),
  baseline(out) {
    for (const x of numbers(N)) {
      const a = times3(x);
      if (even(a)) out.record(plus1(a));
    }
  },
};

const reduceByKey: Case = {
  name: 'reduceByKey, 10k keys',
  records: N,
  target: 1 / 4,
  note: `${N / 1e6} M [key, value] pairs from a generator, 10k string keys round-robin; per-batch sums (${BATCH / 1e3} k records a batch); the sink counts the 10k pairs of each batch. Loop: a Map per batch over the same records (from an identical generator of its own, see \`keyedPairsForLoop\`), emitting the same pairs.`,
  sluice: (out) => runPipeline(keyedPairs(N, KEYS), (s) => s.reduceByKey(add), out),
  baseline(out) {
    let m = new Map<string, number>();
    forEachBatchOf(
      keyedPairsForLoop(N, KEYS),
      BATCH,
      (kv) => {
        const e = m.get(kv[0]);
        m.set(kv[0], e === undefined ? kv[1] : add(e, kv[1]));
      },
      () => {
        out.batch([...m]);
        m = new Map();
      },
    );
  },
};

/**
 * The baseline of the windowed benchmarks: a Map per batch, running totals per key kept
 * incrementally (add the batch that enters, subtract the one that leaves), every key's
 * total emitted at every slide (slide = batch).
 */
export class WindowedSums {
  private readonly ring: Map<string, number>[] = [];
  private readonly totals = new Map<string, number>();
  private batch = new Map<string, number>();

  constructor(private readonly windowBatches: number, private readonly out: Output) {}

  add(k: string, v: number): void {
    const e = this.batch.get(k);
    this.batch.set(k, e === undefined ? v : add(e, v));
  }

  endBatch(): void {
    const totals = this.totals;
    this.ring.push(this.batch);
    if (this.ring.length > this.windowBatches) {
      for (const [k, v] of this.ring.shift()!) totals.set(k, sub(totals.get(k)!, v));
    }
    for (const [k, v] of this.batch) {
      const e = totals.get(k);
      totals.set(k, e === undefined ? v : add(e, v));
    }
    this.batch = new Map();
    this.out.batch([...totals]);
  }

  /**
   * After the input ends: empty batches until no window holds data, as a bounded sluice run
   * fires every window that holds data before it ends.
   */
  drain(): void {
    const holdsData = () => this.ring.slice(-(this.windowBatches - 1)).some((m) => m.size > 0);
    while (this.windowBatches > 1 && holdsData()) this.endBatch();
  }
}

const windowed: Case = {
  name: `reduceByKeyAndWindow, 10k keys, window = ${WINDOW_BATCHES} × slide`,
  records: N,
  target: 1 / 4,
  note: `the pairs of the row above; sums over a ${WINDOW_BATCHES}-batch window sliding by one batch, with an inverse function (incremental, as Spark's); the sink counts the 10k pairs of each slide. Loop: a Map per batch and running totals (add the entering batch, subtract the leaving one), emitting the same pairs at every slide.`,
  sluice: (out) =>
    runPipeline(
      keyedPairs(N, KEYS),
      (s) => s.reduceByKeyAndWindow(add, millis(WINDOW_BATCHES * BATCH_MS), millis(BATCH_MS), { inverse: sub }),
      out,
    ),
  baseline(out) {
    const w = new WindowedSums(WINDOW_BATCHES, out);
    forEachBatchOf(keyedPairsForLoop(N, KEYS), BATCH, (kv) => w.add(kv[0], kv[1]), () => w.endBatch());
    w.drain();
  },
};

/** The in-memory benchmarks by id. */
export const CASES: Record<string, Case> = { stateless, reduceByKey, window: windowed };

/** Checks that both sides agree (which also warms them up), then times them, best of `runs` each. */
export async function measure(c: Case, runs = 5): Promise<Row> {
  const ds = new Digest();
  const db = new Digest();
  await c.sluice(ds);
  c.baseline(db);
  sameOutput(c.name, ds, db);
  const r = await bestOf(runs, c.records, { sluice: () => c.sluice(new Counter()), baseline: () => c.baseline(new Counter()) });
  return { name: c.name, records: c.records, sluice: r.sluice, baseline: r.baseline, target: c.target, note: c.note };
}

/**
 * Plain and observed runs of `c`'s sluice side in this process, interleaved: after a warm-up
 * of each, `reps` pairs, the side that goes first alternating. Returns the CPU seconds of
 * each side's runs, pair by pair.
 */
export async function measureObservedHere(c: Case, reps: number): Promise<{ plain: number[]; observed: number[] }> {
  const run = async (observe: boolean) => {
    watching = observe;
    try { return await timed(() => c.sluice(new Counter())); } finally { watching = undefined; }
  };
  await run(false);
  await run(true);
  const cpu = { plain: [] as number[], observed: [] as number[] };
  for (let i = 0; i < reps; i++) {
    for (const observe of i % 2 === 0 ? [false, true] : [true, false]) cpu[observe ? 'observed' : 'plain'].push((await run(observe)).cpu);
  }
  return cpu;
}
