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
import type { Source } from '../../src/io/connector.js';
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

/** The executor of slice `index` of `count` of `node`'s source: the local source executor over the slice, its state kept as `shared` (or by key, for a source sliced `byKey`). */
export function slicedSource(node: NodeOf<'source'>, env: Env, pacing: SourcePacing, index: number, count: number): SourceExecutor & { readonly [SLICED]: true } {
  const source = env.bindings.sources.get(node.id);
  if (!source?.openSlice) throw new RuntimeError(`${node.id}: the source bound to this node cannot be read in slices`, { operator: node.id });
  const byKey = source.slicing === 'byKey';
  // By key: a unit of input (a file) belongs to the partition that owns its key group, as keyed state does.
  const owns = byKey && env.owns ? (key: string) => env.owns!(node.id, key) : undefined;
  const slice: Source<unknown> = { ...source, open: (ctx, resumeFrom) => source.openSlice!(ctx, { index, count, ...(owns ? { owns } : {}) }, resumeFrom) };
  const inner = sourceExecutor(pacing)(node, { ...env, bindings: { ...env.bindings, sources: new Map([[node.id, slice]]) } }) as SourceExecutor;
  if (byKey) return { ...inner, [SLICED]: true, ...byKeyState(inner, unitGroupOf(source)) };
  return {
    ...inner,
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
