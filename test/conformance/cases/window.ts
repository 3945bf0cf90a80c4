/**
 * Processing-time windows, ported from Spark's WindowOperationsSuite (batch interval 1 s;
 * window 2 s and slide 1 s unless a case says otherwise; numBatches = expected outputs ×
 * slide / batch interval, as there). Spark compares every batch as a set there, so no
 * case here is ordered. Cases marked "derived" are not in Spark's suite: their expected
 * output was worked out by hand from Spark's definitions.
 */
import { pair } from '../../../src/dsl/stream.js';
import type { Stream } from '../../../src/dsl/stream.js';
import { seconds } from '../../../src/time/duration.js';
import type { ConformanceCase } from '../case.js';

type KV = readonly [string, number];

const largerSlideInput = [[['a', 1]], [['a', 2]], [['a', 3]], [['a', 4]], [['a', 5]], [['a', 6]], [], []];
const largerSlideReduceOutput = [[['a', 3]], [['a', 10]], [['a', 18]], [['a', 11]]];

/** Spark's bigInput and bigGroupByOutput are the same six batches twice. */
const bigInputCycle = [[['a', 1]], [['a', 1], ['b', 1]], [['a', 1], ['b', 1], ['c', 1]], [['a', 1], ['b', 1]], [['a', 1]], []];
const bigInput = [...bigInputCycle, ...bigInputCycle];

const bigGroupByCycle = [
  [['a', [1]]],
  [['a', [1, 1]], ['b', [1]]],
  [['a', [1, 1]], ['b', [1, 1]], ['c', [1]]],
  [['a', [1, 1]], ['b', [1, 1]], ['c', [1]]],
  [['a', [1, 1]], ['b', [1]]],
  [['a', [1]]],
];
const bigGroupByOutput = [...bigGroupByCycle, ...bigGroupByCycle];

/** Every value is 1, so the windowed sum of a key is the size of its group. */
const bigReduceOutput = bigGroupByOutput.map((batch) => batch.map(([k, vs]) => [k, (vs as number[]).length]));

/** With an inverse and no filter, keys stay in the window state with value 0 (as Spark). */
const bigReduceInvOutput = [
  [['a', 1]],
  [['a', 2], ['b', 1]],
  [['a', 2], ['b', 2], ['c', 1]],
  [['a', 2], ['b', 2], ['c', 1]],
  [['a', 2], ['b', 1], ['c', 0]],
  [['a', 1], ['b', 0], ['c', 0]],
  [['a', 1], ['b', 0], ['c', 0]],
  [['a', 2], ['b', 1], ['c', 0]],
  [['a', 2], ['b', 2], ['c', 1]],
  [['a', 2], ['b', 2], ['c', 1]],
  [['a', 2], ['b', 1], ['c', 0]],
  [['a', 1], ['b', 0], ['c', 0]],
];

/** a1 … a6 followed by six empty batches, so that the key leaves every window. */
const draining = [[['a', 1]], [['a', 2]], [['a', 3]], [['a', 4]], [['a', 5]], [['a', 6]], [], [], [], [], [], []];

const add = (a: number, b: number): number => a + b;
const sub = (a: number, b: number): number => a - b;

/** The reduceByKeyAndWindow test vectors, run naive, with inverse, and (where Spark does) with inverse and filter. */
interface RbkawVector {
  name: string;
  input: unknown[][];
  expected: unknown[][];
  /** Expected with inverse (no filter), when it differs: keys stay with value 0. */
  expectedInv?: unknown[][];
  windowS?: number;
  slideS?: number;
}

const rbkawVectors: RbkawVector[] = [
  { name: 'basic reduction', input: [[['a', 1], ['a', 3]]], expected: [[['a', 4]]] },
  {
    name: 'key already in window and new value added into window',
    input: [[['a', 1]], [['a', 1]]],
    expected: [[['a', 1]], [['a', 2]]],
  },
  {
    name: 'new key added into window',
    input: [[['a', 1]], [['a', 1], ['b', 1]]],
    expected: [[['a', 1]], [['a', 2], ['b', 1]]],
  },
  {
    name: 'key removed from window',
    input: [[['a', 1]], [['a', 1]], [], []],
    expected: [[['a', 1]], [['a', 2]], [['a', 1]], []],
    expectedInv: [[['a', 1]], [['a', 2]], [['a', 1]], [['a', 0]]],
  },
  { name: 'larger slide time', input: largerSlideInput, expected: largerSlideReduceOutput, windowS: 4, slideS: 2 },
  { name: 'big test', input: bigInput, expected: bigReduceOutput, expectedInv: bigReduceInvOutput },
  // Derived: window 3 s sliding every batch.
  {
    name: 'larger window with small slide (derived)',
    input: largerSlideInput,
    expected: [[['a', 1]], [['a', 3]], [['a', 6]], [['a', 9]], [['a', 12]], [['a', 15]], [['a', 11]], [['a', 6]]],
    windowS: 3,
    slideS: 1,
  },
  // Derived: window 6 s sliding every 2 s, until the key has left the window.
  {
    name: 'larger window with multiple slides (derived)',
    input: draining,
    expected: [[['a', 3]], [['a', 10]], [['a', 21]], [['a', 18]], [['a', 11]], []],
    expectedInv: [[['a', 3]], [['a', 10]], [['a', 21]], [['a', 18]], [['a', 11]], [['a', 0]]],
    windowS: 6,
    slideS: 2,
  },
  // Derived: a window shorter than its slide skips batches (Spark's window test
  // "non-overlapping window" for reduceByKeyAndWindow). DIVERGENCE: Spark's
  // ReducedWindowedDStream assumes overlapping windows and, with an inverse, adds the
  // skipped batches in (it would give 6 and 12); ours computes the window (5 and 11).
  {
    name: 'non-overlapping window (derived)',
    input: largerSlideInput.slice(0, 6),
    expected: [[['a', 5]], [['a', 11]]],
    windowS: 2,
    slideS: 3,
  },
];

