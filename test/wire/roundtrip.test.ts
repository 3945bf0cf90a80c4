import { describe, expect, it } from 'vitest';
import * as O from 'fp-ts/lib/Option.js';
import * as E from 'fp-ts/lib/Either.js';
import { createBatchCodec } from '../../src/wire/index.js';
import { avscRoundTrip, difference, expected, hasProtoKey, parseWire, randomTemplate, randomValue, rng } from './helpers.js';

/** Encodes with one codec, decodes with another (as two processes would), checks the result and that avsc reads the same bytes. */
function roundTrip(batches: readonly (readonly unknown[])[], edge = 'map#1→sink#2') {
  const sender = createBatchCodec({ edge });
  const receiver = createBatchCodec({ edge });
  const schemas = new Map<string, unknown>();
  for (const batch of batches) {
    const buf = sender.encode(batch, 'p0');
    const out = receiver.decode(buf);
    expect(difference(out, expected(batch))).toBeUndefined();
    const wire = parseWire(buf);
    if (wire.schema !== undefined) schemas.set(wire.fingerprint, wire.schema);
    if (batch.length > 0 && !hasProtoKey(batch)) expect(avscRoundTrip(schemas.get(wire.fingerprint), wire.body).equals(wire.body)).toBe(true);
  }
  return sender;
}

describe('wire codec round trips', () => {
  it('carries every value shape pipelines produce', () => {
    const shapes: Record<string, unknown[]> = {
      strings: ['', 'a', 'héllo', '日本語', '🙂🚀', 'x'.repeat(100), 'y'.repeat(5000)],
      ints: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 42],
      longs: [2 ** 31, -(2 ** 31) - 1, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_000],
      doubles: [0.5, -1.25, 1e-300, 1e300, NaN, Infinity, -Infinity, -0, 2 ** 53 + 2, -(2 ** 70), 5e-324],
      booleans: [true, false],
      nulls: [null, null],
      undefineds: [undefined, undefined],
      pairs: [['a', 1], ['b', 2], ['c', 3]] as const as unknown[],
      pairsWithDoubles: [['a', 1], ['b', 2.5]],
      nestedTuples: [['k', [1, 'x']], ['l', [2, 'y']]],
      deepTuples: [['k', [['a', [true, null]], 2]]],
      heterogeneousTuples: [['a', 1], [1, 'a'], [null, [2]]],
      arrays: [[1, 2, 3], [], [4], Array.from({ length: 100 }, (_, i) => i)],
      arraysOfObjects: [[{ a: 1 }, { a: 2, b: 'x' }], []],
      objects: [{ sensor: 's1', ts: 1_700_000_000_000, celsius: 21.5 }, { sensor: 's2', ts: 1_700_000_000_010, celsius: 22 }],
      optionalKeys: [{ a: 1, b: undefined }, { a: 2 }, { a: 3, b: 'x' }],
      nullVersusAbsent: [{ a: null }, {}, { a: 1 }, { a: undefined }],
      emptyObjects: [{}, {}],
      awkwardKeys: [{ 'user-id': 1, 'a b': 2, '': 3, 'ключ': 4 }, { 'user-id': 5 }],
      prototypeKeys: [{ constructor: 1, toString: 'x' }, { hasOwnProperty: true }, {}],
      manyKeys: [Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]))],
      options: [O.none, O.some(1), O.some('x'), O.some(O.some(2.5)), O.some(O.none), O.some(null), O.some(undefined)],
      optionPairs: [['a', O.some(1)], ['b', O.none]],
      eithers: [E.left('boom'), E.right(42)],
      buffers: [Buffer.from('abc'), Buffer.alloc(0), Buffer.from([0, 255, 128])],
      mixed: [1, 'a', null, undefined, true, [1], { a: 1 }, O.none, Buffer.from('z'), 2.5, [1, 2]],
      nullPrototype: [Object.assign(Object.create(null), { a: 1 })],
      sparseArray: [[1, , 3]], // eslint-disable-line no-sparse-arrays
    };
    for (const [name, values] of Object.entries(shapes)) {
      try {
        roundTrip([values]);
      } catch (e) {
        throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
  });

  it('decodes tuples as arrays of the same length and numbers as numbers', () => {
    const sender = createBatchCodec({ edge: 'e' });
    const out = createBatchCodec({ edge: 'e' }).decode(sender.encode([['a', 1], ['b', 2]]));
    expect(out).toStrictEqual([['a', 1], ['b', 2]]);
    expect(Array.isArray(out[0])).toBe(true);
    expect(sender.schema()).toEqual({
      type: 'record', name: 'sluice.wire.Tuple_0',
      fields: [{ name: '_0', type: 'string' }, { name: '_1', type: 'int' }],
    });
  });

  it('leaves undefined keys out and keeps null ones', () => {
    const codec = createBatchCodec({ edge: 'e' });
    const [a, b] = codec.decode(codec.encode([{ x: undefined, y: 1 }, { x: null, y: 2 }])) as Record<string, unknown>[];
    expect(Object.keys(a)).toEqual(['y']);
    expect(b).toStrictEqual({ x: null, y: 2 });
  });

  it('returns values that share no memory with the input buffer', () => {
    const codec = createBatchCodec({ edge: 'e' });
    const buf = codec.encode([Buffer.from('abc')]);
    const [b] = codec.decode(buf) as Buffer[];
    buf.fill(0);
    expect(b.toString()).toBe('abc');
  });

  it('accepts a Uint8Array (as worker messages deliver buffers)', () => {
    const codec = createBatchCodec({ edge: 'e' });
    const buf = codec.encode([['a', 1]]);
    expect(codec.decode(new Uint8Array(buf))).toStrictEqual([['a', 1]]);
  });

  it('round-trips random values, batch after batch (property test, fixed seed)', () => {
    const r = rng(20240611);
    for (let run = 0; run < 60; run++) {
      const batches = Array.from({ length: 1 + r.int(4) }, () => Array.from({ length: r.int(30) }, () => randomValue(r)));
      try {
        roundTrip(batches);
      } catch (e) {
        throw new Error(`run ${run}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
  });

  it('round-trips random records of one structure, as pipeline stages produce them (property test, fixed seed)', () => {
    const r = rng(7);
    for (let run = 0; run < 150; run++) {
      const make = randomTemplate(r);
      const batches = Array.from({ length: 1 + r.int(5) }, () => Array.from({ length: r.int(200) }, () => make(r)));
      try {
        roundTrip(batches);
      } catch (e) {
        throw new Error(`run ${run}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
  });
});
