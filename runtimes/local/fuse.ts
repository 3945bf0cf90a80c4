/**
 * Operator fusion for the local engine, applied once to the executors the engine built
 * (the hook in `engine.ts`). It changes how batches are computed, never what comes out.
 *
 * Consecutive `map` / `filter` / `flatMap` / `mapValues` / `flatMapValues` nodes, each the
 * only consumer of the one before, run as one loop: each record goes through every stage
 * before the next record starts (as Spark pipelines narrow transformations), with no array
 * between stages and the output array allocated once (at the input's length when no stage
 * can add records). The head node's executor computes the whole chain; every node of the
 * chain still "runs" at its own place in the engine's topological order, and there it
 * - sends its own dead letters (in record order, as its own executor would),
 * - throws its own `UserFunctionError` when its function failed with `onError: 'fail'`
 *   (the first failing record in its input order; stages after a failing stage are stopped,
 *   stages before it go on over the whole batch, as they would unfused),
 * - gets its record count right in `metrics.records` (the engine adds the length of the
 *   array a node returns; inner nodes return their input and add the difference).
 * What differs is only the interleaving of calls to user functions (stage 2 sees record 1
 * before stage 1 sees record 2), and that all calls of a chain happen at its head's turn.
 * Pure functions cannot tell.
 *
 * The semantics mirrored here are those of `ops/map.ts`, `ops/filter.ts`, `ops/flat-map.ts`,
 * `ops/map-values.ts` and `ops/flat-map-values.ts`: a change there must be made here too.
 * `bench/fuse.test.ts` runs pipelines with fusion on and off and compares output, errors,
 * dead letters and metrics. `SLUICE_FUSE=0` in the environment turns fusion off.
 *
 * @module
 * @internal
 */
import type { IRNode, OnError } from '../../src/ir/nodes.js';
import type { BatchContext, Env, Executor } from './executor.js';
import { fail } from './guard.js';
import type { KeyId } from './keys.js';
import { foldPair } from './ops/reduce-by-key.js';

type Fn = (x: unknown) => unknown;
type Emit = (record: unknown) => void;
type StatelessKind = 'map' | 'filter' | 'flatMap' | 'mapValues' | 'flatMapValues';

const STATELESS: ReadonlySet<string> = new Set<StatelessKind>(['map', 'filter', 'flatMap', 'mapValues', 'flatMapValues']);

/** One node of a fused chain. */
interface Stage {
  readonly id: string;
  readonly kind: StatelessKind;
  readonly onError: OnError;
  readonly f: Fn;
}

/** True unless `SLUICE_FUSE=0`. */
export function fusionEnabled(): boolean {
  return process.env.SLUICE_FUSE !== '0';
}

/** A reduceByKey fused after a chain, in this task or (for {@link fuseWithCombiners}) across the exchange as its map-side combine: the per-key fold the chain's records go into. */
export interface CombineAfter {
  readonly id: string;
  readonly f: (a: unknown, b: unknown) => unknown;
}

/**
 * The executors a task runs instead of `execs` (one per node of `nodes`, same order), with
 * chains of stateless nodes fused (`execs` as they are when fusion is off). A chain whose
 * only consumer is a reduceByKey in the same task folds into its per-key map. For a task
 * whose outputs leave through exchanges (a cluster worker's stage partition), a chain whose
 * tail's only consumer is a reduceByKey in another stage, with a map-side combine on the
 * edge (`combine`, keyed by the tail's id), folds its records into the combine's per-key
 * map as they come. The tail then returns an empty array, and `combined` holds, by tail id, the
 * executor that returns the combined pairs (call it instead of the edge's combiner, only
 * when the tail produced a batch).
 */