function rbkawCases(v: RbkawVector): ConformanceCase[] {
  const w = v.windowS ?? 2;
  const s = v.slideS ?? 1;
  const numBatches = (n: number) => n * s;
  const base = { input: v.input, numBatches: numBatches(v.expected.length) };
  const out: ConformanceCase[] = [
    {
      ...base,
      name: `reduceByKeyAndWindow - ${v.name}`,
      build: (st: Stream<KV>) => st.reduceByKeyAndWindow(add, seconds(w), seconds(s)),
      expected: v.expected,
    },
    {
      ...base,
      name: `reduceByKeyAndWindow with inverse function - ${v.name}`,
      build: (st: Stream<KV>) => st.reduceByKeyAndWindow(add, seconds(w), seconds(s), { inverse: sub }),
      expected: v.expectedInv ?? v.expected,
    },
  ];
  if (v.expectedInv) {
    out.push({
      ...base,
      name: `reduceByKeyAndWindow with inverse and filter functions - ${v.name}`,
      build: (st: Stream<KV>) => st.reduceByKeyAndWindow(add, seconds(w), seconds(s), { inverse: sub, filter: ([, n]) => n !== 0 }),
      expected: v.expected,
    });
  }
  return out;
}

const windowInput = [[0], [1], [2], [3], [4], [5]];

