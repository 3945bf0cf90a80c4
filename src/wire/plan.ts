/**
 * An Avro schema read as a tree of {@link WNode}s: what the generated encoder and decoder
 * do at each position. Records in the `sluice.wire` namespace are the wire codec's own
 * representation of JavaScript values (see `shape.ts`); any other record is a plain object.
 *
 * @module
 * @internal
 */
import { preview } from '../errors.js';
import type { AvroSchemaJson } from '../ir/nodes.js';
import { WIRE_NAMES, WIRE_NS, isFieldName, isNone, isPlainObject, isSome, isWellFormed } from './shape.js';

/** A record field. @internal */
export interface WField {
  readonly name: string;
  type: WNode;
  /** Decoded `null` means "absent": the field is left out (declared `S.optional` fields: a union with null, default null). */
  readonly omitNull: boolean;
  /** Decoded `undefined` means "absent" (a wire `Object_N` field whose type includes `Undefined`). */
  readonly omitUndefined: boolean;
  /** Value written when the field is `undefined` (a declared default other than null). */
  readonly fallback?: { readonly value: unknown };
}

/** One position of a schema. Records are mutable only while a (possibly recursive) schema is being read. @internal */
export type WNode =
  | { readonly t: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes' | 'undefined' | 'none' }
  | { readonly t: 'fixed'; readonly size: number }
  | { readonly t: 'enum'; readonly symbols: readonly string[] }
  | { readonly t: 'array'; readonly items: WNode }
  | { readonly t: 'map'; readonly values: WNode }
  | { readonly t: 'tuple'; readonly elems: WNode[] }
  | { readonly t: 'some'; value: WNode }
  | { readonly t: 'object'; readonly name: string; readonly fields: WField[]; readonly strict: boolean }
  | { readonly t: 'union'; readonly branches: readonly WNode[] };

const PRIMS = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'bytes']);

/** Whether a node takes `undefined` (and so marks an optional field of a wire object). @internal */
function takesUndefined(n: WNode): boolean {
  return n.t === 'undefined' || (n.t === 'union' && n.branches.some((b) => b.t === 'undefined'));
}
function takesNull(n: WNode): boolean {
  return n.t === 'null' || (n.t === 'union' && n.branches.some((b) => b.t === 'null'));
}

/**
 * Reads an Avro schema. `declared` forbids the `sluice.wire` namespace (a declared schema
 * must not be mistaken for the wire codec's own representation).
 * Throws an `Error` naming what is wrong.
 * @internal
 */
