/**
 * Generates the encoder and decoder of one schema as JavaScript source (`new Function`),
 * the way avsc does, but over the wire codec's {@link WNode} tree: the encoder checks every
 * value as it writes it (a value that does not fit stops the batch, so the caller can widen
 * the schema and try again), the decoder builds plain JavaScript values (arrays for tuples,
 * object literals for records, fp-ts Options) with no intermediate Avro objects.
 *
 * Binary format: Avro 1.x, the whole batch as one `{ type: 'array', items }` value.
 *
 * @module
 * @internal
 */
import { isNone, isSome, isWellFormed as wf, keyCount } from './shape.js';
import { minSize, type WNode } from './plan.js';

/** Encodes batches of one schema into a reusable scratch buffer. @internal */
export interface BatchWriter {
  /** Encodes `records` as an Avro array; returns the body length, or `-1 - i` when record `i` does not fit. */
  write(records: readonly unknown[]): number;
  /** Whether one record fits (the same rules as `write`). */
  check(record: unknown): boolean;
  /** A new Buffer: `header` followed by the body `write` last produced. */
  copyOut(header: Buffer): Buffer;
}

/** Decodes batches of one schema. @internal */
export interface BatchReader {
  /** Decodes the Avro array that starts at `start` and must end exactly at the end of `buf`. Throws {@link CorruptInput}. */
  read(buf: Buffer, start: number): unknown[];
}

/** The bytes are not what an encoder of this schema writes. @internal */
export class CorruptInput extends Error {}

/** Most items a block of zero-byte values may claim (bounds work on corrupt input). */
const ZERO_SIZE_CAP = 1 << 26;
/** Strings up to this many ASCII bytes are decoded with `String.fromCharCode`, longer ones with `utf8Slice` (a native call costing ~80 ns). */
const SHORT_STRING = 16;

const MISMATCH = new Error('value does not fit the schema');

function hasExtra(v: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  for (const k in v) if (v[k] !== undefined && !known.has(k)) return true;
  return false;
}
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const defp = (o: object, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });

const COMMON = `
const { MISMATCH, isNone, isSome, keyCount, hasExtra, hasOwn, wf, defp, CorruptInput, K, LENIENT } = ctx;
const isArr = Array.isArray, isBuf = Buffer.isBuffer, OP = Object.prototype, gpo = Object.getPrototypeOf;
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const f64 = new Float64Array(1), f64b = new Uint8Array(f64.buffer), f32 = new Float32Array(1), f32b = new Uint8Array(f32.buffer);
function isObj(v) { if (typeof v !== 'object' || v === null) return false; const p = gpo(v); return p === OP || p === null; }
function isLong(x) { return typeof x === 'number' && Number.isSafeInteger(x) && (LENIENT || x !== 0 || 1 / x > 0); }
`;

