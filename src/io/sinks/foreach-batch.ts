import type { Sink } from '../connector.js';

/**
 * Calls `fn` with every batch (the whole batch and its time). The batch completes when the
 * returned promise settles; a rejection fails the batch.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * stream.to(Sinks.foreachBatch(async (records, t) => { await db.insert(records); }));
 * ```
 * @category Connectors
 */
export function foreachBatch<T>(fn: (records: readonly T[], batchTime: number) => void | Promise<void>): Sink<T> {
  return { spec: { type: 'foreachBatch' }, open: () => ({ write: (records, t) => fn(records, t), close() {} }) };
}
