import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import * as S from '../../src/schema/index.js';
import { createBatchCodec, WireError } from '../../src/wire/index.js';
import { parseWire } from './helpers.js';

const Reading = S.record('Reading', {
  sensor: S.string(),
  ts: S.timestampMillis(),
  celsius: S.double(),
  note: S.optional(S.string()),
  battery: S.nullable(S.int()),
});
const edge = 'source#1→map#2';

describe('declared schemas', () => {
  it('encodes with the declared schema, byte for byte what avsc writes', () => {
    const codec = createBatchCodec({ declared: Reading, edge });
    const records = [
      { sensor: 's1', ts: 1_700_000_000_000, celsius: 21.5, note: 'ok', battery: 90 },
      { sensor: 's2', ts: 1_700_000_000_010, celsius: -3, battery: null },
    ];
    const buf = codec.encode(records);
    const wire = parseWire(buf);
    expect(wire.schema).toEqual(Reading.avro);
    expect(codec.schema()).toEqual(Reading.avro);
    const avsc = S.array(Reading).avroType().toBuffer(records.map((r) => ({ note: null, ...r })));
    expect(wire.body.equals(avsc)).toBe(true);
    expect(createBatchCodec({ declared: Reading, edge }).decode(buf)).toStrictEqual(records);
  });

  it('leaves absent optional fields out and keeps nullable nulls', () => {
    const codec = createBatchCodec({ declared: Reading, edge });
    const [r] = codec.decode(codec.encode([{ sensor: 's', ts: 1, celsius: 2, note: undefined, battery: null }])) as Record<string, unknown>[];
    expect(r).toStrictEqual({ sensor: 's', ts: 1, celsius: 2, battery: null });
    expect('note' in r).toBe(false);
  });

  it('rejects a record that does not fit, naming the edge, the record and the field', () => {
    const codec = createBatchCodec({ declared: Reading, edge });
    const good = { sensor: 's', ts: 1, celsius: 2, battery: 1 };
    const cases: [unknown, RegExp][] = [
      [{ ...good, celsius: 'hot' }, /record #1 does not fit the declared schema: field celsius: expected double, got "hot"/],
      [{ ...good, sensor: undefined }, /field sensor: missing \(expected string\)/],
      [{ ...good, ts: 1.5 }, /field ts: expected long \(safe integer\), got 1.5/],
      [{ ...good, battery: 2 ** 31 }, /field battery: expected null \| int \(32-bit integer\), got 2147483648/],
      [['s', 1, 2], /record #1 does not fit the declared schema: expected record Reading, got \["s",1,2\]/],
    ];
    for (const [bad, message] of cases) {
      let err: unknown;
      try { codec.encode([good, bad] as never[]); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(WireError);
      expect((err as WireError).code).toBe('WIRE_SCHEMA_MISMATCH');
      expect((err as WireError).edge).toBe(edge);
      expect((err as Error).message).toMatch(/^edge source#1→map#2: /);
      expect((err as Error).message).toMatch(message);
    }
    expect(codec.schema()).toEqual(Reading.avro); // never widened
  });

  it('drops keys the declared schema does not have, as S schemas do', () => {
    const codec = createBatchCodec({ declared: Reading, edge });
    const out = codec.decode(codec.encode([{ sensor: 's', ts: 1, celsius: 2, battery: 1, extra: 'x' } as never]));
    expect(out).toStrictEqual([{ sensor: 's', ts: 1, celsius: 2, battery: 1 }]);
  });

  it('carries arrays, maps, enums, bytes, floats and nested records', () => {
    const Level = S.enumOf('Level', ['INFO', 'WARN', 'ERROR']);
    const Event = S.record('Event', {
      level: Level,
      tags: S.array(S.string()),
      counts: S.map(S.long()),
      raw: S.bytes(),
      ratio: S.float(),
      day: S.date(),
      id: S.uuid(),
      at: S.optional(S.record('Point', { x: S.double(), y: S.double() })),
    });
    const records = [
      { level: 'WARN', tags: ['a', 'b'], counts: { x: 1, y: 2 ** 40 }, raw: Buffer.from([1, 2]), ratio: 0.5, day: 19000, id: '123e4567-e89b-12d3-a456-426614174000', at: { x: 1, y: 2 } },
      { level: 'INFO', tags: [], counts: {}, raw: Buffer.alloc(0), ratio: -2, day: 0, id: '00000000-0000-0000-0000-000000000000' },
    ];
    const codec = createBatchCodec({ declared: Event, edge });
    const buf = codec.encode(records as never[]);
    expect(createBatchCodec({ edge }).decode(buf)).toStrictEqual(records);
    const avsc = S.array(Event).avroType().toBuffer(records.map((r) => ({ at: null, ...r })));
    expect(parseWire(buf).body.equals(avsc)).toBe(true);
    expect(() => codec.encode([{ ...records[0], level: 'DEBUG' }] as never[])).toThrow(/field level: expected one of INFO\|WARN\|ERROR, got "DEBUG"/);
  });

  it('takes declared primitive and union schemas', () => {
    const codec = createBatchCodec({ declared: S.nullable(S.long()), edge });
    expect(codec.decode(codec.encode([1, null, 2 ** 50]))).toStrictEqual([1, null, 2 ** 50]);
    expect(() => codec.encode([0.5])).toThrow(/record #0 does not fit the declared schema: expected null \| long \(safe integer\), got 0.5/);
  });

  it('takes schemas read with S.fromAvro, with defaults for missing fields', () => {
    const Any = S.fromAvro<{ id: number; label?: string }>({
      type: 'record', name: 'Thing', namespace: 'com.example',
      fields: [{ name: 'id', type: 'int' }, { name: 'label', type: 'string', default: 'none' }, { name: 'next', type: ['null', 'Thing'], default: null }],
    });
    const codec = createBatchCodec({ declared: Any, edge });
    const out = codec.decode(codec.encode([{ id: 1 }, { id: 2, label: 'x', next: { id: 3, label: 'y' } } as never]));
    expect(out).toStrictEqual([{ id: 1, label: 'none' }, { id: 2, label: 'x', next: { id: 3, label: 'y' } }]);
  });

  it('picks the branch of a union of records by the fields that fit (a Schema S itself cannot build)', () => {
    const json = [
      'null',
      { type: 'record', name: 'Circle', fields: [{ name: 'r', type: 'double' }] },
      { type: 'record', name: 'Rect', fields: [{ name: 'w', type: 'double' }, { name: 'h', type: 'double' }] },
      'string',
    ];
    const wrapped = avro.Type.forSchema({ type: 'array', items: json } as avro.Schema, { wrapUnions: true });
    const Shape = { avro: json, avroType: () => avro.Type.forSchema(json as avro.Schema, { wrapUnions: true }) } as unknown as S.Schema<unknown>;
    const codec = createBatchCodec({ declared: Shape, edge });
    const records = [{ r: 1 }, { w: 2, h: 3 }, null, 'label'];
    const buf = codec.encode(records);
    expect(createBatchCodec({ edge }).decode(buf)).toStrictEqual(records);
    expect(parseWire(buf).body.equals(wrapped.toBuffer([{ Circle: { r: 1 } }, { Rect: { w: 2, h: 3 } }, null, { string: 'label' }]))).toBe(true);
    expect(() => codec.encode([{ q: 1 }])).toThrow(/record #0 does not fit the declared schema: expected null \| record Circle \| record Rect \| string, got \{"q":1\}/);
  });

  it('refuses a declared schema in the wire codec’s own namespace', () => {
    const Evil = S.fromAvro({ type: 'record', name: 'sluice.wire.Tuple_0', fields: [{ name: '_0', type: 'int' }] });
    expect(() => createBatchCodec({ declared: Evil, edge })).toThrow(/edge source#1→map#2: the declared schema cannot be used: .*sluice\.wire namespace/);
  });
});
