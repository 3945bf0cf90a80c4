/**
 * updateStateByKey, ported from Spark's BasicOperationsSuite ("updateStateByKey",
 * "… simple with initial value RDD", "… with initial value RDD", "… object lifecycle").
 * Spark's `null` input batches (no RDD) are empty batches here. Not ported: "testing time
 * stamps as input" (our update function is not given the batch time).
 */
import * as O from 'fp-ts/lib/Option.js';
import { pair } from '../../../src/dsl/stream.js';
import type { Stream } from '../../../src/dsl/stream.js';
import { seconds } from '../../../src/time/duration.js';
import type { ConformanceCase } from '../case.js';
import { runningCountInput as input, runningCounts } from '../spark-vectors.js';

/** Spark's `Some(values.sum + state.getOrElse(0))`. */
const runningSum = (vs: number[], s: O.Option<number>): O.Option<number> => O.some(vs.reduce((a, b) => a + b, O.getOrElse(() => 0)(s)));

/** The state of the object-lifecycle test: a count, and how often it was seen without values. */
interface StateObject { counter: number; expireCounter: number }

/** Spark's lifecycle function: mutates the state object; drops it when seen twice in a row without values. */
function lifecycle(vs: number[], s: O.Option<StateObject>): O.Option<StateObject> {
  const st = O.isSome(s) ? s.value : { counter: 0, expireCounter: 0 };
  const n = vs.reduce((a, b) => a + b, 0);
  if (n === 0) st.expireCounter += 1;
  else { st.counter += n; st.expireCounter = 0; }
  return st.expireCounter === 2 ? O.none : O.some(st);
}

export const cases: ConformanceCase[] = [
  {
    name: 'updateStateByKey',
    input,
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).updateStateByKey(runningSum),
    expected: runningCounts,
  },
  {
    // Spark's two initial-value tests (plain and iterator update function) share these vectors.
    name: 'updateStateByKey - with initial value RDD',
    input,
    build: (s: Stream<string>) =>
      s.map((x) => pair(x, 1)).updateStateByKey(runningSum, { initial: [pair('a', 1), pair('c', 2)] }),
    expected: [
      [['a', 2], ['c', 2]],
      [['a', 3], ['b', 1], ['c', 2]],
      [['a', 4], ['b', 2], ['c', 3]],
      [['a', 5], ['b', 3], ['c', 3]],
      [['a', 6], ['b', 3], ['c', 3]],
      [['a', 6], ['b', 3], ['c', 3]],
    ],
  },
  {
    name: 'updateStateByKey - object lifecycle',
    input: [['a', 'b'], [], ['a', 'c', 'a'], ['c'], [], []],
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).updateStateByKey(lifecycle).mapValues((st) => st.counter),
    expected: [[['a', 1], ['b', 1]], [['a', 1], ['b', 1]], [['a', 3], ['c', 1]], [['a', 3], ['c', 2]], [['c', 2]], []],
  },
  {
    // Derived: returning none removes the key; it starts afresh when it comes back.
    name: 'updateStateByKey - none removes the key',
    input: [['a', 'b'], ['a'], ['b'], ['b']],
    build: (s: Stream<string>) =>
      s.map((x) => pair(x, 1)).updateStateByKey((vs: number[], st: O.Option<number>) => {
        const n = vs.length + O.getOrElse(() => 0)(st);
        return n >= 2 ? O.none : O.some(n);
      }),
    // a: 1, 2 → removed; b: 1, 1 (no values), 2 → removed, then 1 again.
    expected: [[['a', 1], ['b', 1]], [['b', 1]], [], [['b', 1]]],
  },
  {
    // Derived: f is called for every key with state each batch, with no values when the
    // key had none (Spark's cogroup of state and batch).
    name: 'updateStateByKey - keys without new values see an empty list',
    input: [['a'], [], ['a', 'a']],
    build: (s: Stream<string>) =>
      s.map((x) => pair(x, 1)).updateStateByKey((vs: number[], st: O.Option<number[]>) => O.some([...O.getOrElse((): number[] => [])(st), vs.length])),
    expected: [[['a', [1]]], [['a', [1, 0]]], [['a', [1, 0, 2]]]],
  },
  {
    // Ours (Spark has no TTL): a key without new values for the TTL is dropped without
    // calling f; a key that gets values again starts afresh.
    name: 'updateStateByKey - ttl drops idle keys',
    input: [['a', 'b'], ['a'], ['a'], ['b'], ['a']],
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).updateStateByKey(runningSum, { ttl: seconds(2) }),
    // b last had values at 1 s: kept at 2 s, dropped at 3 s (idle for 2 s), new at 4 s.
    expected: [[['a', 1], ['b', 1]], [['a', 2], ['b', 1]], [['a', 3]], [['a', 3], ['b', 1]], [['a', 4], ['b', 1]]],
  },
  {
    // Derived: state over a windowed stream is updated at the window's slide only.
    name: 'updateStateByKey over a windowed stream',
    input: [['a'], ['a'], ['b'], []],
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).window(seconds(2), seconds(2)).updateStateByKey(runningSum),
    expected: [[['a', 2]], [['a', 2], ['b', 1]]],
  },
];