export function fuseWithCombiners(nodes: readonly IRNode[], execs: readonly Executor[], env: Env, combine: ReadonlyMap<string, CombineAfter>): { execs: Executor[]; combined: Map<string, Executor> } {
  const out = [...execs];
  const combined = new Map<string, Executor>();
  if (!fusionEnabled()) return { execs: out, combined };
  const at = new Map(nodes.map((n, i) => [n.id, i]));
  const chainOf = new Map<string, IRNode[]>();
  const chains: IRNode[][] = [];
  for (const n of nodes) {
    if (!STATELESS.has(n.kind) || n.inputs.length !== 1) continue;
    const from = n.inputs[0].from;
    const up = chainOf.get(from);
    if (up && up[up.length - 1].id === from && env.consumers(from).length === 1) {
      up.push(n);
      chainOf.set(n.id, up);
    } else {
      const c = [n];
      chains.push(c);
      chainOf.set(n.id, c);
    }
  }
  for (const chain of chains) {
    const tail = chain[chain.length - 1].id;
    const after = env.consumers(tail);
    // A chain whose only consumer is a reduceByKey folds into its per-key map directly (map-side
    // combine, as Spark's), so the chain's output array is never built.
    const next = after.length === 1 && after[0].kind === 'reduceByKey' && after[0].inputs.length === 1 ? after[0] : undefined;
    const reduce = next && at.has(next.id) ? next : undefined;
    const into = !reduce && after.length === 1 ? combine.get(tail) : undefined;
    if (chain.length < 2 && !reduce && !into) continue;
    const stages = chain.map((n) => ({ id: n.id, kind: n.kind as StatelessKind, onError: (n as { onError: OnError }).onError, f: env.fns(n.id).f as Fn }));
    const fused = fuseChain(stages, reduce ? { id: reduce.id, f: env.fns(reduce.id).f as Reduce } : into);
    chain.forEach((n, i) => { out[at.get(n.id)!] = fused[i]; });
    if (reduce) out[at.get(reduce.id)!] = fused[chain.length];
    if (into) combined.set(tail, fused[chain.length]);
  }
  return { execs: out, combined };
}

type Reduce = (a: unknown, b: unknown) => unknown;


// ---- stateless chains ---------------------------------------------------------------------------

/** What one chain did with one batch; shared by the executors of its nodes. */
class ChainRun {
  /** The chain's output; preallocated when no stage can add records. */
  out: unknown[] = [];
  n = 0;
  /** Stages from `limit` on no longer run: stage `limit` failed with onError 'fail'. */
  limit: number;
  failure?: { record: unknown; error: unknown };
  /** Records that passed each stage. */
  readonly counts: number[];
  /** Failures of each stage with onError 'deadLetter', in record order. */
  dead?: Array<Array<[unknown, unknown]> | undefined>;

  constructor(private readonly stages: readonly Stage[]) {
    this.limit = stages.length;
    this.counts = stages.map(() => 0);
  }

  start(inputs: number, prealloc: boolean): void {
    this.out = prealloc ? new Array(inputs) : [];
    this.n = 0;
    this.limit = this.stages.length;
    this.failure = undefined;
    this.dead = undefined;
    this.counts.fill(0);
  }

  failed(i: number, record: unknown, error: unknown): void {
    if (this.stages[i].onError === 'deadLetter') {
      const dead = (this.dead ??= []);
      (dead[i] ??= []).push([record, error]);
    } else {
      // Stage i only runs while i < limit, so this is an earlier stage than any failed so far.
      this.limit = i;
      this.failure = { record, error };
    }
  }

  /** Stage i's turn in the engine: its dead letters, its failure, its record count. */
  settle(i: number, ctx: BatchContext, returned: number): void {
    const s = this.stages[i];
    const dead = this.dead?.[i];
    if (dead) for (const [record, error] of dead) fail(s.id, 'deadLetter', record, error, ctx);
    if (this.limit === i) fail(s.id, 'fail', this.failure!.record, this.failure!.error, ctx);
    ctx.metrics.records[s.id] = (ctx.metrics.records[s.id] ?? 0) + this.counts[i] - returned;
  }
}

