/**
 * The source executor of a source read in slices (`Source.openSlice`): partition `index`
 * of `count` reads its contiguous slice of every batch. Its position is the same in every
 * partition, so it is checkpointed as `shared` state: a resume on another partition count
 * (or of a 1-partition run) starts every slice at the same line.
 *
 * @module
 */
import { RuntimeError } from '../../src/errors.js';
import { keyGroupOf } from '../../src/planner/key-groups.js';
import { sliceBounds, weightedBounds, type Source, type SourceSlice } from '../../src/io/connector.js';
import type { NodeOf } from '../../src/ir/nodes.js';
import type { Env, ExecutorState } from '../local/executor.js';
import { sourceExecutor, type SourceExecutor, type SourcePacing } from '../local/ops/source.js';

/** What a sliced source keeps in a checkpoint (as `shared` state). */
export interface SlicedSourceState {
  readonly position?: unknown;
  readonly drained: boolean;
}

/** Marks executors built here: they snapshot their position as `shared` state. */
export const SLICED = Symbol('sliced source');

/**
 * The key group of a unit of input of `source` (a source sliced by key): its own placement
 * (`Source.unitGroup`), else the hash of the name, as keyed state. The one rule both the
 * partition that owns a unit and the snapshot that files its position follow.
 */
export function unitGroupOf(source: Source<unknown> | undefined): (key: unknown, keyGroups: number) => number {
  const own = source?.unitGroup;
  return own ? (key, keyGroups) => own.call(source, String(key), keyGroups) : keyGroupOf;
}

/** Whether the source bound to `node` can be read in slices. */
export function canSlice(node: NodeOf<'source'>, env: Env): boolean {
  return typeof env.bindings.sources.get(node.id)?.openSlice === 'function';
}

/**
 * The weights of the `count` slices of the batch of time `time` (integers, one a slice), or
 * undefined for equal slices. Every partition that reads a slice of the batch must get the
 * same weights (see runtimes/cluster/balance.ts).
 */
export type SliceWeights = (time: number) => readonly number[] | undefined;

/**
 * The executor of slice `index` of `count` of `node`'s source: the local source executor
 * over the slice, its state kept as `shared` (or by key, for a source sliced `byKey`).
 * With `weights` (a contiguous source), each batch's slices take shares in proportion to
 * the weights of that batch's time.
 */
export function slicedSource(node: NodeOf<'source'>, env: Env, pacing: SourcePacing, index: number, count: number, weights?: SliceWeights): SourceExecutor & { readonly [SLICED]: true } {
  const source = env.bindings.sources.get(node.id);
  if (!source?.openSlice) throw new RuntimeError(`${node.id}: the source bound to this node cannot be read in slices`, { operator: node.id });
  const byKey = source.slicing === 'byKey';
  // By key: a unit of input (a file) belongs to the partition that owns its key group, as keyed state does.
  const owns = byKey && env.owns ? (key: string) => env.owns!(node.id, key) : undefined;
  // The batch time of the poll under way (a poll is for one batch, and polls of one source do not overlap).
  let polling = 0;
  const balanced = weights && !byKey ? (n: number) => { const w = weights(polling); return w ? weightedBounds(n, w, index) : sliceBounds(n, { index, count }); } : undefined;
  const spec: SourceSlice = { index, count, ...(owns ? { owns } : {}), ...(balanced ? { bounds: balanced } : {}) };
  const slice: Source<unknown> = { ...source, open: (ctx, resumeFrom) => source.openSlice!(ctx, spec, resumeFrom) };
  const inner = sourceExecutor(pacing)(node, { ...env, bindings: { ...env.bindings, sources: new Map([[node.id, slice]]) } }) as SourceExecutor;
  if (byKey) return { ...inner, [SLICED]: true, ...byKeyState(inner, unitGroupOf(source)) };
  return {
    ...inner,
    ...(balanced ? { process: (inputs, ctx) => { polling = ctx.time; return inner.process(inputs, ctx); } } : {}),
    [SLICED]: true,
    snapshot: () => ({ shared: inner.snapshot!().local as SlicedSourceState }),
    restore: (s) => inner.restore!({ local: s.shared }),
  };
}

/**
 * The state of a source sliced by key: its position (a record by key) as keyed entries, so
 * that a restore on any partition count gives each partition the keys it owns. A state from
 * a reader that kept one position for the whole source (`local` or `shared`) is restored as
 * it is: the reader keeps the keys it owns.
 */
function byKeyState(inner: SourceExecutor, groupOf: NonNullable<ExecutorState['groupOf']>): Pick<SourceExecutor, 'snapshot' | 'restore'> {
  return {
    snapshot: () => {
      const position = (inner.snapshot!().local as SlicedSourceState | undefined)?.position as Record<string, unknown> | undefined;
      return { keyed: Object.entries(position ?? {}).map(([k, v]) => [k, v, undefined] as const), groupOf };
    },
    restore: (s) => {
      if (s.keyed) inner.restore!({ local: { position: Object.fromEntries(s.keyed.map(([k, v]) => [k as string, v])), drained: false } });
      else inner.restore!({ local: s.local ?? s.shared });
    },
  };
}
