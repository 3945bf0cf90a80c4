/**
 * The wire codec: record batches travelling between worker processes, Avro-encoded and
 * self-describing.
 *
 * A buffer is a header and one Avro value, the whole batch as `{ type: 'array', items }`:
 *
 * | bytes | content |
 * | --- | --- |
 * | 0 | format byte `0xA7` |
 * | 1 | flags: `1` empty batch (nothing follows), `2` the schema is included |
 * | 2–9 | schema fingerprint: the first 8 bytes of the SHA-256 of the schema JSON text |
 * | 10–13, then n | with flag 2: n (uint32 LE), then the schema JSON (UTF-8) |
 * | rest | the batch, Avro binary |
 *
 * The first buffer an encoder sends to a destination under a schema includes the schema;
 * later ones carry only the fingerprint. A decoder learns schemas by fingerprint, from any
 * sender, and keeps them.
 *
 * Without a declared schema the schema is inferred from the records and widened whenever a
 * later record does not fit; the representation of JavaScript values is described in
 * `shape.ts` (tuples as records `_0`, `_1`, ...; optional object keys as unions with an
 * empty `Undefined` record; fp-ts Options as `None` / `Some_N` records). The first schema
 * comes from a sample of the first batch; the generated encoder then checks every record
 * as it writes it, and on a misfit the codec folds the misfits of the rest of the batch
 * (found with the generated checker) into the schema, recompiles and encodes the batch
 * again. Schemas only widen (int → long → double, new union branches, new optional keys,
 * tuples of a new length → arrays), so an edge settles on a schema after a few batches.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { AvroSchemaJson } from '../ir/nodes.js';
import type { Schema } from '../schema/schema.js';
import { compileReader, compileWriter, CorruptInput, type BatchReader, type BatchWriter } from './compile.js';
import { WireError } from './errors.js';
import { explain, formatMisfit, readSchema, type WNode } from './plan.js';
import { inferValue, join, shapeToAvro, UnsupportedValue, type Shape } from './shape.js';

/** Who a buffer is for (a partition index, a worker id): the encoder includes the schema in the first buffer for each. @category Cluster */
export type Destination = string | number;

/** Options of {@link createBatchCodec}. @category Cluster */
export interface BatchCodecOptions<T> {
  /** The edge's declared schema. Without one the schema is inferred from the records. */
  readonly declared?: Schema<T>;
  /** The edge, for error messages, e.g. `map#3→reduceByKey#4`. */
  readonly edge: string;
}

/**
 * Encodes and decodes the record batches of one edge. One instance serves both ends: a
 * sender calls `encode` (once per destination partition), a receiver calls `decode` on
 * buffers from any sender of the edge.
 * @category Cluster
 */
export interface BatchCodec<T = unknown> {
  /**
   * Encodes a batch for `destination` (default: a single unnamed destination). The schema
   * travels in the first buffer sent to each destination under each schema; buffers must
   * reach a destination in the order they were encoded for it.
   * Throws {@link WireError} `WIRE_SCHEMA_MISMATCH` (a record does not fit the declared
   * schema) or `WIRE_UNSUPPORTED_VALUE` (a `Date`, `Map`, function, ...).
   */
  encode(records: readonly T[], destination?: Destination): Buffer;
  /**
   * Decodes a buffer from any encoder of this edge. Throws {@link WireError}
   * `WIRE_UNKNOWN_SCHEMA` (the schema message never arrived) or `WIRE_CORRUPT`.
   * The result never shares memory with `buf`.
   */
  decode(buf: Uint8Array): T[];
  /** The Avro schema of one record the encoder currently uses (`undefined` before the first non-empty batch without a declared schema). */
  schema(): AvroSchemaJson | undefined;
  /** Makes the next buffer for `destination` (every destination when omitted) include the schema again, e.g. after the receiver restarted. */
  forget(destination?: Destination): void;
}

const FORMAT = 0xa7;
const F_EMPTY = 1;
const F_SCHEMA = 2;
const FP_BYTES = 8;
const HEAD = 2 + FP_BYTES;
/** Records inferred before the first encode attempt; the encoder checks every record anyway and widens on a misfit. */
const SAMPLE = 32;
/** Misfits folded into the schema per widening step. */
const WIDEN_BATCH = 256;
const DEFAULT_DESTINATION = '';

interface Outbound {
  readonly shape?: Shape;
  readonly node: WNode;
  readonly json: AvroSchemaJson;
  readonly text: string;
  readonly writer: BatchWriter;
  readonly plain: Buffer;
  readonly withSchema: Buffer;
  readonly sentTo: Set<Destination>;
}

function fingerprint(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, FP_BYTES);
}

function outbound(json: AvroSchemaJson, declared: boolean, shape?: Shape): Outbound {
  const text = JSON.stringify(json);
  const node = readSchema(json, declared);
  const fp = fingerprint(text);
  const plain = Buffer.alloc(HEAD);
  plain[0] = FORMAT;
  fp.copy(plain, 2);
  const schemaBytes = Buffer.from(text, 'utf8');
  const withSchema = Buffer.alloc(HEAD + 4 + schemaBytes.length);
  plain.copy(withSchema);
  withSchema[1] = F_SCHEMA;
  withSchema.writeUInt32LE(schemaBytes.length, HEAD);
  schemaBytes.copy(withSchema, HEAD + 4);
  return { shape, node, json, text, writer: compileWriter(node, declared), plain, withSchema, sentTo: new Set() };
}

/**
 * Creates the codec of one edge.
 *
 * @example
 * ```ts
 * const sender = createBatchCodec({ edge: 'map#3→reduceByKey#4' });
 * const receiver = createBatchCodec({ edge: 'map#3→reduceByKey#4' });
 * const buf = sender.encode([['a', 1], ['b', 2.5]], 0); // partition 0: carries the schema
 * receiver.decode(buf); // [['a', 1], ['b', 2.5]]
 * ```
 * @category Cluster
 */
