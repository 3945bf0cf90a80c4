/**
 * Schema inference for streams without a declared schema: the {@link Shape} lattice (what
 * was seen at one position of a record), {@link inferValue}, {@link join} (widening) and
 * {@link shapeToAvro} (the Avro schema the wire uses for a shape).
 *
 * Representation on the wire (all named types live in the `sluice.wire` namespace, which
 * is how a decoder knows to read them back as JavaScript values rather than Avro records):
 * - numbers: `int` (32-bit integers), `long` (other safe integers), `double` (anything else,
 *   including `-0`, `NaN`, `±Infinity` and integers beyond 2^53); they widen int → long → double;
 * - arrays of up to {@link MAX_TUPLE} items whose length is the same in every record seen:
 *   a record `Tuple_N` with fields `_0`, `_1`, ... (so `[string, number]` pairs cost no
 *   union index or block count); arrays of varying length: an Avro `array` of the join of
 *   their items;
 * - plain objects whose keys are Avro names: a record `Object_N`; a key missing in some
 *   records (or `undefined`) has a union type with the empty record `Undefined`, and is
 *   left out of the decoded object; other objects (keys such as `user-id`, or more than
 *   {@link MAX_FIELDS} distinct keys): an Avro `map`;
 * - fp-ts `Option`s (`{ _tag: 'None' }`, `{ _tag: 'Some', value }`): the empty record `None`
 *   and a record `Some_N` with one field `value`;
 * - `undefined` outside an object field: the empty record `Undefined`;
 * - `Buffer`: `bytes`; different kinds at one position: an Avro union, one branch per kind.
 *
 * @module
 * @internal
 */
import type { AvroSchemaJson } from '../ir/nodes.js';

/** Longest array inferred as a tuple (a record per position); longer ones are Avro arrays. @internal */
const MAX_TUPLE = 16;
/** Most distinct keys an object may have and still be a record; beyond that it is an Avro map. @internal */
const MAX_FIELDS = 64;
/** Namespace of every named type the wire codec invents. @internal */
export const WIRE_NS = 'sluice.wire';
/** Full names (and name prefixes) of the wire codec's own record types. @internal */
export const WIRE_NAMES = {
  undefined: `${WIRE_NS}.Undefined`,
  none: `${WIRE_NS}.None`,
  some: `${WIRE_NS}.Some_`,
  tuple: `${WIRE_NS}.Tuple_`,
  object: `${WIRE_NS}.Object_`,
} as const;

type Prim = 'null' | 'undefined' | 'boolean' | 'int' | 'long' | 'double' | 'string' | 'bytes';
/** What was seen at one position of a record; `null` where a shape is expected means "nothing seen yet". @internal */
export type Shape =
  | { readonly k: Prim }
  | { readonly k: 'list'; readonly items: Shape | null }
  | { readonly k: 'tuple'; readonly elems: readonly Shape[] }
  | { readonly k: 'object'; readonly fields: ReadonlyMap<string, Shape> }
  | { readonly k: 'map'; readonly values: Shape | null }
  | { readonly k: 'option'; readonly value: Shape | null }
  | { readonly k: 'union'; readonly branches: readonly Shape[] };

const prim = (k: Prim): Shape => ({ k });
const P = {
  null: prim('null'), undefined: prim('undefined'), boolean: prim('boolean'), int: prim('int'),
  long: prim('long'), double: prim('double'), string: prim('string'), bytes: prim('bytes'),
} as const;

/** A value that cannot cross processes, with the path to it. @internal */
export class UnsupportedValue extends Error {
  constructor(readonly path: readonly string[], readonly why: string) { super(why); }
}

/** Whether a value is an object literal (prototype `Object.prototype` or `null`). @internal */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Number of enumerable keys (own and inherited; plain objects inherit none). @internal */
export function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** An fp-ts `None`: exactly `{ _tag: 'None' }`. The caller has checked {@link isPlainObject}. @internal */
export function isNone(o: Record<string, unknown>): boolean {
  return o._tag === 'None' && keyCount(o) === 1;
}
/** An fp-ts `Some`: exactly `{ _tag: 'Some', value }`. The caller has checked {@link isPlainObject}. @internal */
export function isSome(o: Record<string, unknown>): boolean {
  return o._tag === 'Some' && keyCount(o) === 2 && Object.prototype.hasOwnProperty.call(o, 'value');
}