export const cases: ConformanceCase[] = [
  {
    name: 'window - basic window',
    input: windowInput,
    build: (s: Stream<number>) => s.window(seconds(2), seconds(1)),
    expected: [[0], [0, 1], [1, 2], [2, 3], [3, 4], [4, 5]],
    numBatches: 6,
  },
  {
    name: 'window - tumbling window',
    input: windowInput,
    build: (s: Stream<number>) => s.window(seconds(2), seconds(2)),
    expected: [[0, 1], [2, 3], [4, 5]],
    numBatches: 6,
  },
  {
    name: 'window - larger window',
    input: windowInput,
    build: (s: Stream<number>) => s.window(seconds(4), seconds(2)),
    expected: [[0, 1], [0, 1, 2, 3], [2, 3, 4, 5], [4, 5]],
    numBatches: 8,
  },
  {
    name: 'window - non-overlapping window',
    input: windowInput,
    build: (s: Stream<number>) => s.window(seconds(2), seconds(3)),
    expected: [[1, 2], [4, 5]],
    numBatches: 6,
  },
  {
    // Derived (cf. Spark's "rdd cleanup - map and window"): a window of a window covers
    // the parent's windows, so records repeat.
    name: 'window of a window (derived)',
    input: windowInput.map(([x]) => [x + 1]),
    build: (s: Stream<number>) => s.window(seconds(2), seconds(1)).window(seconds(4), seconds(2)),
    expected: [[1, 1, 2], [1, 1, 2, 2, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 6]],
    numBatches: 6,
  },
  {
    // Derived: a window over a stream that itself slides every 2 s.
    name: 'window over a windowed stream (derived)',
    input: [[1], [2], [3], [4], [5], [6], [7], [8]],
    build: (s: Stream<number>) => s.window(seconds(2), seconds(2)).window(seconds(4), seconds(4)),
    expected: [[1, 2, 3, 4], [5, 6, 7, 8]],
    numBatches: 8,
  },
  {
    // Derived: windowed streams with the same slide can be unioned (Spark requires equal slides).
    name: 'union of windowed streams',
    input: [[1], [2], [3], [4]],
    build: (s: Stream<number>) => s.window(seconds(2), seconds(2)).union(s.map((x) => x * 10).window(seconds(2), seconds(2))),
    expected: [[1, 2, 10, 20], [3, 4, 30, 40]],
  },
  ...rbkawVectors.flatMap(rbkawCases),
  {
    name: 'groupByKeyAndWindow',
    input: bigInput,
    build: (s: Stream<KV>) => s.groupByKeyAndWindow(seconds(2), seconds(1)).mapValues((vs) => [...vs].sort()),
    expected: bigGroupByOutput,
    numBatches: 12,
  },
  {
    // Derived: groupByKeyAndWindow with a larger window and slide (Spark: groupByKey, window, combine).
    name: 'groupByKeyAndWindow - larger window and slide (derived)',
    input: largerSlideInput,
    build: (s: Stream<KV>) => s.groupByKeyAndWindow(seconds(4), seconds(2)),
    expected: [[['a', [1, 2]]], [['a', [1, 2, 3, 4]]], [['a', [3, 4, 5, 6]]], [['a', [5, 6]]]],
    numBatches: 8,
  },
  {
    // Derived: a reduced window over a parent that slides every 2 s sees only the parent's batches.
    name: 'reduceByKeyAndWindow over a windowed stream (derived)',
    input: draining,
    build: (s: Stream<KV>) => s.window(seconds(2), seconds(2)).reduceByKeyAndWindow(add, seconds(4), seconds(2)),
    expected: [[['a', 3]], [['a', 10]], [['a', 18]], [['a', 11]], [], []],
    numBatches: 12,
  },
  {
    name: 'reduceByKeyAndWindow with inverse function over a windowed stream (derived)',
    input: draining,
    build: (s: Stream<KV>) => s.window(seconds(2), seconds(2)).reduceByKeyAndWindow(add, seconds(4), seconds(2), { inverse: sub }),
    expected: [[['a', 3]], [['a', 10]], [['a', 18]], [['a', 11]], [['a', 0]], [['a', 0]]],
    numBatches: 12,
  },
  {
    // Derived: countByWindow with a larger window and slide.
    name: 'countByWindow - larger window and slide (derived)',
    input: [[1], [2, 3], [], [], [], [4]],
    build: (s: Stream<number>) => s.countByWindow(seconds(4), seconds(2)),
    expected: [[3], [3], [1]],
  },
  {
    name: 'countByWindow',
    input: [[1], [1], [1, 2], [0], [], []],
    build: (s: Stream<number>) => s.countByWindow(seconds(2), seconds(1)),
    expected: [[1], [2], [3], [3], [1], [0]],
    numBatches: 6,
  },
  {
    // DIVERGENCE (deliberate): Spark's countByWindow is an inverse-reduced window over a
    // single key, so a window that never held a record gives no record at all; ours counts
    // the window like count() counts a batch: 0.
    name: 'countByWindow - empty windows count 0',
    input: [[], [], [7]],
    build: (s: Stream<number>) => s.countByWindow(seconds(2), seconds(1)),
    expected: [[0], [0], [1]],
  },
  {
    name: 'countByValueAndWindow',
    input: [['a'], ['b', 'b'], ['a', 'b']],
    build: (s: Stream<string>) => s.countByValueAndWindow(seconds(2), seconds(1)),
    expected: [[['a', 1]], [['a', 1], ['b', 2]], [['a', 1], ['b', 3]]],
    numBatches: 3,
  },
  {
    // Derived: counts that fall to 0 are dropped (Spark filters `_._2 != 0`).
    name: 'countByValueAndWindow - values leaving the window (derived)',
    input: [['a'], ['b', 'b'], ['a', 'b'], [], []],
    build: (s: Stream<string>) => s.countByValueAndWindow(seconds(2), seconds(1)),
    expected: [[['a', 1]], [['a', 1], ['b', 2]], [['a', 1], ['b', 3]], [['a', 1], ['b', 1]], []],
  },
  {
    // From Spark's JavaAPISuite testReduceByWindow.
    name: 'reduceByWindow',
    input: [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
    build: (s: Stream<number>) => s.reduceByWindow(add, seconds(2), seconds(1)),
    expected: [[6], [21], [39]],
  },
  {
    // Derived: an empty window reduces to no record, as reduce of an empty batch.
    name: 'reduceByWindow - larger window and slide (derived)',
    input: [[1], [2], [3], [4], [], [], [], []],
    build: (s: Stream<number>) => s.reduceByWindow(add, seconds(4), seconds(2)),
    expected: [[3], [10], [7], []],
    numBatches: 8,
  },
  {
    // Derived: countByValueAndWindow keeps its window state across keys that come back.
    name: 'countByValueAndWindow - larger window and slide (derived)',
    input: [['x'], ['x', 'y'], [], ['y'], [], [], ['x'], []],
    build: (s: Stream<string>) => s.countByValueAndWindow(seconds(4), seconds(2)),
    expected: [[['x', 2], ['y', 1]], [['x', 2], ['y', 2]], [['y', 1]], [['x', 1]]],
    numBatches: 8,
  },
  {
    name: 'windowed word count (pair + reduceByKeyAndWindow)',
    input: [['a b'], ['b c'], ['c']],
    build: (s: Stream<string>) => s.flatMap((l) => l.split(' ')).map((w) => pair(w, 1)).reduceByKeyAndWindow(add, seconds(2), seconds(1)),
    expected: [[['a', 1], ['b', 1]], [['a', 1], ['b', 2], ['c', 1]], [['b', 1], ['c', 2]]],
  },
];
