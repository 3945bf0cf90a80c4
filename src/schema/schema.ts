import avro from 'avsc';
import type { AvroSchemaJson } from '../ir/nodes.js';

/**
 * A schema: the TypeScript type `T` and its Avro form, from one declaration.
 *
 * @example
 * ```ts
 * import { S } from 'sluice';
 * const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
 * type Reading = S.Infer<typeof Reading>; // { sensor: string; ts: number; celsius: number }
 * ```
 * @category Schemas
 */
export interface Schema<T> {
  /** The Avro schema JSON. */
  readonly avro: AvroSchemaJson;
  /** Phantom: the TypeScript type this schema describes. Never set at run time. */
  readonly _type?: T;
  /** The avsc type (built once, on first use). */
  avroType(): avro.Type;
  /**
   * Checks a value; returns `undefined` when it fits, else a message naming the first
   * offending path, e.g. `field celsius: expected double, got "hot"`.
   */
  check(value: unknown): string | undefined;
  /** Converts a JSON-like value (as parsed from JSON or CSV) into `T`, or throws a message naming the path. */
  fromJSON(value: unknown): T;
  /** Encodes a value to Avro binary. */
  encode(value: T): Buffer;
  /** Decodes Avro binary. */
  decode(buf: Buffer): T;
}

/** A field of a record schema: a schema plus whether the field may be absent. @hidden */
export interface FieldSchema<T> extends Schema<T> {
  readonly optional?: boolean;
}

/** The fields of a record schema, by name (shown inline in the docs). @inline */
type Rec = Record<string, FieldSchema<any>>;
type OptionalKeys<F extends Rec> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RecordOf<F extends Rec> = Simplify<
  { -readonly [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { -readonly [K in OptionalKeys<F>]?: Infer<F[K]> }
>;

/** The TypeScript type described by a schema. @category Schemas */
export type Infer<S> = S extends Schema<infer T> ? T : never;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v); // JSON would show Infinity and NaN as null
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

interface Impl<T> {
  avro: AvroSchemaJson;
  /** Check and convert from JSON; throws a path-free message, paths are prefixed by parents. */
  conv(v: unknown): T;
  optional?: boolean;
}

class PathError extends Error {
  constructor(readonly path: string[], readonly why: string) { super(why); }
}

function make<T>(impl: Impl<T>): FieldSchema<T> {
  let type: avro.Type | undefined;
  const s: FieldSchema<T> = {
    avro: impl.avro,
    optional: impl.optional,
    avroType: () => (type ??= avro.Type.forSchema(impl.avro as avro.Schema, { wrapUnions: false })),
    check(value) {
      try { impl.conv(value); return undefined; } catch (e) { return message(e); }
    },
    fromJSON(value) {
      try { return impl.conv(value); } catch (e) { throw new Error(message(e)); }
    },
    encode(value) { return s.avroType().toBuffer(toAvro(value)); },
    decode(buf) { return impl.conv(fromAvro(s.avroType().fromBuffer(buf))); },
  };
  (s as unknown as { __conv: Impl<T>['conv'] }).__conv = impl.conv;
  return s;
}

function message(e: unknown): string {
  if (e instanceof PathError) return e.path.length ? `field ${e.path.join('.')}: ${e.why}` : e.why;
  return e instanceof Error ? e.message : String(e);
}

function convOf<T>(s: Schema<T>): (v: unknown) => T {
  return (s as unknown as { __conv: (v: unknown) => T }).__conv;
}

function nested<T>(name: string, s: Schema<T>, v: unknown): T {
  try { return convOf(s)(v); } catch (e) {
    if (e instanceof PathError) throw new PathError([name, ...e.path], e.why);
    throw new PathError([name], message(e));
  }
}

/** Avro has no `undefined`: optional fields travel as null. */
function toAvro(v: unknown): unknown {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(toAvro);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toAvro(x);
    return out;
  }
  return v;
}
function fromAvro(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromAvro);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromAvro(x);
    return out;
  }
  return v;
}