/** Whether a string survives UTF-8 (no unpaired surrogate). @internal */
export const isWellFormed: (s: string) => boolean = (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Whether an object key can be an Avro record field name (and an own property of an object literal). @internal */
export function isFieldName(k: string): boolean {
  return AVRO_NAME.test(k) && k !== '__proto__';
}

/** The narrowest Avro number type that holds `n` exactly. @internal */
function numberKind(n: number): 'int' | 'long' | 'double' {
  if ((n | 0) === n) return n === 0 && 1 / n < 0 ? 'double' : 'int';
  return Number.isSafeInteger(n) ? 'long' : 'double';
}

function unsupported(v: unknown): string {
  const hint = 'records that cross processes must be JSON-like (strings, numbers, booleans, null, arrays, plain objects, Buffers, Options)';
  if (typeof v === 'bigint') return `a bigint is not supported: convert it to a number or a string; ${hint}`;
  if (typeof v === 'function') return `a function cannot be sent to another process; ${hint}`;
  if (typeof v === 'symbol') return `a symbol cannot be sent to another process; ${hint}`;
  if (v instanceof Date) return `a Date is not supported: send getTime() or toISOString(); ${hint}`;
  if (v instanceof Map || v instanceof Set) return `a ${v instanceof Map ? 'Map' : 'Set'} is not supported: convert it to ${v instanceof Map ? 'an object or an array of pairs' : 'an array'}; ${hint}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} is not supported: wrap it as Buffer.from(...); ${hint}`;
  const ctor = (v as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
  return `an instance of ${ctor} is not supported (its prototype would be lost): send a plain object; ${hint}`;
}

function at<T>(seg: string, f: () => T): T {
  try { return f(); } catch (e) {
    if (e instanceof UnsupportedValue) throw new UnsupportedValue([seg, ...e.path], e.why);
    throw e;
  }
}

/**
 * The shape of one value. Throws {@link UnsupportedValue} (with the path) for a value that
 * cannot cross processes.
 * @internal
 */
export function inferValue(v: unknown): Shape {
  switch (typeof v) {
    case 'number': return P[numberKind(v)];
    case 'string':
      if (!isWellFormed(v)) throw new UnsupportedValue([], 'a string with an unpaired UTF-16 surrogate cannot be encoded as UTF-8');
      return P.string;
    case 'boolean': return P.boolean;
    case 'undefined': return P.undefined;
    case 'object': {
      if (v === null) return P.null;
      if (Array.isArray(v)) {
        const elems: Shape[] = [];
        for (let i = 0; i < v.length; i++) elems.push(at(String(i), () => inferValue(v[i])));
        return v.length <= MAX_TUPLE ? { k: 'tuple', elems } : { k: 'list', items: joinAll(elems) };
      }
      if (Buffer.isBuffer(v)) return P.bytes;
      if (isPlainObject(v)) {
        if (isNone(v)) return { k: 'option', value: null };
        if (isSome(v)) return { k: 'option', value: at('value', () => inferValue(v.value)) };
        const keys = Object.keys(v);
        if (keys.length <= MAX_FIELDS && keys.every(isFieldName)) {
          return { k: 'object', fields: new Map(keys.map((key) => [key, at(key, () => inferValue(v[key]))])) };
        }
        let values: Shape | null = null;
        for (const key of keys) {
          if (!isWellFormed(key)) throw new UnsupportedValue([key], 'a key with an unpaired UTF-16 surrogate cannot be encoded as UTF-8');
          if (v[key] !== undefined) values = joinOpt(values, at(key, () => inferValue(v[key])));
        }
        return { k: 'map', values };
      }
      throw new UnsupportedValue([], unsupported(v));
    }
    default: throw new UnsupportedValue([], unsupported(v));
  }
}

// Kinds that can share a union: at most one branch of each class.
const CLASS: Record<Shape['k'], number> = {
  null: 0, undefined: 1, boolean: 2, int: 3, long: 3, double: 3, string: 4, bytes: 5,
  list: 6, tuple: 6, option: 7, object: 8, map: 8, union: -1,
};
const NUM_RANK = { int: 0, long: 1, double: 2 } as const;

const branchesOf = (s: Shape): readonly Shape[] => (s.k === 'union' ? s.branches : [s]);

/** The least shape that holds the values of both. @internal */
export function join(a: Shape, b: Shape): Shape {
  if (a === b) return a;
  const out = [...branchesOf(a)];
  for (const x of branchesOf(b)) {
    const i = out.findIndex((y) => CLASS[y.k] === CLASS[x.k]);
    if (i < 0) out.push(x);
    else out[i] = joinSameClass(out[i], x);
  }
  out.sort((x, y) => CLASS[x.k] - CLASS[y.k]);
  return out.length === 1 ? out[0] : { k: 'union', branches: out };
}

/** {@link join} where either side may be "nothing seen". @internal */
function joinOpt(a: Shape | null, b: Shape | null): Shape | null {
  return a === null ? b : b === null ? a : join(a, b);
}

/** The join of many shapes (`null` for none). @internal */
function joinAll(shapes: Iterable<Shape>): Shape | null {
  let s: Shape | null = null;
  for (const x of shapes) s = joinOpt(s, x);
  return s;
}

function withoutUndefined(s: Shape): Shape | null {
  if (s.k === 'undefined') return null;
  if (s.k !== 'union') return s;
  const rest = s.branches.filter((b) => b.k !== 'undefined');
  return rest.length === s.branches.length ? s : rest.length === 1 ? rest[0] : { k: 'union', branches: rest };
}

function itemsOf(s: Shape & { k: 'list' | 'tuple' }): Shape | null {
  return s.k === 'list' ? s.items : joinAll(s.elems);
}
function valuesOf(s: Shape & { k: 'object' | 'map' }): Shape | null {
  if (s.k === 'map') return s.values;
  let v: Shape | null = null;
  for (const f of s.fields.values()) { const d = withoutUndefined(f); if (d) v = joinOpt(v, d); }
  return v;
}

function joinSameClass(a: Shape, b: Shape): Shape {
  if (a.k === b.k && (a.k in P)) return a;
  if (a.k in NUM_RANK && b.k in NUM_RANK) {
    return NUM_RANK[a.k as keyof typeof NUM_RANK] >= NUM_RANK[b.k as keyof typeof NUM_RANK] ? a : b;
  }
  if ((a.k === 'tuple' || a.k === 'list') && (b.k === 'tuple' || b.k === 'list')) {
    if (a.k === 'tuple' && b.k === 'tuple' && a.elems.length === b.elems.length) {
      return { k: 'tuple', elems: a.elems.map((x, i) => join(x, b.elems[i])) };
    }
    return { k: 'list', items: joinOpt(itemsOf(a), itemsOf(b)) };
  }
  if (a.k === 'option' && b.k === 'option') return { k: 'option', value: joinOpt(a.value, b.value) };
  if (a.k === 'object' && b.k === 'object') {
    const fields = new Map<string, Shape>();
    for (const [name, t] of a.fields) { const u = b.fields.get(name); fields.set(name, join(t, u ?? P.undefined)); }
    for (const [name, u] of b.fields) if (!a.fields.has(name)) fields.set(name, join(u, P.undefined));
    const o: Shape = { k: 'object', fields };
    return fields.size <= MAX_FIELDS ? o : { k: 'map', values: valuesOf(o) };
  }
  if ((a.k === 'object' || a.k === 'map') && (b.k === 'object' || b.k === 'map')) {
    return { k: 'map', values: joinOpt(valuesOf(a), valuesOf(b)) };
  }
  throw new Error(`internal: cannot join ${a.k} with ${b.k}`);
}

/**
 * The Avro schema of a shape, in the representation described in this module's header.
 * Deterministic: equal shapes give equal JSON (and so equal fingerprints).
 * @internal
 */
export function shapeToAvro(s: Shape | null): AvroSchemaJson {
  const defined = new Set<string>();
  const counters = { tuple: 0, object: 0, some: 0 };
  const named = (name: string, fields: { name: string; type: AvroSchemaJson }[]): AvroSchemaJson => {
    if (defined.has(name)) return name;
    defined.add(name);
    return { type: 'record', name, fields };
  };
  const emit = (s: Shape | null): AvroSchemaJson => {
    if (s === null) return 'null'; // nothing seen: never written, any type would do
    switch (s.k) {
      case 'undefined': return named(WIRE_NAMES.undefined, []);
      case 'null': case 'boolean': case 'int': case 'long': case 'double': case 'string': case 'bytes': return s.k;
      case 'list': return { type: 'array', items: emit(s.items) };
      case 'map': return { type: 'map', values: emit(s.values) };
      case 'tuple': {
        const name = `${WIRE_NAMES.tuple}${counters.tuple++}`;
        return named(name, s.elems.map((e, i) => ({ name: `_${i}`, type: emit(e) })));
      }
      case 'object': {
        const name = `${WIRE_NAMES.object}${counters.object++}`;
        return named(name, [...s.fields].map(([f, t]) => ({ name: f, type: emit(t) })));
      }
      case 'option': {
        const none = named(WIRE_NAMES.none, []);
        if (s.value === null) return none;
        const name = `${WIRE_NAMES.some}${counters.some++}`;
        return [none, named(name, [{ name: 'value', type: emit(s.value) }])];
      }
      case 'union': return s.branches.flatMap((b) => { const t = emit(b); return Array.isArray(t) ? t : [t]; });
    }
  };
  return emit(s);
}
