/**
 * The wire codec of the cluster runtime: record batches between worker processes, Avro
 * binary with a schema fingerprint header; schemas are declared or inferred and widened.
 *
 * @module
 */
export { createBatchCodec, type BatchCodec, type BatchCodecOptions, type Destination } from './codec.js';
export { WireError, type WireErrorCode } from './errors.js';
