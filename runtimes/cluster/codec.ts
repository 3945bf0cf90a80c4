/**
 * How batches are encoded between processes: the Avro batch codec of `src/wire`, one
 * instance per edge and process (it encodes for each destination and decodes from any
 * sender). Edges with a declared schema (a source's, carried through type-preserving
 * operators) encode with it; the others infer and widen theirs.
 *
 * @module
 */
import type { AvroSchemaJson } from '../../src/ir/nodes.js';
import { fromAvroSchema } from '../../src/schema/schema.js';
import { createBatchCodec } from '../../src/wire/index.js';

/** Encodes and decodes the batches of one edge. */
export interface BatchCodec {
  /** Encodes for one destination (a partition, or the coordinator); parts for a destination must arrive in the order they were encoded. */
  encode(records: readonly unknown[], destination: string | number): Uint8Array;
  decode(bytes: Uint8Array): unknown[];
}

/** The codec of an edge, named `from→to` in errors, given its declared schema if any. */
export function codecFor(edge: string, schema: AvroSchemaJson | 'inferred'): BatchCodec {
  return createBatchCodec<unknown>({ edge, declared: schema === 'inferred' ? undefined : fromAvroSchema<unknown>(schema) });
}
