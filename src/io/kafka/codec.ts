/**
 * How record keys and values travel as Kafka bytes: Avro binary of a schema, JSON (checked
 * against a schema when one is given), UTF-8 text, or raw bytes. Shared by the Kafka source
 * (decode) and sink (encode).
 *
 * (Internal to sluice.)
 * @module
 */
import { avroName, type Schema } from '../../schema/schema.js';

/**
 * The format of a Kafka key or value: a schema (Avro binary by default, see `format`),
 * `'json'` (any JSON value), `'string'` (UTF-8 text) or `'bytes'` (a Buffer, as is).
 * @example
 * ```ts
 * const f: KafkaFormat<{ sensor: string }> = S.record('R', { sensor: S.string() }); // or 'json', 'string', 'bytes'
 * ```
 * @category Connectors
 */
export type KafkaFormat<T> = Schema<T> | 'json' | 'string' | 'bytes';

/**
 * The TypeScript type a {@link KafkaFormat} gives.
 * @example
 * ```ts
 * type V = FormatType<'string'>; // string
 * ```
 * @category Connectors
 */
export type FormatType<F> = F extends Schema<infer T> ? T : F extends 'string' ? string : F extends 'bytes' ? Buffer : F extends 'json' ? unknown : never;

function isSchema<T>(f: KafkaFormat<T>): f is Schema<T> {
  return typeof f === 'object' && f !== null && typeof (f as Schema<T>).avroType === 'function';
}

/** A description of the format for messages, e.g. `Avro Reading` or `JSON`. */
export function formatName(f: KafkaFormat<unknown>, wire: 'avro' | 'json' = 'avro'): string {
  if (!isSchema(f)) return f === 'json' ? 'JSON' : f;
  return `${wire === 'json' ? 'JSON' : 'Avro'} ${avroName(f.avro)}`;
}

/** Checks a format option; returns a message when it is not one. */
export function badFormat(f: unknown): string | undefined {
  if (f === 'json' || f === 'string' || f === 'bytes') return undefined;
  if (typeof f === 'object' && f !== null && typeof (f as Schema<unknown>).avroType === 'function') return undefined;
  return `expected a schema (S.record(...)), 'json', 'string' or 'bytes', got ${JSON.stringify(f)}`;
}

/**
 * A decoder from Kafka bytes: returns the value or throws an Error whose message is the
 * reason (`invalid JSON: ...`, `does not match schema Reading: field ts: missing`, ...).
 */
export function decoder<T>(f: KafkaFormat<T>, wire: 'avro' | 'json' = 'avro'): (buf: Buffer) => T {
  if (f === 'bytes') return (b) => b as T;
  if (f === 'string') return (b) => b.toString('utf8') as T;
  const parse = (b: Buffer): unknown => {
    try {
      return JSON.parse(b.toString('utf8'));
    } catch (e) {
      throw new Error(`invalid JSON: ${(e as Error).message}`);
    }
  };
  if (f === 'json') return (b) => parse(b) as T;
  const name = avroName(f.avro);
  if (wire === 'json') {
    return (b) => {
      const v = parse(b);
      try {
        return f.fromJSON(v);
      } catch (e) {
        throw new Error(`does not match schema ${name}: ${(e as Error).message}`);
      }
    };
  }
  return (b) => {
    try {
      return f.decode(b);
    } catch (e) {
      throw new Error(`not Avro binary of schema ${name}: ${(e as Error).message}`);
    }
  };
}

/** An encoder to Kafka bytes; throws an Error naming what does not fit. */
export function encoder<T>(f: KafkaFormat<T>, wire: 'avro' | 'json' = 'avro'): (v: T) => Buffer | string {
  if (f === 'bytes') {
    return (v) => {
      if (!Buffer.isBuffer(v)) throw new Error(`expected a Buffer for format 'bytes', got ${typeof v}`);
      return v;
    };
  }
  if (f === 'string') return (v) => (typeof v === 'string' ? v : String(v));
  if (f === 'json') return (v) => JSON.stringify(v) ?? 'null';
  const name = avroName(f.avro);
  const check = (v: T) => {
    const why = f.check(v);
    if (why !== undefined) throw new Error(`does not match schema ${name}: ${why}`);
  };
  if (wire === 'json') return (v) => { check(v); return JSON.stringify(v); };
  return (v) => { check(v); return f.encode(v); };
}
