/**
 * How batches are encoded between processes. One function each way, so that the Avro batch
 * codec of `src/wire` replaces this one in one place.
 *
 * TODO(wire): use `createBatchCodec({ edge, declared })` from src/wire when it lands; until
 * then batches are encoded with v8's structured serialisation (which keeps every JS value
 * the local runtime can hold: Maps, bigints, undefined, nested tuples).
 *
 * @module
 */
import { deserialize, serialize } from 'node:v8';
import type { AvroSchemaJson } from '../../src/ir/nodes.js';

/** Encodes and decodes the batches of one edge. */
export interface BatchCodec {
  encode(records: readonly unknown[]): Uint8Array;
  decode(bytes: Uint8Array): unknown[];
}

/** The codec of an edge (a shuffle edge id, or a sink node id), given its declared schema if any. */
export function codecFor(_edge: string, _schema: AvroSchemaJson | 'inferred'): BatchCodec {
  return {
    encode: (records) => serialize(records),
    decode: (bytes) => deserialize(bytes) as unknown[],
  };
}