function prim<T>(avroName: string, test: (v: unknown) => v is T, what: string): FieldSchema<T> {
  return make<T>({
    avro: avroName,
    conv: (v) => { if (!test(v)) throw new PathError([], `expected ${what}, got ${describe(v)}`); return v; },
  });
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
const isLong = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
/** Largest finite single-precision float. */
const FLOAT_MAX = 3.4028234663852886e38;

/** Why number `v` is not an integer of the given range, for a message: `""`, ` (not an integer)` or ` (out of range)`. */
function integerWhy(v: unknown, min: number, max: number): string {
  if (typeof v !== 'number') return '';
  if (!Number.isInteger(v)) return Number.isFinite(v) ? ' (not an integer)' : ' (not a finite number)';
  return v < min || v > max ? ` (out of range ${min}..${max})` : '';
}

function integer(avroName: 'int' | 'long', what: string, min: number, max: number): FieldSchema<number> {
  const test = avroName === 'int' ? isInt : isLong;
  return make<number>({
    avro: avroName,
    conv: (v) => { if (!test(v)) throw new PathError([], `expected ${what}, got ${describe(v)}${integerWhy(v, min, max)}`); return v; },
  });
}

/**
 * Options of {@link double} and {@link float}.
 * @example
 * ```ts
 * const ratio = S.double({ nonFinite: true }); // NaN and ±Infinity allowed
 * ```
 * @category Schemas
 */
export interface FloatOptions {
  /** Allow `NaN`, `Infinity` and `-Infinity` (default false: they are refused, as JSON cannot hold them). */
  readonly nonFinite?: boolean;
}

function floating(avroName: 'float' | 'double', opts: FloatOptions, limit: number): FieldSchema<number> {
  const nonFinite = opts.nonFinite === true;
  return make<number>({
    avro: avroName,
    conv: (v) => {
      if (typeof v !== 'number') throw new PathError([], `expected ${avroName}, got ${describe(v)}`);
      if (!Number.isFinite(v)) {
        if (nonFinite) return v;
        throw new PathError([], `expected ${avroName}, got ${describe(v)} (not a finite number; declare S.${avroName}({ nonFinite: true }) to allow NaN and ±Infinity)`);
      }
      if (Math.abs(v) > limit) throw new PathError([], `expected ${avroName}, got ${describe(v)} (out of range: a ${avroName} holds at most ±${limit})`);
      return v;
    },
  });
}

/** `string`. @example `S.string()` @category Schemas */
export const string = (): FieldSchema<string> => prim('string', (v): v is string => typeof v === 'string', 'string');
/** 32-bit integer; refuses non-integers and values outside -2^31..2^31-1. @example `S.int()` @category Schemas */
export const int = (): FieldSchema<number> => integer('int', 'int (32-bit integer)', -2147483648, 2147483647);
/** 64-bit integer within JavaScript's safe range (±(2^53-1)); refuses non-integers and values beyond it. @example `S.long()` @category Schemas */
export const long = (): FieldSchema<number> => integer('long', 'long (safe integer)', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
/**
 * Double-precision float. Refuses `NaN` and `±Infinity` (e.g. JSON `1e400`) unless declared
 * with `{ nonFinite: true }`.
 * @example `S.double()`
 * @category Schemas
 */
export const double = (opts: FloatOptions = {}): FieldSchema<number> => floating('double', opts, Number.MAX_VALUE);
/**
 * Single-precision float. Refuses values beyond its range (±3.4e38), and `NaN` and
 * `±Infinity` unless declared with `{ nonFinite: true }`.
 * @example `S.float()`
 * @category Schemas
 */
export const float = (opts: FloatOptions = {}): FieldSchema<number> => floating('float', opts, FLOAT_MAX);
/** `boolean`. @example `S.boolean()` @category Schemas */
export const boolean = (): FieldSchema<boolean> => prim('boolean', (v): v is boolean => typeof v === 'boolean', 'boolean');
/** Raw bytes (`Buffer`). @example `S.bytes()` @category Schemas */
export const bytes = (): FieldSchema<Buffer> => prim('bytes', (v): v is Buffer => Buffer.isBuffer(v), 'bytes (Buffer)');
/** Milliseconds since the Unix epoch (Avro `long` with logical type `timestamp-millis`). @example `S.timestampMillis()` @category Schemas */
export const timestampMillis = (): FieldSchema<number> =>
  make<number>({ avro: { type: 'long', logicalType: 'timestamp-millis' }, conv: convTimestamp });
/** Days since the Unix epoch (Avro `int` with logical type `date`). @example `S.date()` @category Schemas */
export const date = (): FieldSchema<number> =>
  make<number>({ avro: { type: 'int', logicalType: 'date' }, conv: (v) => { if (!isInt(v)) throw new PathError([], `expected date (days since epoch), got ${describe(v)}`); return v; } });
/** A UUID string (Avro `string` with logical type `uuid`). @example `S.uuid()` @category Schemas */
export const uuid = (): FieldSchema<string> =>
  make<string>({
    avro: { type: 'string', logicalType: 'uuid' },
    conv: (v) => {
      if (typeof v !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) throw new PathError([], `expected uuid, got ${describe(v)}`);
      return v;
    },
  });

function convTimestamp(v: unknown): number {
  if (isLong(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new PathError([], `expected timestamp (epoch millis or ISO-8601 text), got ${describe(v)}`);
}

/** A field that may be absent (`T | undefined`); Avro `["null", T]` with default null. @example `S.optional(S.string())` @category Schemas */
export function optional<T>(s: Schema<T>): FieldSchema<T | undefined> & { optional: true } {
  const conv = convOf(s);
  const f = make<T | undefined>({ avro: ['null', s.avro], optional: true, conv: (v) => (v === undefined || v === null ? undefined : conv(v)) });
  return f as FieldSchema<T | undefined> & { optional: true };
}

/** A value that may be null (`T | null`). @example `S.nullable(S.double())` @category Schemas */
export function nullable<T>(s: Schema<T>): FieldSchema<T | null> {
  const conv = convOf(s);
  return make<T | null>({ avro: ['null', s.avro], conv: (v) => (v === null ? null : conv(v)) });
}

/** An array. @example `S.array(S.string())` @category Schemas */
export function array<T>(s: Schema<T>): FieldSchema<T[]> {
  return make<T[]>({
    avro: { type: 'array', items: s.avro },
    conv: (v) => { if (!Array.isArray(v)) throw new PathError([], `expected array, got ${describe(v)}`); return v.map((x, i) => nested(String(i), s, x)); },
  });
}

/** A map from string keys. @example `S.map(S.long())` @category Schemas */
export function map<T>(s: Schema<T>): FieldSchema<Record<string, T>> {
  return make<Record<string, T>>({
    avro: { type: 'map', values: s.avro },
    conv: (v) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new PathError([], `expected map (object), got ${describe(v)}`);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = nested(k, s, x);
      return out;
    },
  });
}

/** An enumeration of string symbols. @example `S.enumOf('Level', ['INFO', 'WARN', 'ERROR'])` @category Schemas */
export function enumOf<const E extends readonly string[]>(name: string, symbols: E): FieldSchema<E[number]> {
  return make<E[number]>({
    avro: { type: 'enum', name, symbols: [...symbols] },
    conv: (v) => { if (typeof v !== 'string' || !symbols.includes(v)) throw new PathError([], `expected one of ${symbols.join('|')}, got ${describe(v)}`); return v; },
  });
}

/** A record with named fields. @example `S.record('Point', { x: S.double(), y: S.double() })` @category Schemas */
export function record<F extends Rec>(name: string, fields: F): FieldSchema<RecordOf<F>> {
  const entries = Object.entries(fields);
  return make<RecordOf<F>>({
    avro: {
      type: 'record',
      name,
      fields: entries.map(([k, f]) => (f.optional ? { name: k, type: f.avro, default: null } : { name: k, type: f.avro })),
    },
    conv: (v) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new PathError([], `expected record ${name}, got ${describe(v)}`);
      const out: Record<string, unknown> = {};
      for (const [k, f] of entries) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined && !f.optional) throw new PathError([k], 'missing');
        const c = nested(k, f, x);
        if (c !== undefined) out[k] = c;
      }
      return out as RecordOf<F>;
    },
  });
}

