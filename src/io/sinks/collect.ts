import type { Sink } from '../connector.js';

/**
 * An in-memory sink: keeps every batch as `[batchTime, records]`, in order.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * const out = Sinks.collect<number>();
 * stream.to(out);
 * await pipeline.run();
 * out.batches; // [[1000, [..]], [2000, [..]]]
 * ```
 * @category Connectors
 */
export interface CollectSink<T> extends Sink<T> {
  readonly batches: Array<readonly [number, T[]]>;
  /** Every record of every batch, in order. */
  records(): T[];
}

/** Creates a {@link CollectSink}. @example `const out = Sinks.collect<string>()` @category Connectors */
export function collect<T>(): CollectSink<T> {
  const batches: Array<readonly [number, T[]]> = [];
  return {
    spec: { type: 'collect' },
    batches,
    records: () => batches.flatMap(([, r]) => r),
    open: () => ({ write: (records, t) => { batches.push([t, [...records]]); }, close() {} }),
  };
}
