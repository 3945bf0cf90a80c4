/**
 * Balanced slices: a source read in slices gives each worker a share of every batch in
 * proportion to how fast that worker has been, so that a worker on a slower core (or one
 * with more of the other work) takes fewer lines and the two finish a batch together. A
 * static split waits for the slower worker at every batch; Spark and Flink get the same
 * effect from task queues and split requests.
 *
 * Where it applies: a stage whose source is sliced contiguously, spread over more than one
 * partition, with no sink and no forward edge out of it, whose every output is a `hash` or
 * `gather` exchange. Each consumer partition then reads the producer partitions' parts in
 * partition order, so where a batch is cut changes nothing downstream (records in the same
 * order, combines in the same order); only which worker did the reading changes. A stage
 * whose partitions feed a sink or a `roundRobin` exchange keeps equal slices: there the cut
 * decides what each partition writes.
 *
 * Protocol: the coordinator sends, with `batch { t }`, the weights of batch t + interval
 * (one integer a worker); every partition that reads a slice of that batch cuts it with
 * them, and a batch without weights (the first of a run) is cut equally. Every worker polls
 * batch t + interval only after it received `batch { t }`, so all agree. Weights come from
 * each worker's `done`: its event loop's busy time since its previous `done` and the
 * records its balanced sources read; a worker's speed is records ÷ busy time (both
 * averaged over batches, from the second batch of a job on), and its weight is its share of
 * the summed speeds, kept within half and one and a half times an equal share; weights that
 * would move by less than 5 % of an equal share stay as they are.
 *
 * A reduce function that is not exactly associative (floating-point addition) may give
 * results that differ in the last bits from one run to the next, as map-side combines over
 * any other cut do (Spark and Flink alike).
 *
 * @module
 */
import type { Source } from '../../src/io/connector.js';
import type { PhysicalPlan } from '../../src/planner/types.js';

/** The integer weights of the workers sum to about this. */
const SCALE = 1000;
/**
 * Weight of the newest batch in the smoothed records and busy time, once a job has run
 * 1 / ALPHA measured batches (before that, the plain mean of those it ran). One batch's
 * busy time is noisy (±25 % for the same work: with two batches in flight, the time between
 * two `done`s also holds part of a neighbouring batch's work), and what one interval gets
 * too much the next lacks, so sums over many batches are accurate where one batch is not.
 */
const ALPHA = 0.1;
/** Weights move only when one would move by more than this share of an equal weight (noise is not chased). */
const DEAD_BAND = 0.05;
/** A worker's weight stays within these multiples of an equal share. */
const LOW = 0.5;
const HIGH = 1.5;

/**
 * The source nodes whose slices may be balanced (see the module comment): sliced
 * contiguously (`sliced(id)`), on more than one partition, in a stage without sinks or
 * forward edges out whose outputs are all `hash` or `gather` exchanges, its partition count a
 * multiple of `workers` (each worker's partitions share its weight equally).
 *
 * @example
 * ```ts
 * const ids = balancedSources(physical, (id) => bindings.sources.get(id)?.slicing !== 'byKey', 2); // Set { 'source#0' }
 * ```
 */
export function balancedSources(phys: PhysicalPlan, sliced: (id: string) => boolean, workers: number): Set<string> {
  const out = new Set<string>();
  if (workers < 2) return out;
  const edges = new Map(phys.edges.map((e) => [e.id, e]));
  const forwardFrom = new Set(phys.stages.flatMap((s) => s.inputs.flatMap((i) => (i.kind === 'forward' ? [i.stage] : []))));
  for (const stage of phys.stages) {
    if (stage.sinks.length || forwardFrom.has(stage.id) || stage.partitions % workers !== 0) continue;
    if (!stage.outputs.every((id) => { const m = edges.get(id)?.mode; return m === 'hash' || m === 'gather'; })) continue;
    for (const input of stage.inputs) {
      if (input.kind === 'source' && phys.nodePartitions[input.node] === stage.partitions && stage.partitions > 1 && sliced(input.node)) out.add(input.node);
    }
  }
  return out;
}