export function createBatchCodec<T = unknown>(opts: BatchCodecOptions<T> = { edge: 'unnamed' }): BatchCodec<T> {
  const edge = opts.edge;
  const declared = opts.declared;
  let current: Outbound | undefined;
  if (declared) {
    try {
      declared.avroType();
      current = outbound(declared.avro, true);
    } catch (e) {
      throw new WireError('WIRE_SCHEMA_MISMATCH', edge, `the declared schema cannot be used: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const known = new Map<string, BatchReader>();

  const shapeAt = (records: readonly unknown[], i: number): Shape => {
    try { return inferValue(records[i]); } catch (e) {
      if (!(e instanceof UnsupportedValue)) throw e;
      throw new WireError('WIRE_UNSUPPORTED_VALUE', edge, `record #${i} cannot be sent to another process: ${formatMisfit(e)}`);
    }
  };

  const first = (records: readonly unknown[]): Outbound => {
    const n = records.length;
    let shape = shapeAt(records, 0);
    const step = Math.max(1, Math.floor(n / SAMPLE));
    for (let i = step; i < n; i += step) shape = join(shape, shapeAt(records, i));
    return outbound(shapeToAvro(shape), false, shape);
  };

  const misfit = (out: Outbound, records: readonly unknown[], i: number): never => {
    const m = explain(out.node, records[i], !!declared);
    const why = m ? formatMisfit(m) : (declared?.check(records[i]) ?? 'it does not fit the schema');
    if (declared) {
      throw new WireError('WIRE_SCHEMA_MISMATCH', edge, `record #${i} does not fit the declared schema: ${why}`,
        'fix the records or the schema declared for this stream');
    }
    throw new WireError('WIRE_UNSUPPORTED_VALUE', edge, `record #${i} cannot be encoded: ${why}`);
  };

  const widen = (out: Outbound, records: readonly unknown[], at: number): Outbound => {
    if (!out.shape) return misfit(out, records, at);
    let shape = join(out.shape, shapeAt(records, at));
    let folded = 1;
    for (let i = at + 1; i < records.length && folded < WIDEN_BATCH; i++) {
      if (!out.writer.check(records[i])) { shape = join(shape, shapeAt(records, i)); folded++; }
    }
    const next = outbound(shapeToAvro(shape), false, shape);
    if (next.text === out.text) return misfit(out, records, at); // inference and encoder disagree: never loop
    return next;
  };

  const corrupt = (buf: Buffer, why: string, cause?: unknown): never => {
    const fp = buf.length >= HEAD ? `, schema ${buf.toString('hex', 2, HEAD)}` : '';
    throw new WireError('WIRE_CORRUPT', edge, `corrupt or truncated batch (${buf.length} bytes${fp}): ${why}`,
      'the buffer was damaged or cut short in transit; it must reach decode() exactly as encode() returned it', { cause });
  };

  return {
    encode(records, destination = DEFAULT_DESTINATION) {
      if (records.length === 0) return Buffer.from([FORMAT, F_EMPTY]);
      let out = (current ??= first(records));
      for (;;) {
        const r = out.writer.write(records);
        if (r >= 0) break;
        out = current = widen(out, records, -1 - r);
      }
      const fresh = !out.sentTo.has(destination);
      const buf = out.writer.copyOut(fresh ? out.withSchema : out.plain);
      if (fresh) out.sentTo.add(destination);
      return buf;
    },

    decode(input) {
      const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      if (buf.length < 2 || buf[0] !== FORMAT) return corrupt(buf, `not a wire batch (format byte ${buf[0] ?? 'missing'})`);
      const flags = buf[1];
      if ((flags & ~(F_EMPTY | F_SCHEMA)) !== 0) return corrupt(buf, `unknown flags ${flags}`);
      if (flags & F_EMPTY) return buf.length === 2 ? [] : corrupt(buf, 'an empty batch with a body');
      if (buf.length < HEAD) return corrupt(buf, 'header cut short');
      const key = buf.toString('hex', 2, HEAD);
      let reader = known.get(key);
      let start = HEAD;
      if (flags & F_SCHEMA) {
        if (buf.length < HEAD + 4) return corrupt(buf, 'schema length cut short');
        start = HEAD + 4 + buf.readUInt32LE(HEAD);
        if (start > buf.length) return corrupt(buf, 'schema cut short');
        if (!reader) {
          const text = buf.toString('utf8', HEAD + 4, start);
          if (fingerprint(text).toString('hex') !== key) return corrupt(buf, 'the schema does not match its fingerprint');
          try {
            reader = compileReader(readSchema(JSON.parse(text) as AvroSchemaJson, false));
          } catch (e) {
            return corrupt(buf, `unreadable schema: ${e instanceof Error ? e.message : String(e)}`, e);
          }
          known.set(key, reader);
        }
      } else if (!reader) {
        throw new WireError('WIRE_UNKNOWN_SCHEMA', edge, `unknown schema fingerprint ${key}; the sender's schema message was lost`,
          'the sender must send the schema again (BatchCodec.forget(destination) on the sending side)');
      }
      try {
        return reader.read(buf, start) as T[];
      } catch (e) {
        return corrupt(buf, e instanceof CorruptInput ? e.message : `decoding failed: ${e instanceof Error ? e.message : String(e)}`, e);
      }
    },

    schema: () => current?.json,

    forget(destination) {
      if (!current) return;
      if (destination === undefined) current.sentTo.clear();
      else current.sentTo.delete(destination);
    },
  };
}
