import { describe, expect, it } from 'vitest';
import * as O from 'fp-ts/lib/Option.js';
import { createBatchCodec, WireError } from '../../src/wire/index.js';
import { difference, parseWire } from './helpers.js';

function pair() {
  return { sender: createBatchCodec({ edge: 'map#3→reduceByKey#4' }), receiver: createBatchCodec({ edge: 'map#3→reduceByKey#4' }) };
}

describe('schema inference and widening', () => {
  it('widens int to double across batches instead of truncating', () => {
    const { sender, receiver } = pair();
    const b1 = sender.encode([1, 2, 3]);
    expect(sender.schema()).toBe('int');
    const b2 = sender.encode([1.5, 2]);
    expect(sender.schema()).toBe('double');
    expect(parseWire(b2).schema).toBe('double'); // a new schema travels again
    expect(parseWire(b1).fingerprint).not.toBe(parseWire(b2).fingerprint);
    expect(receiver.decode(b1)).toStrictEqual([1, 2, 3]);
    expect(receiver.decode(b2)).toStrictEqual([1.5, 2]);
    expect(receiver.decode(sender.encode([7]))).toStrictEqual([7]); // stays double, never narrows
    expect(sender.schema()).toBe('double');
  });

  it('finds a misfit the sample did not see, anywhere in the batch', () => {
    const { sender, receiver } = pair();
    const batch: [string, number][] = Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]);
    batch[5_001] = ['odd', 0.25];
    batch[9_999] = ['big', 2 ** 40];
    expect(receiver.decode(sender.encode(batch))).toStrictEqual(batch);
    expect(sender.schema()).toMatchObject({ fields: [{ name: '_0', type: 'string' }, { name: '_1', type: 'double' }] });
  });

  it('picks long for integers beyond int32 and double beyond 2^53, exactly', () => {
    const { sender, receiver } = pair();
    const longs = [2 ** 31, -(2 ** 31) - 1, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_123];
    expect(receiver.decode(sender.encode(longs))).toStrictEqual(longs);
    expect(sender.schema()).toBe('long');
    const beyond = [2 ** 53 + 2, -(2 ** 60), 1e21];
    expect(receiver.decode(sender.encode(beyond))).toStrictEqual(beyond);
    expect(sender.schema()).toBe('double');
  });

  it('encodes longs as Avro zigzag varints, bit-exact across the safe range', () => {
    const reference = (n: number): Buffer => {
      let z = (BigInt(n) << 1n) ^ (BigInt(n) >> 63n);
      z = BigInt.asUintN(64, z);
      const out: number[] = [];
      do { const b = Number(z & 0x7fn); z >>= 7n; out.push(z ? b | 0x80 : b); } while (z);
      return Buffer.from(out);
    };
    const codec = createBatchCodec({ edge: 'e' });
    codec.decode(codec.encode([2 ** 40])); // fix the schema to long (and learn it)
    let seed = 1;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const values = [0, 1, -1, 63, -64, 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 35 - 1, -(2 ** 49), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let i = 0; i < 2000; i++) values.push(Math.round((rand() - 0.5) * 2 * 2 ** (rand() * 53)) + 0); // + 0: no -0 (a double)
    for (const n of values) {
      const body = parseWire(codec.encode([n])).body;
      // body: block count 1 (0x02), the long, end of array (0x00)
      expect(body.subarray(1, body.length - 1).equals(reference(n)), `${n}`).toBe(true);
      expect(codec.decode(codec.encode([n]))).toStrictEqual([n]);
    }
  });

  it('widens strings to a union with null', () => {
    const { sender, receiver } = pair();
    expect(receiver.decode(sender.encode(['a', 'b']))).toStrictEqual(['a', 'b']);
    expect(receiver.decode(sender.encode(['c', null]))).toStrictEqual(['c', null]);
    expect(sender.schema()).toEqual(['null', 'string']);
  });

  it('adds object keys as optional fields, and keeps absent apart from null', () => {
    const { sender, receiver } = pair();
    expect(receiver.decode(sender.encode([{ a: 1 }]))).toStrictEqual([{ a: 1 }]);
    const b2 = [{ a: 2, b: 'x' }, { b: 'y' }, { a: null, b: 'z' }];
    const out = receiver.decode(sender.encode(b2)) as Record<string, unknown>[];
    expect(out).toStrictEqual(b2);
    expect('a' in out[1]).toBe(false);
    const fields = (sender.schema() as { fields: { name: string; type: unknown }[] }).fields;
    expect(fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect(fields[0].type).toEqual(['null', { type: 'record', name: 'sluice.wire.Undefined', fields: [] }, 'int']);
  });

  it('turns a record with an unknown key into a wider one rather than dropping the key', () => {
    const { sender, receiver } = pair();
    sender.encode([{ a: 1 }]);
    expect(receiver.decode(sender.encode([{ a: 1, extra: true }]))).toStrictEqual([{ a: 1, extra: true }]);
  });

  it('widens tuples of a new length to an array', () => {
    const { sender, receiver } = pair();
    expect(receiver.decode(sender.encode([[1, 2], [3, 4]]))).toStrictEqual([[1, 2], [3, 4]]);
    expect(receiver.decode(sender.encode([[1, 2, 3], []]))).toStrictEqual([[1, 2, 3], []]);
    expect(sender.schema()).toEqual({ type: 'array', items: 'int' });
  });

  it('widens None to Option of a value, and nests Options', () => {
    const { sender, receiver } = pair();
    expect(receiver.decode(sender.encode([O.none]))).toStrictEqual([O.none]);
    const b = [O.some(1), O.none, O.some(O.some('x'))];
    expect(difference(receiver.decode(sender.encode(b as unknown[])), b)).toBeUndefined();
  });

  it('turns objects with many or awkward keys into maps', () => {
    const { sender, receiver } = pair();
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    expect(receiver.decode(sender.encode([wide]))).toStrictEqual([wide]);
    expect(sender.schema()).toEqual({ type: 'map', values: 'int' });
    const awkward = [{ 'user-id': 'u1' }, { 'user-id': 'u2', 'a b': 'c' }];
    const other = pair();
    expect(other.receiver.decode(other.sender.encode(awkward))).toStrictEqual(awkward);
    expect(other.sender.schema()).toEqual({ type: 'map', values: 'string' });
  });

  it('keeps one schema while the records fit it (the schema travels once per destination)', () => {
    const { sender, receiver } = pair();
    const first = sender.encode([['a', 1]], 0);
    const later = Array.from({ length: 5 }, (_, i) => sender.encode([[`k${i}`, i]], 0));
    expect(parseWire(first).schema).toBeDefined();
    for (const b of later) expect(parseWire(b).schema).toBeUndefined();
    expect([first, ...later].flatMap((b) => receiver.decode(b))).toHaveLength(6);
  });

  it('rejects values that cannot cross processes, naming the edge, the record and the path', () => {
    const codec = createBatchCodec({ edge: 'map#3→reduceByKey#4' });
    class Point { constructor(readonly x: number) {} }
    const cases: [unknown, RegExp][] = [
      [{ when: new Date(0) }, /record #1 cannot be sent to another process: field when: a Date is not supported/],
      [['k', new Map()], /field 1: a Map is not supported/],
      [{ f: () => 1 }, /field f: a function cannot be sent/],
      [{ n: 10n }, /field n: a bigint is not supported/],
      [new Point(1), /an instance of Point is not supported/],
      [{ s: 'bad \ud800 surrogate' }, /field s: a string with an unpaired UTF-16 surrogate/],
      [new Uint8Array(2), /a Uint8Array is not supported: wrap it as Buffer.from/],
    ];
    for (const [value, message] of cases) {
      let err: unknown;
      try { codec.encode([{ ok: 1 }, value]); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(WireError);
      expect((err as WireError).code).toBe('WIRE_UNSUPPORTED_VALUE');
      expect((err as Error).message).toMatch(/^edge map#3→reduceByKey#4: /);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('rejects an unsupported value the schema has already seen the kind of', () => {
    const codec = createBatchCodec({ edge: 'e' });
    codec.encode([{ s: 'fine' }]);
    expect(() => codec.encode([{ s: 'lone \udc00' }])).toThrow(/record #0 cannot be sent to another process: field s: a string with an unpaired/);
  });
});
