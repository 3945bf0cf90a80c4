import type { Bindings } from '../../src/dsl/graph.js';
import type { IRNode, NodeKind, NodeOf } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import type { RunMetrics } from '../../src/runtime.js';
import type { KeyedEntry, KeyedStateStore } from './state-store.js';

/** Per-batch context handed to every executor. */
export interface BatchContext {
  /** The batch time (ms). */
  readonly time: number;
  /** True for the end-of-input pass that flushes event-time windows. */
  readonly final: boolean;
  /** Records a rejected record; the batch goes on. */
  deadLetter(origin: string, reason: string, record: unknown): void;
  /** Side outputs of this batch by node id (late records, state snapshots). */
  readonly side: Map<string, unknown[]>;
  readonly metrics: RunMetrics;
  /** When the run is observed: wall time (ms) spent in each node this batch, added by `runNodes`. */
  readonly times?: Record<string, number>;
}

/** What executors may ask of the runtime when they are built. */
export interface Env {
  readonly plan: Plan;
  readonly bindings: Bindings;
  /** Time of the job's start; batch times are zeroTime + k·interval. */
  readonly zeroTime: number;
  /** Slide of each node (ms). */
  readonly slides: ReadonlyMap<string, number>;
  /** Number of partitions a node's output has (repartition changes it). */
  readonly partitions: ReadonlyMap<string, number>;
  /** Consumers of a node. */
  consumers(id: string): IRNode[];
  node(id: string): IRNode;
  /** Hands a record to the dead-letter output (sources call this between batches). */
  deadLetter(origin: string, reason: string, raw: unknown): void;
  /** The user functions bound to a node. */
  fns(id: string): Record<string, any>;
  /**
   * Cluster: whether the partition this executor runs on owns `key` in node `id`'s state
   * (by key group). State that is not routed by key (a window's kept batches) picks keys its
   * own partition owns, so that a restore on the same partition count puts it back where it
   * was. Absent: one partition owns every key.
   */
  owns?(id: string, key: unknown): boolean;
}

/**
 * Executes one node, batch by batch. `inputs[i]` is the batch of input i at this time, or
 * undefined when that input produced nothing at this time. Returns the node's batch, or
 * undefined when it produces nothing at this time (a window between slides).
 */
export interface Executor {
  process(inputs: ReadonlyArray<unknown[] | undefined>, ctx: BatchContext): unknown[] | undefined | Promise<unknown[] | undefined>;
  /**
   * Whether a batch after `time` would still emit data the node holds (a window's kept
   * batches): a bounded run goes on with empty batches until no node holds any.
   */
  holds?(time: number): boolean;
  /** Called once, after the last batch of a bounded run: what the node still holds (event-time windows). */
  finish?(ctx: BatchContext): unknown[] | undefined;
  /** Called once when the run ends. */
  close?(): void | Promise<void>;
  /** Called once before the first batch (loading tables, opening sinks). */
  start?(): void | Promise<void>;
  /**
   * What the node keeps across batches, for a checkpoint (cluster runtime); taken between
   * batches. With `'delta'`, an executor whose keyed state is a {@link KeyedStateStore} may
   * return only the keys changed since its previous snapshot (`delta: true`); any other
   * answer is a full snapshot.
   */
  snapshot?(mode?: 'full' | 'delta'): ExecutorState;
  /** Keys the node holds in state now (stateful operators; read after a batch when the run is observed). */
  stateKeys?(): number;
  /** The node's event-time watermark now (event-time operators; read after a batch when the run is observed). */
  watermark?(): number;
  /** Puts back what full snapshots gave (the keyed entries of the keys this partition owns, deltas applied); called before `start`. */
  restore?(state: ExecutorState): void;
}

/**
 * The state of an executor in a checkpoint. `keyed` entries move between partitions by key
 * group (so a job can be rescaled); `shared` is the same in every partition (taken from
 * one); `local` belongs to one partition and is restored to the same partition index.
 */
export interface ExecutorState {
  /** `[key, state, meta]`: the state value (what a declared state schema describes) and the executor's bookkeeping for the key. */
  readonly keyed?: ReadonlyArray<KeyedEntry>;
  /** `keyed` holds only the keys changed since the previous snapshot, `removed` the keys removed since. */
  readonly delta?: boolean;
  readonly removed?: readonly unknown[];
  readonly shared?: unknown;
  readonly local?: unknown;
  /**
   * The key group of a `keyed` entry's key (default: its hash, `keyGroupOf`): a source
   * sliced by key that places its units of input itself ({@link Source.unitGroup}) files each
   * unit's position where the partition reading that unit restores from.
   */
  readonly groupOf?: (key: unknown, keyGroups: number) => number;
}

/** Builds the executor of one node kind. */
export type ExecutorFactory<K extends NodeKind> = (node: NodeOf<K>, env: Env) => Executor;

/** One factory per node kind: a missing kind fails to compile. */
export type ExecutorTable = { readonly [K in NodeKind]: ExecutorFactory<K> };