const WRITE_PRELUDE = `
let wb = Buffer.allocUnsafe(65536), wp = 0;
function grow(n) {
  let size = wb.length * 2;
  while (size < wp + n) size *= 2;
  const b = Buffer.allocUnsafe(size);
  wb.copy(b, 0, 0, wp);
  wb = b;
}
function wByte(b) { if (wp >= wb.length) grow(1); wb[wp++] = b; }
function wInt(n) {
  if (wp + 5 > wb.length) grow(5);
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  while (z > 127) { wb[wp++] = (z & 127) | 128; z >>>= 7; }
  wb[wp++] = z;
}
function wLong(n) {
  if ((n | 0) === n) { wInt(n); return; }
  if (wp + 10 > wb.length) grow(10);
  // zigzag of a safe integer as two uint32 halves: z = 2m + sign, m = n or -n - 1
  const m = n >= 0 ? n : -n - 1;
  let lo = m >>> 0, hi = (m - lo) / 4294967296;
  hi = ((hi << 1) | (lo >>> 31)) >>> 0;
  lo = ((lo << 1) | (n >= 0 ? 0 : 1)) >>> 0;
  while (hi !== 0) { wb[wp++] = (lo & 127) | 128; lo = ((lo >>> 7) | (hi << 25)) >>> 0; hi >>>= 7; }
  while (lo > 127) { wb[wp++] = (lo & 127) | 128; lo >>>= 7; }
  wb[wp++] = lo;
}
function wLongChecked(x) {
  if ((x | 0) === x) { if (!LENIENT && x === 0 && 1 / x < 0) throw MISMATCH; wInt(x); return; }
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw MISMATCH;
  wLong(x);
}
function wDouble(x) {
  if (wp + 8 > wb.length) grow(8);
  if (!LE) { wb.writeDoubleLE(x, wp); wp += 8; return; }
  f64[0] = x;
  wb[wp] = f64b[0]; wb[wp + 1] = f64b[1]; wb[wp + 2] = f64b[2]; wb[wp + 3] = f64b[3];
  wb[wp + 4] = f64b[4]; wb[wp + 5] = f64b[5]; wb[wp + 6] = f64b[6]; wb[wp + 7] = f64b[7];
  wp += 8;
}
function wFloat(x) {
  if (wp + 4 > wb.length) grow(4);
  if (!LE) { wb.writeFloatLE(x, wp); wp += 4; return; }
  f32[0] = x;
  wb[wp] = f32b[0]; wb[wp + 1] = f32b[1]; wb[wp + 2] = f32b[2]; wb[wp + 3] = f32b[3];
  wp += 4;
}
function wStr(s) {
  const n = s.length;
  if (n < 22) { // at most 63 UTF-8 bytes: a one-byte length
    if (wp + 64 > wb.length) grow(64);
    let p = wp + 1, i = 0;
    for (; i < n; i++) { const c = s.charCodeAt(i); if (c > 127) break; wb[p++] = c; }
    if (i === n) { wb[wp] = n << 1; wp = p; return; }
    if (!wf(s)) throw MISMATCH;
    const len = wb.utf8Write(s, wp + 1);
    wb[wp] = len << 1; wp += 1 + len;
    return;
  }
  const len = Buffer.byteLength(s, 'utf8');
  if (len !== n && !wf(s)) throw MISMATCH;
  wLong(len);
  if (wp + len > wb.length) grow(len);
  wb.utf8Write(s, wp, len);
  wp += len;
}
function wRaw(b) { const n = b.length; if (wp + n > wb.length) grow(n); b.copy(wb, wp); wp += n; }
function wBytes(b) { wLong(b.length); wRaw(b); }
`;

function shortStringCases(): string {
  const out: string[] = [];
  for (let n = 1; n <= SHORT_STRING; n++) {
    const names = Array.from({ length: n }, (_, i) => `c${i}`);
    out.push(`case ${n}: { const ${names.map((c, i) => `${c} = rb[p + ${i}]`).join(', ')}; if ((${names.join(' | ')}) < 128) return String.fromCharCode(${names.join(', ')}); break; }`);
  }
  return out.join('\n    ');
}

const READ_PRELUDE = `
const EMPTY = Buffer.alloc(0);
let rb = EMPTY, rp = 0, rl = 0;
function bad(what) { throw new CorruptInput(what + ' at byte ' + rp); }
function rLong() {
  let b = rb[rp++];
  if ((b & 128) === 0) return (b >>> 1) ^ -(b & 1);
  let n = b & 127, k = 7;
  do { b = rb[rp++]; n |= (b & 127) << k; k += 7; } while ((b & 128) !== 0 && k < 28);
  if ((b & 128) === 0) return (n >>> 1) ^ -(n & 1);
  const s = n & 1;
  let q = n >>> 1, m = 134217728, i = 0;
  do { b = rb[rp++]; q += (b & 127) * m; m *= 128; if (++i > 6) bad('varint longer than 10 bytes'); } while ((b & 128) !== 0);
  return s ? -q - 1 : q;
}
function rLen() { const n = rLong(); if (n < 0 || n > rl - rp) bad('length ' + n + ' out of range'); return n; }
function rBool() { const b = rb[rp++]; if (b === 1) return true; if (b === 0) return false; rp--; return bad('boolean byte ' + b); }
function rDouble() {
  if (rp + 8 > rl) bad('double past the end');
  if (!LE) { const d = rb.readDoubleLE(rp); rp += 8; return d; }
  f64b[0] = rb[rp]; f64b[1] = rb[rp + 1]; f64b[2] = rb[rp + 2]; f64b[3] = rb[rp + 3];
  f64b[4] = rb[rp + 4]; f64b[5] = rb[rp + 5]; f64b[6] = rb[rp + 6]; f64b[7] = rb[rp + 7];
  rp += 8;
  return f64[0];
}
function rFloat() {
  if (rp + 4 > rl) bad('float past the end');
  const d = rb.readFloatLE(rp); rp += 4; return d;
}
function rStr() {
  const h = rb[rp];
  let n;
  if (h < 128) { if (h & 1) bad('negative string length'); n = h >>> 1; rp++; } else n = rLen();
  const p = rp, e = p + n;
  if (e > rl) bad('string past the end');
  rp = e;
  switch (n) {
    case 0: return '';
    ${shortStringCases()}
  }
  return rb.utf8Slice(p, e);
}
function rFixed(n) {
  if (rp + n > rl) bad('bytes past the end');
  const b = Buffer.allocUnsafe(n);
  rb.copy(b, 0, rp, rp + n);
  rp += n;
  return b;
}
function rBytes() { return rFixed(rLen()); }
function rEnum(symbols) { const i = rLong(); if (i < 0 || i >= symbols.length) bad('enum index ' + i); return symbols[i]; }
`;