/** The per-record function of stage `i`, handing what it produces to `next`. */
function stageFn(s: Stage, i: number, run: ChainRun, next: Emit): Emit {
  const f = s.f;
  const counts = run.counts;
  switch (s.kind) {
    case 'map':
      return (r) => {
        if (i >= run.limit) return;
        let y: unknown;
        try { y = f(r); } catch (e) { run.failed(i, r, e); return; }
        counts[i]++;
        next(y);
      };
    case 'filter':
      return (r) => {
        if (i >= run.limit) return;
        let keep: unknown;
        try { keep = f(r); } catch (e) { run.failed(i, r, e); return; }
        if (keep) { counts[i]++; next(r); }
      };
    case 'mapValues':
      return (r) => {
        if (i >= run.limit) return;
        let y: unknown;
        try { const kv = r as [unknown, unknown]; y = [kv[0], f(kv[1])]; } catch (e) { run.failed(i, r, e); return; }
        counts[i]++;
        next(y);
      };
    case 'flatMap':
      // `next` never throws (each stage catches its own failures), so a throw here is f's or its iterable's.
      return (r) => {
        if (i >= run.limit) return;
        try {
          const it = f(r) as Iterable<unknown>;
          if (Array.isArray(it)) { for (let j = 0; j < it.length; j++) { counts[i]++; next(it[j]); } }
          else for (const x of it) { counts[i]++; next(x); }
        } catch (e) { run.failed(i, r, e); }
      };
    case 'flatMapValues':
      return (r) => {
        if (i >= run.limit) return;
        try {
          const kv = r as [unknown, unknown];
          for (const w of f(kv[1]) as Iterable<unknown>) { counts[i]++; next([kv[0], w]); }
        } catch (e) { run.failed(i, r, e); }
      };
  }
}

/**
 * One executor per stage: the head computes the chain, each stage settles at its turn, the
 * last returns the output. With `reduce`, the chain's records are folded per key as they
 * come (what `ops/reduce-by-key.ts` does over the array): the last stage returns an empty
 * array (its record count still added) and one more executor, the reduceByKey's, returns the
 * folded pairs and throws, at its turn, the first failure of its function.
 */
function fuseChain(stages: readonly Stage[], reduce?: CombineAfter): Executor[] {
  const run = new ChainRun(stages);
  const prealloc = !reduce && stages.every((s) => s.kind !== 'flatMap' && s.kind !== 'flatMapValues');
  const acc = new Map<KeyId, [unknown, unknown]>();
  let reduceFailure: { record: unknown; error: unknown } | undefined;
  let emit: Emit = (r) => { run.out[run.n++] = r; };
  if (reduce) {
    const f = reduce.f;
    emit = (r) => {
      if (reduceFailure) return;
      run.n++;
      try {
        foldPair(acc, r as [unknown, unknown], f);
      } catch (e) {
        reduceFailure = { record: r, error: e };
      }
    };
  }
  for (let i = stages.length - 1; i >= 0; i--) emit = stageFn(stages[i], i, run, emit);
  const head = emit;
  const last = stages.length - 1;
  const reducer: Executor[] = reduce ? [{
    process(_inputs, ctx) {
      const failure = reduceFailure;
      reduceFailure = undefined;
      const out = [...acc.values()];
      acc.clear();
      if (failure) fail(reduce.id, 'fail', failure.record, failure.error, ctx);
      return out;
    },
  }] : [];
  return [...stages.map((_s, i): Executor => ({
    process([input], ctx) {
      // The engine calls a node only when its input produced a batch, so input is defined.
      const rs = input ?? [];
      if (i === 0) runHead(rs);
      if (i < last) {
        run.settle(i, ctx, rs.length);
        return rs;
      }
      if (reduce) {
        run.settle(i, ctx, 0);
        return [];
      }
      run.settle(i, ctx, run.n);
      const out = run.out;
      if (out.length !== run.n) out.length = run.n;
      run.out = [];
      return out;
    },
  })), ...reducer];

  function runHead(rs: unknown[]): void {
    run.start(rs.length, prealloc);
    acc.clear();
    reduceFailure = undefined;
    for (let j = 0; j < rs.length; j++) {
      head(rs[j]);
      if (run.limit === 0) break;
    }
  }
}
