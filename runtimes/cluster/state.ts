/**
 * Executor state in checkpoints: what each worker's partitions snapshot after a batch,
 * merged per node by key group (so that a restart may use another partition count for
 * keyed state), and split again per partition on restore.
 *
 * @module
 */
import { deserialize, serialize } from 'node:v8';
import type { NodeKind } from '../../src/ir/nodes.js';
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import type { Executor, ExecutorState } from '../local/executor.js';

/** Node kinds whose executors keep something across batches: without a snapshot of each, a restart must replay the job. */
export const KEEPS_STATE: ReadonlySet<NodeKind> = new Set<NodeKind>([
  'source', 'window', 'groupByKeyAndWindow', 'reduceByKeyAndWindow', 'updateStateByKey', 'mapWithState', 'eventWindow',
]);

/** One partition's snapshot of one node. */
export interface PartitionState {
  readonly node: string;
  readonly partition: number;
  readonly state: ExecutorState;
}

/** A node's state over all partitions. */
export interface NodeState {
  /** Partitions the node had when the state was taken. */
  readonly partitions: number;
  /** Keyed entries by key group. */
  readonly keyed?: Record<number, Array<readonly [unknown, unknown]>>;
  readonly shared?: unknown;
  /** Partition-local state by partition index. */
  readonly local?: Record<number, unknown>;
}

/** Whether an executor of `kind` can be checkpointed (a source only if its reader can tell its position). */
export function canSnapshot(kind: NodeKind, ex: Executor): boolean {
  if (!KEEPS_STATE.has(kind)) return true;
  if (!ex.snapshot || !ex.restore) return false;
  if (kind === 'source') return (ex.snapshot().local as { position?: unknown } | undefined)?.position !== undefined;
  return true;
}

/** Merges partition snapshots into node states, keyed entries by key group. */
export function mergeStates(parts: readonly PartitionState[], nodePartitions: Readonly<Record<string, number>>, keyGroups: number): Record<string, NodeState> {
  const out: Record<string, { partitions: number; keyed?: Record<number, Array<readonly [unknown, unknown]>>; shared?: unknown; local?: Record<number, unknown> }> = {};
  for (const { node, partition, state } of parts) {
    const n = (out[node] ??= { partitions: nodePartitions[node] });
    if (state.keyed) {
      n.keyed ??= {};
      for (const kv of state.keyed) (n.keyed[keyGroupOf(kv[0], keyGroups)] ??= []).push(kv);
    }
    if (state.shared !== undefined && (n.shared === undefined || partition === 0)) n.shared = state.shared;
    if (state.local !== undefined) (n.local ??= {})[partition] = state.local;
  }
  return out;
}

/** The state partition `p` of a node with `partitions` partitions restores; throws when partition-local state cannot follow a changed partition count. */
export function stateFor(node: string, s: NodeState, p: number, partitions: number, keyGroups: number): ExecutorState {
  if (s.local && partitions !== s.partitions && Object.keys(s.local).length) {
    throw new Error(`${node}: its state was taken with ${s.partitions} partitions and is kept per partition; it cannot be restored on ${partitions}`);
  }
  const keyed: Array<readonly [unknown, unknown]> = [];
  for (const [g, entries] of Object.entries(s.keyed ?? {})) {
    if (partitionOfKeyGroup(Number(g), keyGroups, partitions) === p) keyed.push(...entries);
  }
  return { keyed, shared: s.shared, local: s.local?.[p] };
}

/** Bytes of any state value (v8 structured serialisation: state may hold Maps, bigints, …). */
export const encodeState = (v: unknown): Uint8Array => serialize(v);
/** The value back from {@link encodeState}. */
export const decodeState = <T>(b: Uint8Array): T => deserialize(b) as T;
