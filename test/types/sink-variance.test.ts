/**
 * Type tests of sinks: a `Sink<T>` is contravariant in `T`. Compiled by `tsc --noEmit -p .`
 * (part of `npm test`); a `// @ts-expect-error` line that compiles fails the type check.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Pipeline, Sinks, Sources, isSome, none, seconds, some, type Option, type Sink } from '../../src/index.js';

interface Id { id: number }
interface Named { id: number; name: string }

function streams() {
  const p = Pipeline.create('sink-types', { batchInterval: seconds(1) });
  return { ids: p.source(Sources.batches<Id>([])), named: p.source(Sources.batches<Named>([])), words: p.source(Sources.batches<string>([])) };
}

describe('types: Sink<T> is contravariant in T', () => {
  it('a sink of a record type with more fields than the stream has does not compile', () => {
    const { ids } = streams();
    const namedSink = Sinks.collect<Named>();
    // @ts-expect-error the records of `ids` have no `name`
    ids.to(namedSink);
    // @ts-expect-error the same through a plain Sink<Named>
    ids.to(namedSink as Sink<Named>);
    // @ts-expect-error a sink of strings on a stream of records
    ids.to(Sinks.collect<string>());
    expectTypeOf<Sink<Named>>().not.toMatchTypeOf<Sink<Id>>();
  });

  it('a sink of a wider type (fewer fields, unknown, a union) takes a narrower stream', () => {
    const { ids, named, words } = streams();
    named.to(Sinks.collect<Id>() as Sink<Id>);
    named.to(Sinks.jsonLines<unknown>('out/x'));
    words.to(Sinks.collect<string | number>() as Sink<string | number>);
    ids.to(Sinks.foreachBatch((records: readonly { id: number }[]) => void records.length));
    expectTypeOf<Sink<Id>>().toMatchTypeOf<Sink<Named>>();
    expectTypeOf<Sink<unknown>>().toMatchTypeOf<Sink<Named>>();
  });

  it("a sink's writer is contravariant too", () => {
    const write = (records: readonly Named[]) => void records;
    // @ts-expect-error a writer of Named cannot write Ids
    const bad: ReturnType<Sink<Id>['open']> = { write, close() {} };
    const good: ReturnType<Sink<Named>['open']> = { write: (records: readonly Id[]) => void records, close() {} };
    expect([bad, good]).toHaveLength(2);
  });
});

describe('types: fp-ts Option is re-exported from sluice', () => {
  it('some, none, isSome and Option work without importing fp-ts', () => {
    const total = (values: number[], state: Option<number>): Option<number> =>
      values.length ? some(values.reduce((a, b) => a + b, isSome(state) ? state.value : 0)) : none;
    expect(total([1, 2], some(3))).toEqual(some(6));
    expect(total([], none)).toEqual(none);
  });
});