/**
 * Whether `source` is read in contiguous slices that may be uneven (`openSlice`, not
 * `byKey`, and `weightedSlices`: it cuts with `sliceBounds`): the sources
 * {@link balancedSources} may balance. A source of one's own that cuts its slices itself
 * keeps equal ones.
 *
 * @example
 * ```ts
 * contiguous(Sources.textFile('words.txt')); // true
 * ```
 */
export function contiguous(source: Source<unknown> | undefined): boolean {
  return typeof source?.openSlice === 'function' && source.slicing !== 'byKey' && source.weightedSlices === true;
}

/**
 * The weights of the `count` partitions of a balanced source from the workers' weights:
 * partition p runs in worker p mod N, and a worker's partitions share its weight.
 *
 * @example
 * ```ts
 * partitionWeights([600, 400], 4); // [600, 400, 600, 400]
 * ```
 */
export function partitionWeights(workerWeights: readonly number[], count: number): number[] {
  return Array.from({ length: count }, (_, p) => workerWeights[p % workerWeights.length]);
}

/**
 * The coordinator's side: it hears each worker's busy time and balanced records per batch
 * and answers the weights to send with the next `batch`.
 *
 * @example
 * ```ts
 * const b = new Balancer(2);
 * b.done(1000, 0, 50_000, 400); b.done(1000, 1, 50_000, 300); // the first batch is not measured
 * b.done(2000, 0, 50_000, 100); b.done(2000, 1, 50_000, 125);
 * b.weights(); // [556, 444]: worker 0 read as much in 80 % of the time
 * b.done(3000, 0, 55_600, 112); b.done(3000, 1, 44_400, 90);
 * b.weights(); // [556, 444]: they now finish together; a move of less than 5 % is not made
 * ```
 */
export class Balancer {
  /** Smoothed records and busy milliseconds per batch, by worker. */
  private smooth?: Array<{ records: number; busyMs: number }>;
  private current?: number[];
  /** The first batch of a job is not measured: its busy time holds the job's start (opening tasks, compiling the job's code). */
  private first = true;
  /** Batches measured. */
  private measured = 0;
  private readonly batches = new Map<number, Array<{ records: number; busyMs: number } | undefined>>();

  constructor(readonly workers: number) {}

  /** Worker `w` is done with batch t: its balanced sources read `records`, its event loop was busy `busyMs` since its previous `done`. */
  done(t: number, w: number, records: number, busyMs: number): void {
    let got = this.batches.get(t);
    if (!got) this.batches.set(t, (got = new Array(this.workers).fill(undefined)));
    got[w] = { records, busyMs };
    if (got.some((x) => x === undefined)) return;
    this.batches.delete(t);
    // A batch where a worker read nothing (the end of the input) or was not measured says nothing of speed.
    if (got.some((x) => !x || x.records <= 0 || !(x.busyMs > 0))) return;
    if (this.first) { this.first = false; return; }
    const now = got as Array<{ records: number; busyMs: number }>;
    const a = Math.max(ALPHA, 1 / ++this.measured);
    this.smooth = this.smooth
      ? this.smooth.map((s, i) => ({ records: a * now[i].records + (1 - a) * s.records, busyMs: a * now[i].busyMs + (1 - a) * s.busyMs }))
      : now.map((x) => ({ ...x }));
    const next = toWeights(this.smooth.map((s) => s.records / s.busyMs));
    const band = (DEAD_BAND * SCALE) / this.workers;
    const base = this.current ?? next.map(() => SCALE / this.workers);
    if (next.some((w, i) => Math.abs(w - base[i]) > band)) this.current = next;
  }

  /** The weights for the next batch to be cut (one integer a worker), or undefined: equal slices. */
  weights(): number[] | undefined {
    return this.current;
  }
}

/** Integer weights summing to SCALE in proportion to `speeds`, each within LOW..HIGH of an equal share. */
function toWeights(speeds: readonly number[]): number[] {
  const n = speeds.length;
  const total = speeds.reduce((a, b) => a + b, 0);
  const equal = SCALE / n;
  return speeds.map((s) => Math.round(Math.min(HIGH * equal, Math.max(LOW * equal, (SCALE * s) / total))));
}