type Mode = 'w' | 'c';

const KIND: Record<WNode['t'], string> = {
  null: 'null', undefined: 'undef', boolean: 'bool', int: 'num', long: 'num', float: 'num', double: 'num',
  string: 'str', enum: 'str', bytes: 'buf', fixed: 'buf', array: 'arr', tuple: 'arr',
  none: 'obj', some: 'obj', object: 'obj', map: 'obj', union: 'union',
};

const prop = (name: string) => (name === '__proto__' ? '["__proto__"]' : JSON.stringify(name));
const readsOwn = (name: string) => name in Object.prototype;

class Gen {
  readonly fns: string[] = [];
  readonly consts: unknown[] = [];
  private readonly ids = { w: new Map<WNode, string>(), c: new Map<WNode, string>(), r: new Map<WNode, string>() };
  private tmp = 0;
  constructor(readonly lenient: boolean) {}

  konst(v: unknown): string {
    this.consts.push(v);
    return `K${this.consts.length - 1}`;
  }
  private v(): string { return `x${this.tmp++}`; }

  private fn(kind: 'w' | 'c' | 'r', n: WNode, params: string, body: () => string): string {
    const ids = this.ids[kind];
    let name = ids.get(n);
    if (name === undefined) {
      name = `${kind}${ids.size}`;
      ids.set(n, name);
      const slot = this.fns.push('') - 1;
      this.fns[slot] = `function ${name}(${params}) {\n${body()}\n}`;
    }
    return name;
  }

  /** A boolean expression: does identifier `x` fit `n`. */
  check(n: WNode, x: string): string {
    switch (n.t) {
      case 'null': return this.lenient ? `${x} == null` : `${x} === null`;
      case 'undefined': return `${x} === undefined`;
      case 'boolean': return `typeof ${x} === 'boolean'`;
      case 'int': return `((${x} | 0) === ${x}${this.lenient ? '' : ` && (${x} !== 0 || 1 / ${x} > 0)`})`;
      case 'long': return `isLong(${x})`;
      case 'float': case 'double': return `typeof ${x} === 'number'`;
      case 'string': return `(typeof ${x} === 'string' && wf(${x}))`;
      case 'bytes': return `isBuf(${x})`;
      case 'fixed': return `(isBuf(${x}) && ${x}.length === ${n.size})`;
      case 'enum': return `${this.konst(new Set(n.symbols))}.has(${x})`;
      default: return `${this.fn('c', n, 'v', () => `${this.body(n, 'c')}\nreturn true;`)}(${x})`;
    }
  }