/**
 * Wraps an Avro schema that sluice did not build (e.g. read from an Avro file) as a schema
 * of `T`; values are checked by avsc.
 *
 * @example
 * ```ts
 * const Any = S.fromAvro<{ id: number }>({ type: 'record', name: 'R', fields: [{ name: 'id', type: 'int' }] });
 * ```
 * @category Schemas
 */
export function fromAvroSchema<T>(schema: AvroSchemaJson): FieldSchema<T> {
  const t = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false });
  return make<T>({
    avro: schema,
    conv: (v) => {
      const paths: string[] = [];
      if (!t.isValid(toAvro(v), { errorHook: (p: string[]) => { if (!paths.length) paths.push(p.join('.')); } })) {
        throw new PathError(paths[0] ? paths[0].split('.') : [], `does not fit Avro schema ${t.name ?? t.typeName}`);
      }
      return v as T;
    },
  });
}

/**
 * Infers an Avro schema from sample values (avsc `Type.forValue`, merged over every
 * sample). Used where a stream has no declared schema; the result is only as good as the
 * samples, so runtimes check every later value against it and widen or fail loudly, never
 * coerce.
 *
 * @example
 * ```ts
 * import { S } from 'sluice';
 * const s = S.infer([{ word: 'a', n: 1 }]); // record with word: string, n: int
 * ```
 * @category Schemas
 */
export function infer<T>(samples: readonly T[]): FieldSchema<T> {
  if (samples.length === 0) throw new Error('cannot infer a schema from no samples');
  let t = avro.Type.forValue(toAvro(samples[0]) as object);
  for (let i = 1; i < samples.length; i++) {
    const v = toAvro(samples[i]);
    if (!t.isValid(v)) t = avro.Type.forTypes([t, avro.Type.forValue(v as object)]);
  }
  return fromAvroSchema<T>(t.schema() as AvroSchemaJson);
}

/**
 * A short name for an Avro schema: a named type's name, a primitive's type, or `union`.
 * @internal
 */
export function avroName(a: AvroSchemaJson | undefined): string {
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && !Array.isArray(a)) {
    const o = a as { name?: unknown; type?: unknown };
    return typeof o.name === 'string' ? o.name : String(o.type);
  }
  return 'union';
}
