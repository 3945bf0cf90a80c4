import type { Source } from '../connector.js';

/**
 * Caps how many records `source` contributes to one batch (Structured Streaming's
 * `maxOffsetsPerTrigger`): replaying a large historical file then runs in many batches, so
 * windows and watermarks progress as they would have live.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * p.source(Sources.limit(Sources.jsonLines('readings.jsonl', Reading), 100)); // ≤ 100 records a batch
 * ```
 * @category Connectors
 */
export function limit<T>(source: Source<T>, maxRecordsPerBatch: number): Source<T> {
  if (!Number.isInteger(maxRecordsPerBatch) || maxRecordsPerBatch < 1) {
    throw new RangeError(`Sources.limit: maxRecordsPerBatch must be a positive integer, got ${maxRecordsPerBatch}`);
  }
  return {
    spec: { ...source.spec, maxRecordsPerBatch },
    schema: source.schema,
    open(ctx, resumeFrom) {
      const reader = source.open(ctx, resumeFrom);
      return {
        poll: (max, wait) => reader.poll(Math.min(max, maxRecordsPerBatch), wait),
        position: reader.position ? () => reader.position!() : undefined,
        close: () => reader.close(),
      };
    },
  };
}