  /** Statements: write identifier `x` as `n`, or throw MISMATCH. */
  write(n: WNode, x: string): string {
    const M = 'throw MISMATCH;';
    switch (n.t) {
      case 'null': return this.lenient ? `if (${x} != null) ${M}` : `if (${x} !== null) ${M}`;
      case 'undefined': return `if (${x} !== undefined) ${M}`;
      case 'boolean': return `if (${x} === true) wByte(1); else if (${x} === false) wByte(0); else ${M}`;
      case 'int': return `if ((${x} | 0) !== ${x}${this.lenient ? '' : ` || (${x} === 0 && 1 / ${x} < 0)`}) ${M} wInt(${x});`;
      case 'long': return `wLongChecked(${x});`;
      case 'float': return `if (typeof ${x} !== 'number') ${M} wFloat(${x});`;
      case 'double': return `if (typeof ${x} !== 'number') ${M} wDouble(${x});`;
      case 'string': return `if (typeof ${x} !== 'string') ${M} wStr(${x});`;
      case 'bytes': return `if (!isBuf(${x})) ${M} wBytes(${x});`;
      case 'fixed': return `if (!isBuf(${x}) || ${x}.length !== ${n.size}) ${M} wRaw(${x});`;
      case 'enum': {
        const i = this.v();
        return `{ const ${i} = ${this.konst(new Map(n.symbols.map((s, j) => [s, j])))}.get(${x}); if (${i} === undefined) ${M} wInt(${i}); }`;
      }
      default: return `${this.fn('w', n, 'v', () => this.body(n, 'w'))}(${x});`;
    }
  }

  private stmt(n: WNode, x: string, m: Mode): string {
    return m === 'w' ? this.write(n, x) : `if (!(${this.check(n, x)})) return false;`;
  }

  /** Body of the writer (or checker) function of a complex node, over parameter `v`. */
  private body(n: WNode, m: Mode): string {
    const fail = m === 'w' ? 'throw MISMATCH;' : 'return false;';
    const w = (code: string) => (m === 'w' ? code : '');
    switch (n.t) {
      case 'none': return `if (!isObj(v) || !isNone(v)) ${fail}`;
      case 'some': {
        const x = this.v();
        return `if (!isObj(v) || !isSome(v)) ${fail}\nconst ${x} = v.value;\n${this.stmt(n.value, x, m)}`;
      }
      case 'tuple': {
        const lines = [`if (!isArr(v) || v.length !== ${n.elems.length}) ${fail}`];
        n.elems.forEach((e, i) => { const x = this.v(); lines.push(`const ${x} = v[${i}];`, this.stmt(e, x, m)); });
        return lines.join('\n');
      }
      case 'object': {
        const lines = [`if (!isObj(v)) ${fail}`];
        let required = 0;
        if (n.strict) lines.push('let present = 0;');
        for (const f of n.fields) {
          const x = this.v();
          const key = JSON.stringify(f.name);
          const read = readsOwn(f.name) ? `(hasOwn(v, ${key}) ? v[${key}] : undefined)` : `v[${key}]`;
          lines.push(f.fallback ? `let ${x} = ${read}; if (${x} === undefined) ${x} = ${this.konst(f.fallback.value)};` : `const ${x} = ${read};`);
          lines.push(this.stmt(f.type, x, m));
          if (n.strict) {
            if (f.omitUndefined) lines.push(`if (${x} !== undefined || ${key} in v) present++;`);
            else required++;
          }
        }
        if (n.strict) {
          const known = this.konst(new Set(n.fields.map((f) => f.name)));
          lines.push(`if (keyCount(v) !== present + ${required} && hasExtra(v, ${known})) ${fail}`);
        }
        return lines.join('\n');
      }
      case 'array': {
        const x = this.v();
        return [
          `if (!isArr(v)) ${fail}`,
          'const n = v.length;',
          w('if (n !== 0) {\nwLong(n);'),
          `for (let i = 0; i < n; i++) { const ${x} = v[i]; ${this.stmt(n.items, x, m)} }`,
          w('}\nwByte(0);'),
        ].join('\n');
      }
      case 'map': {
        const x = this.v();
        return [
          `if (!isObj(v)) ${fail}`,
          w('let n = 0;\nfor (const k in v) if (v[k] !== undefined) n++;\nif (n !== 0) {\nwLong(n);'),
          `for (const k in v) { const ${x} = v[k]; if (${x} === undefined) continue; ${m === 'w' ? 'wStr(k);' : 'if (!wf(k)) return false;'} ${this.stmt(n.values, x, m)} }`,
          w('}\nwByte(0);'),
        ].join('\n');
      }
      case 'union': return this.dispatch(n, m, fail);
      default: throw new Error(`internal: no body for ${n.t}`);
    }
  }

