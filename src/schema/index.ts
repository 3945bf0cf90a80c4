/**
 * The schema builder: one declaration gives the TypeScript type and the Avro schema.
 *
 * @example
 * ```ts
 * import { S } from 'sluice';
 * const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double(), note: S.optional(S.string()) });
 * type Reading = S.Infer<typeof Reading>;
 * ```
 * @module
 */
export {
  string, int, long, double, float, boolean, bytes, timestampMillis, date, uuid, optional, nullable, array, map,
  enumOf, record, fromAvroSchema as fromAvro, infer,
} from './schema.js';
export type { Schema, Infer, FieldSchema, FloatOptions } from './schema.js';
