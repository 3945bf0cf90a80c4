import * as O from 'fp-ts/lib/Option.js';
import type { Option } from 'fp-ts/lib/Option.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Pipeline, PipelineError, S, seconds, Sources, type Stream } from '../../src/index.js';

function pairs(p = Pipeline.create('state-types', { batchInterval: seconds(1) })): Stream<readonly [string, number]> {
  return p.source(Sources.batches<readonly [string, number]>([]));
}

describe('types: declared state schemas', () => {
  it('updateStateByKey takes its state type from `state`, without annotations', () => {
    const out = pairs().updateStateByKey((vs, s) => O.some(vs.length + O.getOrElse(() => 0)(s)), { state: S.long() });
    expectTypeOf(out).toEqualTypeOf<Stream<readonly [string, number]>>();
    const named = pairs().updateStateByKey((vs, s) => O.some({ n: vs.length, last: O.isSome(s) ? s.value.last : '' }), {
      state: S.record('Acc', { n: S.long(), last: S.string() }),
      initial: [['a', { n: 1, last: 'x' }]],
    });
    expectTypeOf(named).toEqualTypeOf<Stream<readonly [string, { n: number; last: string }]>>();
    // @ts-expect-error the state is declared a long: f cannot return a string
    pairs().updateStateByKey((vs, _s) => O.some(String(vs.length)), { state: S.long() });
    // @ts-expect-error the initial state must fit the declared schema
    pairs().updateStateByKey((vs, s) => O.some(vs.length + O.getOrElse(() => 0)(s)), { state: S.long(), initial: [['a', 'one']] });
    // Without a schema the state type is still inferred from f.
    const inferred = pairs().updateStateByKey((vs: number[], s: Option<string>) => O.some(`${vs.length}${O.getOrElse(() => '')(s)}`));
    expectTypeOf(inferred).toEqualTypeOf<Stream<readonly [string, string]>>();
  });

  it('mapWithState takes its state type from `state`, without annotations', () => {
    const out = pairs().mapWithState({
      fn: (k, v, st) => {
        expectTypeOf(st.get()).toEqualTypeOf<number>();
        st.update((st.exists() ? st.get() : 0) + O.getOrElse(() => 0)(v));
        return O.some([k, st.get()] as const);
      },
      state: S.long(),
    });
    expectTypeOf(out.stateSnapshots()).toEqualTypeOf<Stream<readonly [string, number]>>();
    pairs().mapWithState({
      state: S.long(),
      fn: (k, _v, st) => {
        // @ts-expect-error the state is declared a long
        st.update('x');
        return O.some(k);
      },
    });
  });

  it('the declared schema goes into the plan; a non-schema is refused naming the operator', () => {
    const p = Pipeline.create('state-types', { batchInterval: seconds(1) });
    pairs(p).updateStateByKey((vs, st) => O.some(vs.length + O.getOrElse(() => 0)(st)), { state: S.long(), name: 'counts' }).print();
    const node = p.plan().nodes.find((n) => n.kind === 'updateStateByKey') as unknown as { state: { schema?: unknown } };
    expect(node.state.schema).toBe('long');
    expect(() => pairs().updateStateByKey((vs) => O.some(vs.length), { state: 'long' as never })).toThrow(PipelineError);
    expect(() => pairs().updateStateByKey((vs) => O.some(vs.length), { state: 'long' as never })).toThrow(/updateStateByKey: state must be a schema/);
  });
});