  /** Picks the union branch by the value's JavaScript kind, as inference does; several branches of one kind (declared unions) are tried in order. */
  private dispatch(n: WNode & { t: 'union' }, m: Mode, fail: string): string {
    const idx = (i: number) => (i < 64 ? `wByte(${i * 2});` : `wInt(${i});`);
    const take = (b: WNode) => {
      const i = n.branches.indexOf(b);
      return m === 'w' ? `{ ${idx(i)} ${this.write(b, 'v')} return; }` : `return ${this.check(b, 'v')};`;
    };
    const tryTake = (b: WNode) => (m === 'w' ? `if (${this.check(b, 'v')}) ${take(b)}` : `if (${this.check(b, 'v')}) return true;`);
    const byKind = new Map<string, WNode[]>();
    for (const b of n.branches) {
      const k = KIND[b.t];
      byKind.set(k, [...(byKind.get(k) ?? []), b]);
    }
    const hasUndefined = byKind.has('undef');
    const tests: Record<string, string> = {
      null: this.lenient && !hasUndefined ? 'v == null' : 'v === null',
      undef: 'v === undefined', bool: "typeof v === 'boolean'", num: "typeof v === 'number'", str: "typeof v === 'string'",
      arr: 'isArr(v)', buf: 'isBuf(v)', obj: 'isObj(v)',
    };
    const lines: string[] = [];
    for (const [kind, bs] of byKind) {
      const inner: string[] = [];
      let rest = bs;
      if (kind === 'obj') {
        for (const b of bs) {
          if (b.t === 'none') inner.push(`if (isNone(v)) ${take(b)}`);
          if (b.t === 'some') inner.push(`if (isSome(v)) ${take(b)}`);
        }
        rest = bs.filter((b) => b.t !== 'none' && b.t !== 'some');
      }
      if (rest.length === 1) inner.push(take(rest[0]));
      else { for (const b of rest) inner.push(tryTake(b)); inner.push(fail); }
      lines.push(`if (${tests[kind]}) {\n${inner.join('\n')}\n}`);
    }
    lines.push(fail);
    return lines.join('\n');
  }

  /** An expression that reads one value of `n`. */
  read(n: WNode): string {
    switch (n.t) {
      case 'null': return 'null';
      case 'undefined': return 'undefined';
      case 'boolean': return 'rBool()';
      case 'int': case 'long': return 'rLong()';
      case 'float': return 'rFloat()';
      case 'double': return 'rDouble()';
      case 'string': return 'rStr()';
      case 'bytes': return 'rBytes()';
      case 'fixed': return `rFixed(${n.size})`;
      case 'enum': return `rEnum(${this.konst(n.symbols)})`;
      case 'none': return "{ _tag: 'None' }";
      default: return `${this.fn('r', n, '', () => this.readBody(n))}()`;
    }
  }

  /** Statements that read blocks of items into `into` with `each` (Avro array and map encoding). */
  blocks(itemSize: number, each: string): string {
    const bound = itemSize > 0 ? `(rl - rp) / ${itemSize}` : String(ZERO_SIZE_CAP);
    return [
      'let n = rLong();',
      'while (n !== 0) {',
      'if (n < 0) { n = -n; rLong(); }',
      `if (n > ${bound}) bad('block of ' + n + ' items');`,
      `for (let i = 0; i < n; i++) ${each}`,
      'n = rLong();',
      '}',
    ].join('\n');
  }

