import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { S } from '../../src/index.js';

const Reading = S.record('Reading', {
  sensor: S.string(),
  ts: S.timestampMillis(),
  celsius: S.double(),
  count: S.int(),
  seq: S.long(),
  ok: S.boolean(),
  note: S.optional(S.string()),
  calibrated: S.nullable(S.double()),
  tags: S.array(S.string()),
  extra: S.map(S.long()),
  level: S.enumOf('Level', ['LOW', 'HIGH']),
  place: S.record('Place', { lat: S.double(), lon: S.double() }),
  day: S.date(),
  id: S.uuid(),
});
type Reading = S.Infer<typeof Reading>;

const good: Reading = {
  sensor: 's1', ts: 1_700_000_000_123, celsius: 21.5, count: 3, seq: 2 ** 40, ok: true, calibrated: null,
  tags: ['a', 'b'], extra: { x: 1 }, level: 'HIGH', place: { lat: 1.5, lon: -2 }, day: 19_000,
  id: '123e4567-e89b-12d3-a456-426614174000',
};

describe('S schema builder', () => {
  it('gives a valid Avro schema with logical types, optional fields defaulting to null', () => {
    const t = avro.Type.forSchema(Reading.avro as avro.Schema);
    expect(t.name).toBe('Reading');
    const fields = (Reading.avro as { fields: Array<{ name: string; type: unknown; default?: unknown }> }).fields;
    expect(fields.find((f) => f.name === 'ts')!.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    expect(fields.find((f) => f.name === 'note')).toEqual({ name: 'note', type: ['null', 'string'], default: null });
    expect(fields.find((f) => f.name === 'level')!.type).toEqual({ type: 'enum', name: 'Level', symbols: ['LOW', 'HIGH'] });
  });

  it('round-trips values through Avro binary, optional fields absent', () => {
    const back = Reading.decode(Reading.encode(good));
    expect(back).toEqual(good);
    expect('note' in back).toBe(false);
    const withNote = { ...good, note: 'n' };
    expect(Reading.decode(Reading.encode(withNote))).toEqual(withNote);
  });

  it('check() names the offending path', () => {
    expect(Reading.check(good)).toBeUndefined();
    expect(Reading.check({ ...good, celsius: 'hot' })).toBe('field celsius: expected double, got "hot"');
    expect(Reading.check({ ...good, place: { lat: 1 } })).toBe('field place.lon: missing');
    expect(Reading.check({ ...good, tags: ['a', 7] })).toBe('field tags.1: expected string, got 7');
    expect(Reading.check({ ...good, count: 2 ** 40 })).toMatch(/^field count: expected int/);
    expect(Reading.check({ ...good, level: 'MID' })).toBe('field level: expected one of LOW|HIGH, got "MID"');
    expect(Reading.check({ ...good, id: 'nope' })).toBe('field id: expected uuid, got "nope"');
    expect(Reading.check({ ...good, extra: { x: 'y' } })).toBe('field extra.x: expected long (safe integer), got "y"');
    expect(Reading.check(42)).toBe('expected record Reading, got 42');
  });

  it('fromJSON converts ISO timestamps and nulls for optional fields', () => {
    const v = Reading.fromJSON({ ...good, ts: '2023-11-14T22:13:20.123Z', note: null });
    expect(v.ts).toBe(1_700_000_000_123);
    expect('note' in v).toBe(false);
    expect(() => Reading.fromJSON({ ...good, ts: 'yesterday' })).toThrow(/field ts: expected timestamp/);
  });

  it('fromAvro wraps a foreign schema and checks values with avsc', () => {
    const P = S.fromAvro<{ id: number }>({ type: 'record', name: 'P', fields: [{ name: 'id', type: 'int' }] });
    expect(P.check({ id: 1 })).toBeUndefined();
    expect(P.check({ id: 'x' })).toMatch(/field id: does not fit Avro schema P/);
  });

  it('infer() widens over samples instead of coercing', () => {
    const s = S.infer([{ n: 1 }, { n: 2.5 }]);
    expect(s.check({ n: 2.5 })).toBeUndefined();
    expect(s.decode(s.encode({ n: 2.5 }))).toEqual({ n: 2.5 });
    expect(() => S.infer([])).toThrow(/no samples/);
  });
});
