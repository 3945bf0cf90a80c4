/**
 * Type tests of the Stream DSL: compiled by `tsc --noEmit -p .` (part of `npm test`) and
 * executed by vitest. A `// @ts-expect-error` line that compiles fails the type check.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Option } from 'fp-ts/lib/Option.js';
import * as O from 'fp-ts/lib/Option.js';
import { pair, Pipeline, seconds, Sources, StaticTable, type MapWithStateStream, type State, type Stream } from '../../src/index.js';

function streams() {
  const p = Pipeline.create('types', { batchInterval: seconds(1) });
  return {
    words: p.source(Sources.batches<string>([])),
    arrays: p.source(Sources.batches<number[]>([])),
    mutablePairs: p.source(Sources.batches<[string, number]>([])),
    counts: p.source(Sources.batches<readonly [string, number]>([])),
    flags: p.source(Sources.batches<readonly [string, boolean]>([])),
    numKeyed: p.source(Sources.batches<readonly [number, string]>([])),
  };
}

const table = StaticTable.fromMap(new Map<string, { tier: string }>());
const sum = (a: number, b: number) => a + b;

describe('types: pair-only operators', () => {
  it('do not compile on a Stream<string>', () => {
    const { words, counts } = streams();
    // @ts-expect-error groupByKey needs pairs
    words.groupByKey();
    // @ts-expect-error reduceByKey needs pairs
    words.reduceByKey((a: string, b: string) => a + b);
    // @ts-expect-error mapValues needs pairs
    words.mapValues((v: string) => v.length);
    // @ts-expect-error flatMapValues needs pairs
    words.flatMapValues((v: string) => [v]);
    // @ts-expect-error reduceByKeyAndWindow needs pairs
    words.reduceByKeyAndWindow((a: string, b: string) => a + b, seconds(2));
    // @ts-expect-error groupByKeyAndWindow needs pairs
    words.groupByKeyAndWindow(seconds(2));
    // @ts-expect-error join needs pairs
    words.join(counts);
    // @ts-expect-error leftOuterJoin needs pairs
    words.leftOuterJoin(counts);
    // @ts-expect-error rightOuterJoin needs pairs
    words.rightOuterJoin(counts);
    // @ts-expect-error fullOuterJoin needs pairs
    words.fullOuterJoin(counts);
    // @ts-expect-error cogroup needs pairs
    words.cogroup(counts);
    // @ts-expect-error updateStateByKey needs pairs
    words.updateStateByKey((vs: string[], s: Option<number>) => s);
    // @ts-expect-error mapWithState needs pairs
    words.mapWithState({ fn: (k: string, v: Option<string>, s: State<number>) => O.none });
    // @ts-expect-error joinStatic needs pairs
    words.joinStatic(table);
    // @ts-expect-error leftJoinStatic needs pairs
    words.leftJoinStatic(table);
    expect(true).toBe(true);
  });

  it('do not compile on a Stream<number[]> (an array is not a pair)', () => {
    const { arrays, counts } = streams();
    // @ts-expect-error groupByKey needs pairs
    arrays.groupByKey();
    // @ts-expect-error reduceByKey needs pairs
    arrays.reduceByKey((a: number, b: number) => a + b);
    // @ts-expect-error mapValues needs pairs
    arrays.mapValues((v: number) => v);
    // @ts-expect-error flatMapValues needs pairs
    arrays.flatMapValues((v: number) => [v]);
    // @ts-expect-error reduceByKeyAndWindow needs pairs
    arrays.reduceByKeyAndWindow(sum, seconds(2));
    // @ts-expect-error groupByKeyAndWindow needs pairs
    arrays.groupByKeyAndWindow(seconds(2));
    // @ts-expect-error join needs pairs
    arrays.join(counts);
    // @ts-expect-error leftOuterJoin needs pairs
    arrays.leftOuterJoin(counts);
    // @ts-expect-error rightOuterJoin needs pairs
    arrays.rightOuterJoin(counts);
    // @ts-expect-error fullOuterJoin needs pairs
    arrays.fullOuterJoin(counts);
    // @ts-expect-error cogroup needs pairs
    arrays.cogroup(counts);
    // @ts-expect-error updateStateByKey needs pairs
    arrays.updateStateByKey((vs: number[], s: Option<number>) => s);
    // @ts-expect-error mapWithState needs pairs
    arrays.mapWithState({ fn: (k: number, v: Option<number>, s: State<number>) => O.none });
    // @ts-expect-error joinStatic needs pairs
    arrays.joinStatic(table);
    // @ts-expect-error leftJoinStatic needs pairs
    arrays.leftJoinStatic(table);
    expect(true).toBe(true);
  });

  it('compile on readonly and mutable pairs alike', () => {
    const { mutablePairs, counts } = streams();
    expectTypeOf(mutablePairs.reduceByKey(sum)).toEqualTypeOf<Stream<readonly [string, number]>>();
    expectTypeOf(counts.reduceByKey(sum)).toEqualTypeOf<Stream<readonly [string, number]>>();
    expectTypeOf(mutablePairs.join(counts)).toEqualTypeOf<Stream<readonly [string, readonly [number, number]]>>();
  });

  it('a join needs the same key type on both sides', () => {
    const { counts, numKeyed } = streams();
    // @ts-expect-error string keys joined with number keys
    counts.join(numKeyed);
    // @ts-expect-error string keys cogrouped with number keys
    counts.cogroup(numKeyed);
    // @ts-expect-error a table keyed by string for a stream keyed by number
    numKeyed.joinStatic(table);
    expect(true).toBe(true);
  });
});

describe('types: result types', () => {
  it('per-batch pair operators', () => {
    const { counts } = streams();
    expectTypeOf(counts.groupByKey()).toEqualTypeOf<Stream<readonly [string, number[]]>>();
    expectTypeOf(counts.reduceByKey(sum)).toEqualTypeOf<Stream<readonly [string, number]>>();
    expectTypeOf(counts.mapValues((n) => n > 1)).toEqualTypeOf<Stream<readonly [string, boolean]>>();
    expectTypeOf(counts.flatMapValues((n) => [String(n)])).toEqualTypeOf<Stream<readonly [string, string]>>();
    expectTypeOf(counts.reduceByKeyAndWindow(sum, seconds(4), seconds(2), { inverse: (a, b) => a - b })).toEqualTypeOf<Stream<readonly [string, number]>>();
    expectTypeOf(counts.groupByKeyAndWindow(seconds(4))).toEqualTypeOf<Stream<readonly [string, number[]]>>();
  });

  it('joins', () => {
    const { counts, flags } = streams();
    expectTypeOf(counts.join(flags)).toEqualTypeOf<Stream<readonly [string, readonly [number, boolean]]>>();
    expectTypeOf(counts.leftOuterJoin(flags)).toEqualTypeOf<Stream<readonly [string, readonly [number, Option<boolean>]]>>();
    expectTypeOf(counts.rightOuterJoin(flags)).toEqualTypeOf<Stream<readonly [string, readonly [Option<number>, boolean]]>>();
    expectTypeOf(counts.fullOuterJoin(flags)).toEqualTypeOf<Stream<readonly [string, readonly [Option<number>, Option<boolean>]]>>();
    expectTypeOf(counts.cogroup(flags)).toEqualTypeOf<Stream<readonly [string, readonly [number[], boolean[]]]>>();
    expectTypeOf(counts.joinStatic(table)).toEqualTypeOf<Stream<readonly [string, readonly [number, { tier: string }]]>>();
    expectTypeOf(counts.leftJoinStatic(table)).toEqualTypeOf<Stream<readonly [string, readonly [number, Option<{ tier: string }>]]>>();
    // the joined value is a readonly tuple: it cannot be written to
    counts.join(flags).map(([, vw]) => {
      // @ts-expect-error readonly
      vw[0] = 1;
      return vw;
    });
  });

  it('whole-batch aggregates', () => {
    const { words } = streams();
    expectTypeOf(words.countByValue()).toEqualTypeOf<Stream<readonly [string, number]>>();
    expectTypeOf(words.count()).toEqualTypeOf<Stream<number>>();
    expectTypeOf(words.countByWindow(seconds(2))).toEqualTypeOf<Stream<number>>();
    expectTypeOf(words.countByValueAndWindow(seconds(2))).toEqualTypeOf<Stream<readonly [string, number]>>();
    expectTypeOf(words.reduce((a, b) => a + b)).toEqualTypeOf<Stream<string>>();
    expectTypeOf(words.window(seconds(2))).toEqualTypeOf<Stream<string>>();
  });

  it('state', () => {
    const { counts } = streams();
    const totals = counts.updateStateByKey((vs, s: Option<number>) => O.some(vs.reduce(sum, O.getOrElse(() => 0)(s))));
    expectTypeOf(totals).toEqualTypeOf<Stream<readonly [string, number]>>();
    const tracked = counts.mapWithState({
      fn: (key: string, v: Option<number>, state: State<{ n: number }>) => {
        state.update({ n: (state.exists() ? state.get().n : 0) + O.getOrElse(() => 0)(v) });
        return O.some(`${key}:${state.get().n}`);
      },
    });
    expectTypeOf(tracked).toEqualTypeOf<MapWithStateStream<string, { n: number }, string>>();
    expectTypeOf(tracked).toMatchTypeOf<Stream<string>>();
    expectTypeOf(tracked.stateSnapshots()).toEqualTypeOf<Stream<readonly [string, { n: number }]>>();
  });

  it('state functions are checked against the value type', () => {
    const { counts } = streams();
    // @ts-expect-error values are numbers, not strings
    counts.updateStateByKey((vs: string[], s: Option<string>) => s);
    // @ts-expect-error the key is a string
    counts.mapWithState({ fn: (key: number, v: Option<number>, s: State<number>) => O.none });
    expect(true).toBe(true);
  });
});

describe('types: functions must fit the record type', () => {
  it('reduceByKey with a function of the wrong value type fails', () => {
    const { counts } = streams();
    // @ts-expect-error values are numbers
    counts.reduceByKey((a: string, b: string) => a + b);
    // @ts-expect-error must return the value type
    counts.reduceByKey((a, b) => `${a}${b}`);
    // @ts-expect-error values are numbers
    counts.reduceByKeyAndWindow((a: string, b: string) => a + b, seconds(2));
    // @ts-expect-error values are numbers
    counts.mapValues((v: string) => v.length);
    expect(true).toBe(true);
  });

  it('map, flatMap and reduce see the record type', () => {
    const { words } = streams();
    expectTypeOf(words.map((w) => w.length)).toEqualTypeOf<Stream<number>>();
    expectTypeOf(words.flatMap((w) => w.split(''))).toEqualTypeOf<Stream<string>>();
    // @ts-expect-error words are strings
    words.map((w: number) => w);
    // @ts-expect-error reduce must keep the type
    words.reduce((a, b) => a.length + b.length);
    // @ts-expect-error union of different record types
    words.union(words.map((w) => w.length));
    expect(true).toBe(true);
  });

  it('filter with a type guard narrows; with a boolean it keeps the type', () => {
    const p = Pipeline.create('types', { batchInterval: seconds(1) });
    const mixed = p.source(Sources.batches<string | number>([]));
    expectTypeOf(mixed.filter((x): x is string => typeof x === 'string')).toEqualTypeOf<Stream<string>>();
    expectTypeOf(mixed.filter((x) => x !== '')).toEqualTypeOf<Stream<string | number>>();
    const maybe = p.source(Sources.batches<{ id: string; email?: string }>([]));
    const withEmail = maybe.filter((u): u is { id: string; email: string } => u.email !== undefined);
    expectTypeOf(withEmail.map((u) => u.email)).toEqualTypeOf<Stream<string>>();
  });

  it('pair() widens both types, unlike as const', () => {
    expectTypeOf(pair('a', 1)).toEqualTypeOf<readonly [string, number]>();
    expectTypeOf(pair(true, 'x' as const)).toEqualTypeOf<readonly [boolean, 'x']>();
    const { words } = streams();
    expectTypeOf(words.map((w) => pair(w, 1))).toEqualTypeOf<Stream<readonly [string, number]>>();
    expectTypeOf(words.map((w) => [w, 1] as const)).toEqualTypeOf<Stream<readonly [string, 1]>>();
    // with pair() the counts can be summed; with `as const` the value type is the literal 1
    words.map((w) => pair(w, 1)).reduceByKey((a, b) => a + b);
    // @ts-expect-error a + b is a number, not the literal 1
    words.map((w) => [w, 1] as const).reduceByKey((a, b) => a + b);
    expect(pair('a', 1)).toEqual(['a', 1]);
  });
});
