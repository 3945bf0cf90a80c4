/**
 * Checkpoints of the local runtime, in the layout every runtime shares
 * (`runtimes/core/checkpoint.ts`, docs/ENGINE.md "Checkpoint layout"): the local runtime is
 * one task per node in one process, so each stateful node writes one state segment
 * (`state/<t>/<name>/p0.avro`, 1 partition) after each checkpointed batch, then the
 * offsets and the commit record, exactly as the cluster's workers and coordinator do. A
 * checkpoint written here resumes on the cluster runtime (keyed state moves to its
 * partitions by key group) and the other way round.
 *
 * @module
 */
import { resolve } from 'node:path';
import type { Bindings } from '../../src/dsl/graph.js';
import type { Source } from '../../src/io/connector.js';
import type { NodeOf } from '../../src/ir/nodes.js';
import { planHash, type Plan } from '../../src/ir/plan.js';
import { Checkpoints, restorePartition, StateWriter, type Commit } from '../core/checkpoint.js';
import type { StageTask } from '../core/stage-task.js';
import { fingerprinting, refuseChangedInputs } from '../core/input-guard.js';
import { KEEPS_STATE } from '../core/state.js';
import { SLICED } from '../core/sliced-source.js';
import type { ExecutorState } from './executor.js';
import type { SourceExecutor } from './ops/source.js';

/**
 * A source executor whose snapshots have the shape the cluster runtime gives the same
 * source: a source that can be read in slices keeps its position as `shared` state (the
 * same in every partition), any other as `local`; either is restored. Snapshots of file
 * sources carry the file's fingerprint, so a resume refuses a changed input.
 */
export function checkpointedSource(ex: SourceExecutor, node: NodeOf<'source'>, bindings: Bindings): SourceExecutor {
  const { snapshot, restore } = ex;
  if (!snapshot || !restore) return ex;
  const sliced = typeof bindings.sources.get(node.id)?.openSlice === 'function';
  // Read as its one slice (a source sliced by key): its state has the cluster's shape already.
  if (SLICED in ex) return fingerprinting(ex, node.source, bindings.sources.get(node.id));
  return fingerprinting({
    ...ex,
    snapshot: sliced ? (mode) => ({ shared: snapshot(mode).local }) : snapshot,
    restore: (s) => restore({ local: s.local ?? s.shared }),
  }, node.source, bindings.sources.get(node.id));
}

/**
 * The checkpoint directory of a local run: opened (and checked) before anything runs,
 * restored from, and committed to after each checkpointed batch.
 *
 * @example
 * ```ts
 * const ck = LocalCheckpoints.open('ckpt', plan);
 * const engine = new Engine(plan, bindings, { ...options, stateWriter: () => ck.writer });
 * engine.restore(ck.restoreStates());
 * await engine.start();
 * ck.begin(engine.task);
 * await engine.runBatch(t);
 * ck.commit(t, zeroTime, false, engine.task);
 * ```
 */
export class LocalCheckpoints {
  /** Writes the state segments (the engine's task writes through it). */
  readonly writer: StateWriter;
  /** Whether commits carry state (else they are replay points: some executor cannot snapshot). */
  private snapshots = false;
  /** The executors that cannot snapshot (why commits are replay points). */
  cannot: string[] = [];

  private constructor(private readonly checkpoints: Checkpoints, private readonly plan: Plan) {
    this.writer = new StateWriter(checkpoints.dir, plan);
  }

  /**
   * Opens (or creates) `dir` for `plan`. Refuses, before anything runs, what the cluster
   * runtime refuses: another pipeline, other key groups, a stateful operator missing or of
   * another kind, a declared state schema that cannot read the stored state, corrupt
   * metadata or commits.
   */
  static open(dir: string, plan: Plan): LocalCheckpoints {
    return new LocalCheckpoints(Checkpoints.open(resolve(dir), plan, planHash(plan)), plan);
  }

  /** The checkpoint directory (absolute). */
  get dir(): string {
    return this.checkpoints.dir;
  }

  /** The last commit, if any. */
  get last(): Commit | undefined {
    return this.checkpoints.lastCommit;
  }

  /**
   * What each node restores from the last commit (snapshot mode; empty otherwise), read from
   * its segments (all key groups: every node runs in one partition here). Refuses, naming
   * the operator or file, a missing or corrupt state file, per-partition state taken with
   * another partition count, and a file source whose input changed since (or an in-memory
   * one of `sources` whose records did).
   */
  restoreStates(sources?: ReadonlyMap<string, Source<unknown>>): Map<string, ExecutorState> {
    const states = new Map<string, ExecutorState>();
    const ones = Object.fromEntries(this.plan.nodes.map((n) => [n.id, 1]));
    const point = this.checkpoints.restorePoint(this.plan, ones, (p) =>
      `resume on the cluster runtime with { partitions: ${p} } (or as many workers), or start from an empty checkpoint directory`);
    if (!point) return states;
    for (const n of this.plan.nodes) {
      if (!KEEPS_STATE.has(n.kind)) continue;
      const s = restorePartition(this.dir, this.plan, point, n.id, 0, 1);
      if (s) states.set(n.id, s);
    }
    const kept = Object.fromEntries([...states].filter(([id]) => this.plan.nodes.some((n) => n.id === id && n.kind === 'source')));
    refuseChangedInputs(this.plan, kept, this.dir, sources);
    return states;
  }

  /** Decides, once the executors have started, whether commits carry state: only if every executor of `task` that keeps state can snapshot it. */
  begin(task: Pick<StageTask, 'cannotSnapshot'>): void {
    this.cannot = task.cannotSnapshot();
    this.snapshots = this.cannot.length === 0;
  }

  /** Whether a resume restores state (else it replays the job from its first batch). */
  get snapshotting(): boolean {
    return this.snapshots;
  }

  /**
   * Commits batch `t` (after its sinks and dead letters were written): in snapshot mode
   * each stateful node's segment (a delta while the chain stays small, else full), the
   * sources' positions, then the commit record; in replay mode the commit record only.
   * `drained`: after t every source was drained and no window held data, so a resume runs
   * the final pass next (the commit record's `drained`, as the cluster writes it).
   */
  commit(t: number, zeroTime: number, complete: boolean, task: Pick<StageTask, 'prepare'>, drained = false): void {
    const ended = drained && !complete ? { drained: true } : {};
    if (!this.snapshots) {
      this.checkpoints.commit({ t, mode: 'replay', zeroTime, complete, ...ended }, this.plan);
      return;
    }
    const { state, positions } = task.prepare(t, true);
    const segments = [...state].sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
    this.checkpoints.commit({ t, mode: 'snapshot', zeroTime, complete, ...ended, segments }, this.plan, positions);
  }
}
