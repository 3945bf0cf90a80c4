import avro from 'avsc';

/** avsc's own long type reads and writes through doubles and loses the last bits near ±2^53; exact 64-bit longs for cross-checks. */
const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => { const buf = Buffer.alloc(8); buf.writeBigInt64LE(n); return buf; },
  fromJSON: (x: unknown) => BigInt(x as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** A seeded PRNG (mulberry32), so random tests are the same on every run. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
export type Rng = ReturnType<typeof rng>;

const KEYS = ['a', 'b', 'sensor', 'ts', 'value', '_tag', 'constructor', 'toString', 'user-id', 'a b', '', 'ключ', '__proto__'];

export function randomNumber(r: Rng): number {
  switch (r.int(10)) {
    case 0: return r.int(100);
    case 1: return -r.int(2 ** 31) - 1;
    case 2: return 2 ** 31 + r.int(1e9);
    case 3: return -(2 ** 52) - r.int(2 ** 20);
    case 4: return Number.MAX_SAFE_INTEGER - r.int(3);
    case 5: return (r.next() - 0.5) * 1e6;
    case 6: return r.pick([NaN, Infinity, -Infinity, -0, 0, 2 ** 53 + 2, -(2 ** 60), 1e300, 5e-324]);
    case 7: return r.int(2 ** 31) - 2 ** 30;
    default: return r.next();
  }
}

export function randomString(r: Rng): string {
  switch (r.int(6)) {
    case 0: return '';
    case 1: return `w${r.int(1000)}`;
    case 2: return 'x'.repeat(r.int(200));
    case 3: return r.pick(['héllo', 'naïve café', '日本語テキスト', '🙂 emoji 🚀', 'tab\tnew\nline', '\u0000nul']);
    case 4: return Array.from({ length: r.int(40) }, () => String.fromCharCode(32 + r.int(95))).join('');
    default: return `${r.pick(['k', 'key', 'sensor-'])}${r.int(50)}`;
  }
}

/** Any JSON-like value the codec must carry (depth-limited). */
export function randomValue(r: Rng, depth = 3): unknown {
  const leaf = depth <= 0;
  switch (r.int(leaf ? 6 : 12)) {
    case 0: return randomNumber(r);
    case 1: return randomString(r);
    case 2: return r.next() < 0.5;
    case 3: return null;
    case 4: return r.int(8) === 0 ? undefined : randomNumber(r);
    case 5: return r.int(4) === 0 ? Buffer.from(Array.from({ length: r.int(10) }, () => r.int(256))) : randomString(r);
    case 6: return [randomString(r), randomValue(r, depth - 1)]; // a pair
    case 7: return Array.from({ length: r.int(5) }, () => randomValue(r, depth - 1));
    case 8: return r.int(3) === 0 ? { _tag: 'None' } : { _tag: 'Some', value: randomValue(r, depth - 1) };
    case 9: return Array.from({ length: 20 + r.int(5) }, () => randomNumber(r)); // longer than a tuple
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) {
        const k = r.pick(KEYS);
        Object.defineProperty(o, k, { value: randomValue(r, depth - 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
  }
}

/** A generator of records of one random structure (as a pipeline stage produces), with random values. */
export function randomTemplate(r: Rng, depth = 3): (r: Rng) => unknown {
  const leaf = depth <= 0;
  switch (r.int(leaf ? 5 : 10)) {
    case 0: return (q) => q.int(1000);
    case 1: return (q) => (q.int(4) === 0 ? q.next() * 100 : q.int(1000));
    case 2: return randomString;
    case 3: return (q) => q.next() < 0.5;
    case 4: return (q) => (q.int(5) === 0 ? null : randomString(q));
    case 5: { const k = randomTemplate(r, depth - 1), v = randomTemplate(r, depth - 1); return (q) => [k(q), v(q)]; }
    case 6: { const v = randomTemplate(r, depth - 1); return (q) => (q.int(3) === 0 ? { _tag: 'None' } : { _tag: 'Some', value: v(q) }); }
    case 7: { const v = randomTemplate(r, depth - 1); return (q) => Array.from({ length: q.int(4) }, () => v(q)); }
    default: {
      const fields = Array.from({ length: 1 + r.int(4) }, (_, i) => [`f${i}`, randomTemplate(r, depth - 1), r.int(4) === 0] as const);
      return (q) => {
        const o: Record<string, unknown> = {};
        for (const [k, g, optional] of fields) if (!optional || q.next() < 0.5) o[k] = g(q);
        return o;
      };
    }
  }
}

/** What decoding must give back: the value with `undefined`-valued object keys left out. */
export function expected(v: unknown): unknown {
  if (Array.isArray(v)) return Array.from(v, expected);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x !== undefined) Object.defineProperty(out, k, { value: expected(x), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

/** Splits a wire buffer: flags, fingerprint, schema JSON (if included), Avro body. */
export function parseWire(buf: Buffer): { flags: number; fingerprint: string; schema?: unknown; body: Buffer } {
  const flags = buf[1];
  if (flags & 1) return { flags, fingerprint: '', body: buf.subarray(2) };
  const fingerprint = buf.toString('hex', 2, 10);
  if (!(flags & 2)) return { flags, fingerprint, body: buf.subarray(10) };
  const len = buf.readUInt32LE(10);
  return { flags, fingerprint, schema: JSON.parse(buf.toString('utf8', 14, 14 + len)), body: buf.subarray(14 + len) };
}

/** Checks with avsc that `body` is valid Avro for `{ type: 'array', items: schema }`: avsc reads it all and writes the same bytes back. */
export function avscRoundTrip(schema: unknown, body: Buffer): Buffer {
  const t = avro.Type.forSchema({ type: 'array', items: schema } as avro.Schema, { wrapUnions: true, registry: { long: exactLong } });
  return t.toBuffer(t.fromBuffer(body));
}

/**
 * Where `actual` differs from `want` (`undefined` when they are the same): numbers by
 * `Object.is` (so `-0`, `NaN`), arrays by length and items, objects by prototype and own
 * keys (in any order; a key whose value is `undefined` counts as absent), Buffers by bytes. (Vitest's `toStrictEqual` trips over objects with
 * an own `constructor` key, which these tests carry on purpose.)
 */
export function difference(actual: unknown, want: unknown, path = '$'): string | undefined {
  if (Object.is(actual, want)) return undefined;
  if (typeof actual !== 'object' || typeof want !== 'object' || actual === null || want === null) {
    return `${path}: got ${String(actual)} (${typeof actual}), want ${String(want)} (${typeof want})`;
  }
  if (Buffer.isBuffer(want)) return Buffer.isBuffer(actual) && actual.equals(want) ? undefined : `${path}: Buffers differ`;
  if (Array.isArray(want) !== Array.isArray(actual)) return `${path}: array versus object`;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(want) && !(Object.getPrototypeOf(want) === null && Object.getPrototypeOf(actual) === Object.prototype)) {
    return `${path}: prototypes differ`;
  }
  const a = actual as Record<string, unknown>, w = want as Record<string, unknown>;
  // the codec may leave out keys whose value is undefined
  const ka = Object.keys(a).filter((k) => a[k] !== undefined).sort(), kw = Object.keys(w).filter((k) => w[k] !== undefined).sort();
  if (Array.isArray(want) ? (a as unknown as unknown[]).length !== want.length : ka.join('\u0000') !== kw.join('\u0000')) {
    return `${path}: keys ${JSON.stringify(ka)}, want ${JSON.stringify(kw)}`;
  }
  const keys = Array.isArray(want) ? want.map((_, i) => String(i)) : kw;
  for (const k of keys) {
    const d = difference(a[k], w[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Whether a value holds an own `__proto__` key somewhere (avsc itself cannot read those back: it assigns map keys with `o[k] = v`). */
export function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    return Object.prototype.hasOwnProperty.call(v, '__proto__') || Object.values(v).some(hasProtoKey);
  }
  return false;
}
