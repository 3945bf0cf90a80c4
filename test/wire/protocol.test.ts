import { describe, expect, it } from 'vitest';
import { createBatchCodec, WireError } from '../../src/wire/index.js';
import { parseWire, rng } from './helpers.js';

const edge = 'map#3→reduceByKey#4';
const codec = () => createBatchCodec({ edge });

function thrown(f: () => unknown): WireError {
  try { f(); } catch (e) {
    expect(e).toBeInstanceOf(WireError);
    return e as WireError;
  }
  throw new Error('expected a WireError, nothing was thrown');
}

describe('wire protocol', () => {
  it('starts every buffer with a header carrying the schema fingerprint', () => {
    const buf = codec().encode([['a', 1]]);
    expect(buf[0]).toBe(0xa7);
    const wire = parseWire(buf);
    expect(wire.flags).toBe(2);
    expect(wire.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(wire.schema).toMatchObject({ type: 'record', name: 'sluice.wire.Tuple_0' });
  });

  it('sends the schema once per destination; each decoder learns it from its first buffer', () => {
    const sender = codec();
    const [p0, p1] = [codec(), codec()]; // one decoder per destination partition
    const a0 = sender.encode([['a', 1]], 0);
    const a1 = sender.encode([['b', 2]], 1);
    const b0 = sender.encode([['c', 3]], 0);
    const b1 = sender.encode([['d', 4]], 1);
    expect(parseWire(a0).schema).toBeDefined();
    expect(parseWire(a1).schema).toBeDefined();
    expect(parseWire(b0).schema).toBeUndefined();
    expect(parseWire(b1).schema).toBeUndefined();
    expect(b0.length).toBeLessThan(a0.length);
    expect([...p0.decode(a0), ...p0.decode(b0)]).toStrictEqual([['a', 1], ['c', 3]]);
    expect([...p1.decode(a1), ...p1.decode(b1)]).toStrictEqual([['b', 2], ['d', 4]]);
    // a widened schema travels again to every destination
    const c0 = sender.encode([['e', 0.5]], 0);
    const c1 = sender.encode([['f', 1.5]], 1);
    expect(parseWire(c0).schema).toBeDefined();
    expect(parseWire(c1).schema).toBeDefined();
    expect(p0.decode(c0)).toStrictEqual([['e', 0.5]]);
    expect(p1.decode(c1)).toStrictEqual([['f', 1.5]]);
    // old-schema buffers still decode after the new schema is learned
    expect(p0.decode(b0)).toStrictEqual([['c', 3]]);
  });

  it('learns schemas from any sender of the edge: fingerprints depend only on the schema', () => {
    const s1 = codec(), s2 = codec(), receiver = codec();
    const x = s1.encode([{ k: 'a', n: 1 }], 'r');
    const y = s2.encode([{ k: 'b', n: 2 }], 'r');
    expect(parseWire(x).fingerprint).toBe(parseWire(y).fingerprint);
    expect(receiver.decode(y)).toStrictEqual([{ k: 'b', n: 2 }]);
    expect(receiver.decode(s2.encode([{ k: 'c', n: 3 }], 'r'))).toStrictEqual([{ k: 'c', n: 3 }]);
    expect(receiver.decode(x)).toStrictEqual([{ k: 'a', n: 1 }]);
  });

  it('rejects a buffer with an unknown fingerprint, naming the edge', () => {
    const sender = codec();
    sender.encode([['a', 1]], 0); // carries the schema, but is lost
    const second = sender.encode([['b', 2]], 0);
    const err = thrown(() => codec().decode(second));
    expect(err.code).toBe('WIRE_UNKNOWN_SCHEMA');
    expect(err.edge).toBe(edge);
    expect(err.message).toMatch(/^edge map#3→reduceByKey#4: unknown schema fingerprint [0-9a-f]{16}; the sender's schema message was lost/);
    expect(err.message).toContain(parseWire(second).fingerprint);
  });

  it('sends the schema again after forget(destination)', () => {
    const sender = codec();
    sender.encode([1], 'a');
    sender.encode([1], 'b');
    sender.forget('a');
    expect(parseWire(sender.encode([2], 'a')).schema).toBe('int');
    expect(parseWire(sender.encode([2], 'b')).schema).toBeUndefined();
    sender.forget();
    expect(parseWire(sender.encode([3], 'b')).schema).toBe('int');
  });

  it('encodes an empty batch as a bare header, before or after any schema', () => {
    const sender = codec(), receiver = codec();
    const empty = sender.encode([]);
    expect(empty).toStrictEqual(Buffer.from([0xa7, 0x01]));
    expect(receiver.decode(empty)).toStrictEqual([]);
    expect(sender.schema()).toBeUndefined();
    receiver.decode(sender.encode(['x']));
    expect(receiver.decode(sender.encode([]))).toStrictEqual([]);
    expect(codec().decode(sender.encode([]))).toStrictEqual([]); // needs no schema
  });

  it('rejects every truncation of a buffer with a clear error, never an obscure one', () => {
    const sender = codec();
    const records = [
      { sensor: 'héllo', ts: 1_700_000_000_000, celsius: 21.5, tags: ['a', 'b'], opt: null },
      { sensor: 'x'.repeat(40), ts: 1, celsius: -0.5, tags: [], opt: { _tag: 'Some', value: [1, 'x'] } },
    ];
    const full = sender.encode(records);
    expect(codec().decode(full)).toStrictEqual(records);
    for (let n = 0; n < full.length; n++) {
      const err = thrown(() => codec().decode(full.subarray(0, n)));
      expect(err.code, `cut at ${n}`).toBe('WIRE_CORRUPT');
      expect(err.message).toMatch(/^edge map#3→reduceByKey#4: corrupt or truncated batch \(\d+ bytes/);
    }
    const warm = codec();
    warm.decode(full); // knows the schema: truncations of the body must still be caught
    const plain = sender.encode(records);
    for (let n = 10; n < plain.length; n++) expect(thrown(() => warm.decode(plain.subarray(0, n))).code).toBe('WIRE_CORRUPT');
  });

  it('rejects trailing bytes, a bad format byte, unknown flags and a schema that does not match its fingerprint', () => {
    const sender = codec();
    const buf = sender.encode([['a', 1]]);
    expect(thrown(() => codec().decode(Buffer.concat([buf, Buffer.from([0])]))).message).toMatch(/1 bytes after the end of the batch/);
    expect(thrown(() => codec().decode(Buffer.from([0x00, 0x01]))).message).toMatch(/not a wire batch \(format byte 0\)/);
    expect(thrown(() => codec().decode(Buffer.from([0xa7, 0x10]))).message).toMatch(/unknown flags 16/);
    expect(thrown(() => codec().decode(Buffer.alloc(0))).message).toMatch(/format byte missing/);
    const tampered = Buffer.from(buf);
    tampered[20] ^= 1; // inside the schema JSON
    expect(thrown(() => codec().decode(tampered)).message).toMatch(/the schema does not match its fingerprint/);
  });

  it('never fails with anything but a WireError, whatever the bytes (fuzz, fixed seed)', () => {
    const r = rng(99);
    const sender = codec();
    const batches = [
      [['a', 1], ['b', 2.5]],
      [{ x: 'y', z: [1, 2, 3], o: { _tag: 'None' } }, { x: 'q', z: [], o: { _tag: 'Some', value: 'v' } }],
      ['s', null, 1, true, Buffer.from('b'), { m: 1 }, [[1], [2, 3]]],
    ];
    for (const batch of batches) {
      const good = sender.encode(batch, 'fuzz');
      const receiver = codec();
      receiver.decode(good);
      const plain = sender.encode(batch, 'fuzz');
      for (let i = 0; i < 400; i++) {
        const bad = Buffer.from(r.int(2) ? good : plain);
        for (let k = 1 + r.int(3); k > 0; k--) bad[r.int(bad.length)] = r.int(256);
        try { receiver.decode(bad); } catch (e) {
          if (!(e instanceof WireError)) throw new Error(`not a WireError: ${String(e)}`, { cause: e });
        }
      }
    }
  });
});
