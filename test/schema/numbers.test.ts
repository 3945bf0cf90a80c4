import { describe, expect, it } from 'vitest';
import { S, Sources } from '../../src/index.js';
import { runSource, tempFile } from '../io/helpers.js';

const Payment = S.record('Payment', {
  id: S.int(),
  seq: S.long(),
  amount: S.double(),
  rate: S.float(),
  legs: S.array(S.record('Leg', { share: S.double() })),
});
const good = { id: 1, seq: 2 ** 40, amount: 12.5, rate: 0.25, legs: [{ share: 1 }] };

describe('numeric schema types refuse values they cannot hold', () => {
  it('double refuses ±Infinity and NaN, naming the field path; JSON 1e400 is Infinity', () => {
    expect(() => Payment.fromJSON(JSON.parse('{"id":1,"seq":2,"amount":1e400,"rate":0,"legs":[]}')))
      .toThrow('field amount: expected double, got Infinity (not a finite number; declare S.double({ nonFinite: true }) to allow NaN and ±Infinity)');
    expect(Payment.check({ ...good, amount: -Infinity })).toMatch(/^field amount: expected double, got -Infinity \(not a finite number/);
    expect(Payment.check({ ...good, amount: NaN })).toMatch(/^field amount: expected double, got NaN \(not a finite number/);
    expect(Payment.check({ ...good, legs: [{ share: 1 }, { share: Infinity }] })).toMatch(/^field legs\.1\.share: expected double, got Infinity/);
    expect(Payment.check({ ...good, amount: Number.MAX_VALUE })).toBeUndefined();
    expect(Payment.check({ ...good, amount: -0 })).toBeUndefined();
  });

  it('double and float take NaN and ±Infinity when declared with nonFinite', () => {
    const Ratio = S.record('Ratio', { r: S.double({ nonFinite: true }), f: S.float({ nonFinite: true }) });
    expect(Ratio.check({ r: NaN, f: Infinity })).toBeUndefined();
    expect(Ratio.check({ r: -Infinity, f: NaN })).toBeUndefined();
    expect(Ratio.check({ r: 'x', f: 1 })).toBe('field r: expected double, got "x"');
    expect(Ratio.avro).toEqual({ type: 'record', name: 'Ratio', fields: [{ name: 'r', type: 'double' }, { name: 'f', type: 'float' }] });
    const back = Ratio.decode(Ratio.encode({ r: NaN, f: -Infinity }));
    expect(back.r).toBeNaN();
    expect(back.f).toBe(-Infinity);
  });

  it('float refuses values beyond its range', () => {
    expect(Payment.check({ ...good, rate: 3.4e38 })).toBeUndefined();
    expect(Payment.check({ ...good, rate: 1e39 })).toBe('field rate: expected float, got 1e+39 (out of range: a float holds at most ±3.4028234663852886e+38)');
    expect(Payment.check({ ...good, rate: -1e300 })).toMatch(/^field rate: expected float, got -1e\+300 \(out of range/);
    expect(Payment.check({ ...good, rate: Infinity })).toMatch(/^field rate: expected float, got Infinity \(not a finite number/);
  });

  it('int and long refuse non-integers and out-of-range integers, saying which', () => {
    expect(Payment.check({ ...good, id: 2 ** 31 })).toBe('field id: expected int (32-bit integer), got 2147483648 (out of range -2147483648..2147483647)');
    expect(Payment.check({ ...good, id: -(2 ** 31) })).toBeUndefined();
    expect(Payment.check({ ...good, id: 1.5 })).toBe('field id: expected int (32-bit integer), got 1.5 (not an integer)');
    expect(Payment.check({ ...good, id: Infinity })).toBe('field id: expected int (32-bit integer), got Infinity (not a finite number)');
    expect(Payment.check({ ...good, seq: 2 ** 53 })).toBe('field seq: expected long (safe integer), got 9007199254740992 (out of range -9007199254740991..9007199254740991)');
    expect(Payment.check({ ...good, seq: 0.5 })).toBe('field seq: expected long (safe integer), got 0.5 (not an integer)');
    expect(Payment.check({ ...good, seq: '7' })).toBe('field seq: expected long (safe integer), got "7"');
  });

  it('a JSON-lines record with "amount": 1e400 goes to dead letters with the field, the rest is read', async () => {
    const lines = [
      '{"id":1,"seq":1,"amount":1.5,"rate":1,"legs":[]}',
      '{"id":2,"seq":2,"amount":1e400,"rate":1,"legs":[]}',
      '{"id":3,"seq":3,"amount":2,"rate":1e39,"legs":[]}',
      '{"id":4,"seq":4,"amount":-2,"rate":1,"legs":[{"share":-1e999}]}',
      '{"id":5,"seq":5,"amount":3,"rate":1,"legs":[]}',
    ];
    const f = tempFile('payments.jsonl', lines.join('\n') + '\n');
    const { records, dead } = await runSource(Sources.jsonLines(f, Payment));
    expect(records.map((p) => p.id)).toEqual([1, 5]);
    expect(dead.map((d) => [d.origin, d.reason.replace(/ \(.*$/, ''), d.raw])).toEqual([
      [`${f}:2`, 'does not match schema Payment: field amount: expected double, got Infinity', lines[1]],
      [`${f}:3`, 'does not match schema Payment: field rate: expected float, got 1e+39', lines[2]],
      [`${f}:4`, 'does not match schema Payment: field legs.0.share: expected double, got -Infinity', lines[3]],
    ]);
  });

  it('a CSV cell 1e400 in a double column goes to dead letters', async () => {
    const Row = S.record('Row', { name: S.string(), amount: S.double() });
    const f = tempFile('rows.csv', 'name,amount\na,1\nb,1e400\nc,-1e400\nd,2\n');
    const { records, dead } = await runSource(Sources.csv(f, Row));
    expect(records).toEqual([{ name: 'a', amount: 1 }, { name: 'd', amount: 2 }]);
    expect(dead.map((d) => [d.origin, d.raw])).toEqual([[`${f}:3`, 'b,1e400'], [`${f}:4`, 'c,-1e400']]);
    expect(dead[0].reason).toMatch(/^does not match schema Row: field amount: expected double, got Infinity/);
  });
});
