/**
 * Failures on the local runtime: pipelines that cannot run (PipelineError, as Spark's
 * IllegalArgumentException from window/slide checks and from combining streams of
 * different slides) and user functions that throw (UserFunctionError, or dead letters).
 */
import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { PipelineError, UserFunctionError } from '../../src/errors.js';
import type { DeadLetter } from '../../src/io/connector.js';
import type { State } from '../../src/dsl/state.js';
import { pair } from '../../src/dsl/stream.js';
import { millis, seconds } from '../../src/time/duration.js';
import { runBatches, runBatches2 } from '../../src/testing/index.js';

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the run to fail');
}

describe('pipeline errors (local)', () => {
  it('window duration not a multiple of the batch interval names the window', async () => {
    const e = await rejection(runBatches([[1]], (s) => s.window(millis(1500), seconds(1))));
    expect(e).toBeInstanceOf(PipelineError);
    expect((e as PipelineError).site.operator).toBe('window#1');
    expect(e.message).toContain('window#1');
  });

  it('slide duration not a multiple of the batch interval names the window', async () => {
    const e = await rejection(runBatches([[1]], (s) => s.map((x) => x).window(seconds(4), millis(2500))));
    expect(e).toBeInstanceOf(PipelineError);
    expect(e.message).toContain('window#2');
  });

  it('reduceByKeyAndWindow window not a multiple of the parent slide', async () => {
    const e = await rejection(
      runBatches([[pair('a', 1)]], (s) => s.window(seconds(2), seconds(2)).reduceByKeyAndWindow((a, b) => a + b, seconds(3), seconds(2))),
    );
    expect(e).toBeInstanceOf(PipelineError);
    expect(e.message).toContain('reduceByKeyAndWindow#2');
  });

  it('union of streams with different slides', async () => {
    const e = await rejection(runBatches([[1]], (s) => s.window(seconds(2), seconds(2)).union(s)));
    expect(e).toBeInstanceOf(PipelineError);
    expect((e as PipelineError).site.operator).toBe('union#2');
  });

  it('join of streams with different slides', async () => {
    const e = await rejection(
      runBatches2([[pair('a', 1)]], [[pair('a', 'x')]], (a, b) => a.join(b.window(seconds(2), seconds(2)))),
    );
    expect(e).toBeInstanceOf(PipelineError);
    expect((e as PipelineError).site.operator).toBe('join#3');
  });
});

describe('user function errors (local)', () => {
  it('a throwing map fails the run with UserFunctionError naming operator and record', async () => {
    const e = await rejection(
      runBatches([[1, 2], [3, 4]], (s) => s.map((x) => { if (x === 3) throw new Error('three'); return x; })),
    );
    expect(e).toBeInstanceOf(UserFunctionError);
    const u = e as UserFunctionError;
    expect(u.site.operator).toBe('map#1');
    expect(u.site.batchTime).toBe(2000);
    expect(u.record).toBe(3);
    expect(u.message).toContain('three');
  });

  it('a throwing reduceByKey names reduceByKey', async () => {
    const e = await rejection(
      runBatches([[pair('a', 1), pair('a', 2)]], (s) => s.reduceByKey(() => { throw new Error('nope'); })),
    );
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as UserFunctionError).site.operator).toBe('reduceByKey#1');
  });

  it('updating the state of a timing-out key fails (Spark: IllegalArgumentException)', async () => {
    const fn = (_k: string, v: O.Option<number>, st: State<number>): O.Option<number> => {
      st.update(O.getOrElse(() => 0)(v));
      return O.none;
    };
    const e = await rejection(
      runBatches([[pair('a', 1)], [], [], []], (s) => s.mapWithState({ fn, timeout: seconds(1) })),
    );
    expect(e).toBeInstanceOf(UserFunctionError);
    expect((e as UserFunctionError).site.operator).toBe('mapWithState#1');
    expect(e.message).toContain('timing out');
  });

  it("{ onError: 'deadLetter' } sends the record to the dead letters and goes on", async () => {
    let dead: DeadLetter[] = [];
    const out = await runBatches(
      [['1', 'x', '3'], ['4']],
      (s) => s.map((r) => { const n = Number(r); if (Number.isNaN(n)) throw new Error(`not a number: ${r}`); return n; }, { onError: 'deadLetter' }),
      { inspect: (r) => { dead = r.deadLetters; } },
    );
    expect(out).toEqual([[1, 3], [4]]);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ origin: 'map#1', raw: 'x', batchTime: 1000 });
    expect(dead[0].reason).toContain('not a number: x');
  });

  it("{ onError: 'deadLetter' } on filter, mapValues and flatMapValues", async () => {
    let dead: DeadLetter[] = [];
    const failOn = (bad: number) => (v: number): number => { if (v === bad) throw new Error(`bad value ${v}`); return v; };
    const [f1, f2, f3] = [failOn(-1), failOn(-2), failOn(-30)];
    const out = await runBatches(
      [[pair('a', 1), pair('b', -1), pair('c', -2)], [pair('d', 2), pair('e', -3)]],
      (s) =>
        s.filter(([, v]) => f1(v) !== 0, { onError: 'deadLetter' })
          .mapValues((v) => f2(v) * 10, { onError: 'deadLetter' })
          .flatMapValues((v) => [f3(v)], { onError: 'deadLetter' }),
      { inspect: (r) => { dead = r.deadLetters; } },
    );
    expect(out).toEqual([[['a', 10]], [['d', 20]]]);
    expect(dead.map((d) => [d.origin, d.batchTime])).toEqual([['filter#1', 1000], ['mapValues#2', 1000], ['flatMapValues#3', 2000]]);
  });
});
