import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  millis, Pipeline, PipelineError, seconds, session, sliding, Sources, tumbling,
  type Aggregator, type EventStream, type KeyedStream, type Stream, type Windowed, type WindowedResultStream, type WindowedStream,
} from '../../src/index.js';

interface Click {
  readonly user: string;
  readonly ts: number;
  readonly page: string;
}

function clicks(): Stream<Click> {
  const p = Pipeline.create('types', { batchInterval: seconds(1) });
  return p.source(Sources.batches<Click>([]));
}

const pages: Aggregator<Click, Set<string>, number> = {
  create: () => new Set(),
  add: (acc, c) => new Set(acc).add(c.page),
  merge: (a, b) => new Set([...a, ...b]),
  result: (acc) => acc.size,
};

describe('types: event time', () => {
  it('keyBy exists only after withEventTime', () => {
    const s = clicks();
    // the runtime agrees: there is no keyBy to call
    expect(() => {
      // @ts-expect-error a plain stream has no event time: call withEventTime first
      s.keyBy((c: Click) => c.user);
    }).toThrow(TypeError);
    const timed = s.withEventTime((c) => c.ts, { watermarkDelay: seconds(5) });
    expectTypeOf(timed).toEqualTypeOf<EventStream<Click>>();
    expectTypeOf(timed.keyBy((c) => c.user)).toEqualTypeOf<KeyedStream<string, Click>>();
    expect(() => {
      // @ts-expect-error map drops event time: its result is a plain Stream
      timed.map((c) => c).keyBy((c: Click) => c.user);
    }).toThrow(TypeError);
    expect(typeof timed.keyBy).toBe('function');
    expect((s as unknown as { keyBy?: unknown }).keyBy).toBeUndefined();
  });

  it('the timestamp function must return a number', () => {
    const s = clicks();
    // @ts-expect-error a string is not an event time
    s.withEventTime((c) => c.page, { watermarkDelay: seconds(5) });
    // @ts-expect-error the watermark delay is a Duration, not a bare number
    s.withEventTime((c) => c.ts, { watermarkDelay: 5000 });
    expect(() => {
      // @ts-expect-error the watermark delay is required
      s.withEventTime((c) => c.ts, {});
    }).toThrow(/withEventTime: pass \{ watermarkDelay \}/);
  });

  it('window aggregations give Windowed results of the key, the value and the late records’ type', () => {
    const keyed = clicks().withEventTime((c) => c.ts, { watermarkDelay: seconds(5) }).keyBy((c) => c.user);
    expectTypeOf(keyed.window(tumbling(seconds(10)))).toEqualTypeOf<WindowedStream<string, Click>>();
    const counted = keyed.window(tumbling(seconds(10))).count();
    expectTypeOf(counted).toEqualTypeOf<WindowedResultStream<string, number, Click>>();
    expectTypeOf(counted).toMatchTypeOf<Stream<Windowed<string, number>>>();
    expectTypeOf(counted.lateRecords()).toEqualTypeOf<Stream<Click>>();
    expectTypeOf(keyed.window(sliding(seconds(10), seconds(5))).reduce((a, b) => (a.ts > b.ts ? a : b))).toEqualTypeOf<WindowedResultStream<string, Click, Click>>();
    expectTypeOf(keyed.window(session(seconds(30))).aggregate(pages)).toEqualTypeOf<WindowedResultStream<string, number, Click>>();
    expectTypeOf(counted.map((w) => w.value)).toEqualTypeOf<Stream<number>>();
    expectTypeOf<Windowed<string, number>>().toEqualTypeOf<{ readonly key: string; readonly start: number; readonly end: number; readonly value: number }>();
  });

  it('composite keys keep their type', () => {
    const keyed = clicks().withEventTime((c) => c.ts, { watermarkDelay: seconds(5) }).keyBy((c) => ({ user: c.user, page: c.page }));
    expectTypeOf(keyed.window(tumbling(seconds(10))).count().map((w) => w.key.page)).toEqualTypeOf<Stream<string>>();
  });

  it('aggregators and reducers must fit the record type', () => {
    const windowed = clicks().withEventTime((c) => c.ts, { watermarkDelay: seconds(5) }).keyBy((c) => c.user).window(tumbling(seconds(10)));
    const numbers: Aggregator<number, number, number> = { create: () => 0, add: (a, n) => a + n, result: (a) => a };
    // @ts-expect-error the aggregator adds numbers, the records are clicks
    windowed.aggregate(numbers);
    // @ts-expect-error reduce must return a click
    windowed.reduce((a, b) => a.ts + b.ts);
    expect(() =>
      // @ts-expect-error not a window assigner
      clicks().withEventTime((c) => c.ts, { watermarkDelay: seconds(5) }).keyBy((c) => c.user).window(seconds(10)),
    ).toThrow(PipelineError);
    // @ts-expect-error allowedLateness takes a Duration
    windowed.allowedLateness(1000);
    expect(true).toBe(true);
  });

  it('aggregate over session windows requires merge — a runtime (build-time) error, as merge is optional in the type', () => {
    const keyed = clicks().withEventTime((c) => c.ts, { watermarkDelay: seconds(5) }).keyBy((c) => c.user);
    const noMerge: Aggregator<Click, number, number> = { create: () => 0, add: (a) => a + 1, result: (a) => a };
    expect(() => keyed.window(session(seconds(30))).aggregate(noMerge)).toThrow(PipelineError);
    expect(() => keyed.window(session(seconds(30))).aggregate(noMerge)).toThrow(/needs merge\(a, b\)/);
    expect(() => keyed.window(tumbling(millis(10))).aggregate(noMerge)).not.toThrow();
  });

  it('window state takes a name but no ttl (a window drops its state when it closes)', () => {
    const windowed = clicks().withEventTime((c) => c.ts, { watermarkDelay: seconds(0) }).keyBy((c) => c.user).window(tumbling(seconds(10)));
    expectTypeOf(windowed.named('clicks')).toEqualTypeOf<WindowedStream<string, Click>>();
    // @ts-expect-error ttl does not apply to window state
    windowed.named('clicks', { ttl: seconds(60) });
    const pairs = clicks().map((c) => [c.user, 1] as [string, number]);
    // @ts-expect-error ttl does not apply to window state
    pairs.reduceByKeyAndWindow((a, b) => a + b, seconds(10), seconds(10), { ttl: seconds(60) });
    pairs.reduceByKeyAndWindow((a, b) => a + b, seconds(10), seconds(10), { name: 'per-user' });
  });
});