export function readSchema(schema: AvroSchemaJson, declared: boolean): WNode {
  const named = new Map<string, WNode>();
  const fullName = (name: string, ns: string | undefined) => (name.includes('.') || !ns ? name : `${ns}.${name}`);
  const nsOf = (full: string) => (full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined);
  const define = <N extends WNode>(full: string, n: N): N => {
    if (named.has(full)) throw new Error(`type ${full} is defined twice`);
    if (declared && (full === WIRE_NS || full.startsWith(`${WIRE_NS}.`))) throw new Error(`declared schemas must not use the ${WIRE_NS} namespace (${full})`);
    named.set(full, n);
    return n;
  };

  const walk = (s: unknown, ns: string | undefined): WNode => {
    if (typeof s === 'string') {
      if (PRIMS.has(s)) return { t: s as 'null' };
      const n = named.get(fullName(s, ns)) ?? named.get(s);
      if (!n) throw new Error(`unknown type ${s}`);
      return n;
    }
    if (Array.isArray(s)) {
      const branches = s.map((b) => walk(b, ns));
      if (branches.some((b) => b.t === 'union')) throw new Error('a union cannot hold a union');
      return { t: 'union', branches };
    }
    if (!s || typeof s !== 'object') throw new Error(`not an Avro schema: ${JSON.stringify(s)}`);
    const o = s as Record<string, unknown>;
    const type = o.type;
    if (typeof type !== 'string') return walk(type, ns);
    if (PRIMS.has(type)) return { t: type as 'null' };
    switch (type) {
      case 'array': return { t: 'array', items: walk(o.items, ns) };
      case 'map': return { t: 'map', values: walk(o.values, ns) };
      case 'enum': {
        const full = fullName(String(o.name), (o.namespace as string | undefined) ?? ns);
        return define(full, { t: 'enum', symbols: (o.symbols as string[]).map(String) });
      }
      case 'fixed': {
        const full = fullName(String(o.name), (o.namespace as string | undefined) ?? ns);
        return define(full, { t: 'fixed', size: Number(o.size) });
      }
      case 'record': case 'error': {
        const full = fullName(String(o.name), (o.namespace as string | undefined) ?? ns);
        const inner = nsOf(full);
        const fields = (o.fields as { name: string; type: unknown; default?: unknown }[]) ?? [];
        if (full === WIRE_NAMES.undefined) return define(full, { t: 'undefined' });
        if (full === WIRE_NAMES.none) return define(full, { t: 'none' });
        if (full.startsWith(WIRE_NAMES.some)) {
          const n = define<WNode & { t: 'some' }>(full, { t: 'some', value: { t: 'null' } });
          n.value = walk(fields[0]?.type, inner);
          return n;
        }
        if (full.startsWith(WIRE_NAMES.tuple)) {
          const n = define<WNode & { t: 'tuple' }>(full, { t: 'tuple', elems: [] });
          for (const f of fields) n.elems.push(walk(f.type, inner));
          return n;
        }
        const strict = full.startsWith(WIRE_NAMES.object);
        const n = define<WNode & { t: 'object' }>(full, { t: 'object', name: full, fields: [], strict });
        for (const f of fields) {
          if (!isFieldName(f.name) && f.name !== '__proto__') throw new Error(`record ${full}: invalid field name ${JSON.stringify(f.name)}`);
          const t = walk(f.type, inner);
          const hasDefault = Object.prototype.hasOwnProperty.call(f, 'default');
          n.fields.push({
            name: f.name,
            type: t,
            omitNull: !strict && hasDefault && f.default === null && takesNull(t),
            omitUndefined: strict && takesUndefined(t),
            fallback: !strict && hasDefault && f.default !== null ? { value: defaultValue(t, f.default) } : undefined,
          });
        }
        return n;
      }
      default: throw new Error(`unknown Avro type ${JSON.stringify(type)}`);
    }
  };
  return walk(schema, undefined);
}

/** A JSON default as the value the encoder writes (bytes and fixed defaults are strings of code points). */
function defaultValue(t: WNode, d: unknown): unknown {
  const first = t.t === 'union' ? t.branches[0] : t;
  return (first.t === 'bytes' || first.t === 'fixed') && typeof d === 'string' ? Buffer.from(d, 'latin1') : d;
}

/** Fewest bytes a value of this node takes (bounds block counts when decoding). @internal */
export function minSize(n: WNode, seen = new Set<WNode>()): number {
  switch (n.t) {
    case 'null': case 'undefined': case 'none': return 0;
    case 'float': return 4;
    case 'double': return 8;
    case 'fixed': return n.size;
    case 'tuple': case 'object': case 'some': {
      if (seen.has(n)) return 0;
      seen.add(n);
      const parts = n.t === 'tuple' ? n.elems : n.t === 'some' ? [n.value] : n.fields.map((f) => f.type);
      const s = parts.reduce((a, p) => a + minSize(p, seen), 0);
      seen.delete(n);
      return s;
    }
    default: return 1;
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Buffer.isBuffer(v)) return `a Buffer of ${v.length} bytes`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object' && v !== null && !isPlainObject(v) && !Array.isArray(v)) return `an instance of ${(v as object).constructor?.name ?? 'a class'}`;
  return preview(v, 80);
}