  private readBody(n: WNode): string {
    switch (n.t) {
      case 'some': return `return { _tag: 'Some', value: ${this.read(n.value)} };`;
      case 'tuple': return `return [${n.elems.map((e) => this.read(e)).join(', ')}];`;
      case 'object': {
        const first = n.fields.findIndex((f) => f.omitNull || f.omitUndefined);
        const lit = (fs: typeof n.fields) => `{${fs.map((f) => `${prop(f.name)}: ${this.read(f.type)}`).join(', ')}}`;
        if (first < 0) return `return ${lit(n.fields)};`;
        const set = (name: string, x: string) => (name === '__proto__' ? `defp(o, "__proto__", ${x});` : `o[${JSON.stringify(name)}] = ${x};`);
        const lines = [`const o = ${lit(n.fields.slice(0, first))};`];
        for (const f of n.fields.slice(first)) {
          if (f.omitNull || f.omitUndefined) {
            const x = this.v();
            lines.push(`{ const ${x} = ${this.read(f.type)}; if (${x} !== ${f.omitNull ? 'null' : 'undefined'}) ${set(f.name, x)} }`);
          } else lines.push(set(f.name, this.read(f.type)));
        }
        lines.push('return o;');
        return lines.join('\n');
      }
      case 'array': return `const a = [];\n${this.blocks(minSize(n.items), `a.push(${this.read(n.items)});`)}\nreturn a;`;
      case 'map': {
        const each = `{ const k = rStr(); const x = ${this.read(n.values)}; if (k === '__proto__') defp(o, k, x); else o[k] = x; }`;
        return `const o = {};\n${this.blocks(1 + minSize(n.values), each)}\nreturn o;`;
      }
      case 'union': {
        const cases = n.branches.map((b, i) => `case ${i}: return ${this.read(b)};`);
        return `switch (rLong()) {\n${cases.join('\n')}\ndefault: rp--; return bad('union branch index out of range');\n}`;
      }
      default: throw new Error(`internal: no reader for ${n.t}`);
    }
  }

  module(prelude: string, exports: string): (ctx: object) => unknown {
    const consts = this.consts.map((_, i) => `const K${i} = K[${i}];`).join('\n');
    const src = `${COMMON}\n${prelude}\n${consts}\n${this.fns.join('\n')}\nreturn ${exports};`;
    return new Function('ctx', src) as (ctx: object) => unknown;
  }

  ctx(): object {
    return { MISMATCH, isNone, isSome, keyCount, hasExtra, hasOwn, wf, defp, CorruptInput, K: this.consts, LENIENT: this.lenient };
  }
}

/**
 * Compiles the encoder of a batch of `item`s. `lenient` is the declared-schema mode: `null`
 * also takes `undefined` (as `S` schemas do), `-0` is an int, fields fall back to their
 * defaults; without it (inferred schemas) a value must fit exactly.
 * @internal
 */
export function compileWriter(item: WNode, lenient: boolean): BatchWriter {
  const g = new Gen(lenient);
  const x = 'x';
  const writeItem = g.write(item, x);
  const checkItem = g.check(item, 'v');
  const exports = `{
  write(records) {
    wp = 0;
    const n = records.length;
    let i = 0;
    try {
      if (n !== 0) { wLong(n); for (; i < n; i++) { const ${x} = records[i]; ${writeItem} } }
      wByte(0);
      return wp;
    } catch (e) { if (e === MISMATCH) return -1 - i; throw e; }
  },
  check(v) { return ${checkItem}; },
  copyOut(header) {
    const out = Buffer.allocUnsafe(header.length + wp);
    header.copy(out, 0);
    wb.copy(out, header.length, 0, wp);
    if (wb.length > 4194304 && wp < wb.length / 8) wb = Buffer.allocUnsafe(65536);
    return out;
  },
}`;
  return g.module(WRITE_PRELUDE, exports)(g.ctx()) as BatchWriter;
}

/** Compiles the decoder of a batch of `item`s. @internal */
export function compileReader(item: WNode): BatchReader {
  const g = new Gen(false);
  const readItem = g.read(item);
  const exports = `{
  read(buf, start) {
    rb = buf; rp = start; rl = buf.length;
    try {
      const out = [];
      ${g.blocks(minSize(item), `out.push(${readItem});`)}
      if (rp !== rl) bad(rp > rl ? 'batch ends past the end of the buffer' : (rl - rp) + ' bytes after the end of the batch');
      return out;
    } finally { rb = EMPTY; }
  },
}`;
  return g.module(READ_PRELUDE, exports)(g.ctx()) as BatchReader;
}