function label(n: WNode): string {
  switch (n.t) {
    case 'int': return 'int (32-bit integer)';
    case 'long': return 'long (safe integer)';
    case 'fixed': return `fixed (Buffer of ${n.size} bytes)`;
    case 'enum': return `one of ${n.symbols.join('|')}`;
    case 'tuple': return `a tuple of ${n.elems.length}`;
    case 'object': return n.strict ? 'an object' : `record ${n.name}`;
    case 'none': return 'None';
    case 'some': return 'Some';
    case 'union': return n.branches.map(label).join(' | ');
    default: return n.t;
  }
}

/** Why a value does not fit. @internal */
export interface Misfit { readonly path: readonly string[]; readonly why: string }

/**
 * Explains why a value does not fit a node (`undefined` when it fits), for error messages.
 * Follows the generated encoder's rules; `lenient` is the declared-schema mode (null also
 * takes `undefined`, `-0` is an int).
 * @internal
 */
export function explain(n: WNode, v: unknown, lenient: boolean): Misfit | undefined {
  const no = (why?: string): Misfit => ({ path: [], why: why ?? (v === undefined ? `missing (expected ${label(n)})` : `expected ${label(n)}, got ${show(v)}`) });
  const under = (seg: string, m: Misfit | undefined): Misfit | undefined => (m ? { path: [seg, ...m.path], why: m.why } : undefined);
  switch (n.t) {
    case 'null': return v === null || (lenient && v === undefined) ? undefined : no();
    case 'undefined': return v === undefined ? undefined : no();
    case 'boolean': return typeof v === 'boolean' ? undefined : no();
    case 'int': return ((v as number) | 0) === v && (lenient || !Object.is(v, -0)) ? undefined : no();
    case 'long': return typeof v === 'number' && Number.isSafeInteger(v) && (lenient || !Object.is(v, -0)) ? undefined : no();
    case 'float': case 'double': return typeof v === 'number' ? undefined : no();
    case 'string':
      if (typeof v !== 'string') return no();
      return isWellFormed(v) ? undefined : no('a string with an unpaired UTF-16 surrogate cannot be encoded as UTF-8');
    case 'bytes': return Buffer.isBuffer(v) ? undefined : no();
    case 'fixed': return Buffer.isBuffer(v) && v.length === n.size ? undefined : no();
    case 'enum': return typeof v === 'string' && n.symbols.includes(v) ? undefined : no();
    case 'none': return isPlainObject(v) && isNone(v) ? undefined : no();
    case 'some': return isPlainObject(v) && isSome(v) ? under('value', explain(n.value, v.value, lenient)) : no();
    case 'tuple': {
      if (!Array.isArray(v) || v.length !== n.elems.length) return no();
      for (let i = 0; i < n.elems.length; i++) { const m = under(String(i), explain(n.elems[i], v[i], lenient)); if (m) return m; }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(v)) return no();
      for (let i = 0; i < v.length; i++) { const m = under(String(i), explain(n.items, v[i], lenient)); if (m) return m; }
      return undefined;
    }
    case 'map': {
      if (!isPlainObject(v)) return no();
      for (const k in v) {
        if (v[k] === undefined) continue;
        if (!isWellFormed(k)) return { path: [k], why: 'a key with an unpaired UTF-16 surrogate cannot be encoded as UTF-8' };
        const m = under(k, explain(n.values, v[k], lenient));
        if (m) return m;
      }
      return undefined;
    }
    case 'object': {
      if (!isPlainObject(v)) return no();
      for (const f of n.fields) {
        const x = v[f.name] === undefined && f.fallback ? f.fallback.value : v[f.name];
        const m = under(f.name, explain(f.type, x, lenient));
        if (m) return m;
      }
      if (n.strict) {
        const known = new Set(n.fields.map((f) => f.name));
        for (const k in v) if (!known.has(k) && v[k] !== undefined) return { path: [k], why: 'not a field of the schema' };
      }
      return undefined;
    }
    case 'union': {
      if (n.branches.some((b) => explain(b, v, lenient) === undefined)) return undefined;
      return no();
    }
  }
}

/** `field a.b: why` (or just `why` at the top), the form `S` schemas use. @internal */
export function formatMisfit(m: Misfit): string {
  return m.path.length ? `field ${m.path.join('.')}: ${m.why}` : m.why;
}

