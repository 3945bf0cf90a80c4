/**
 * Two-stream operators, ported from Spark's BasicOperationsSuite (join, leftOuterJoin,
 * rightOuterJoin, fullOuterJoin, cogroup, transformWith). Spark's `Some(x)` / `None` are
 * fp-ts Options here.
 */
import * as O from 'fp-ts/lib/Option.js';
import { pair } from '../../../src/dsl/stream.js';
import type { Stream } from '../../../src/dsl/stream.js';
import { seconds } from '../../../src/time/duration.js';
import type { ConformanceCase } from '../case.js';

/** The input pair of the join tests: `s1.map(x => (x, 1))` and `s2.map(x => (x, "x"))`. */
const joinInput1 = [['a', 'b'], ['a', ''], [''], []];
const joinInput2 = [['a', 'b'], ['b', ''], [], ['']];

export const cases: ConformanceCase[] = [
  {
    name: 'join',
    input: joinInput1,
    input2: joinInput2,
    build: (s1: Stream<string>, s2?: Stream<string>) => s1.map((x) => pair(x, 1)).join(s2!.map((x) => pair(x, 'x'))),
    expected: [[['a', [1, 'x']], ['b', [1, 'x']]], [['', [1, 'x']]], [], []],
  },
  {
    name: 'leftOuterJoin',
    input: joinInput1,
    input2: joinInput2,
    build: (s1: Stream<string>, s2?: Stream<string>) => s1.map((x) => pair(x, 1)).leftOuterJoin(s2!.map((x) => pair(x, 'x'))),
    expected: [
      [['a', [1, O.some('x')]], ['b', [1, O.some('x')]]],
      [['', [1, O.some('x')]], ['a', [1, O.none]]],
      [['', [1, O.none]]],
      [],
    ],
  },
  {
    name: 'rightOuterJoin',
    input: joinInput1,
    input2: joinInput2,
    build: (s1: Stream<string>, s2?: Stream<string>) => s1.map((x) => pair(x, 1)).rightOuterJoin(s2!.map((x) => pair(x, 'x'))),
    expected: [
      [['a', [O.some(1), 'x']], ['b', [O.some(1), 'x']]],
      [['', [O.some(1), 'x']], ['b', [O.none, 'x']]],
      [],
      [['', [O.none, 'x']]],
    ],
  },
  {
    name: 'fullOuterJoin',
    input: joinInput1,
    input2: joinInput2,
    build: (s1: Stream<string>, s2?: Stream<string>) => s1.map((x) => pair(x, 1)).fullOuterJoin(s2!.map((x) => pair(x, 'x'))),
    expected: [
      [['a', [O.some(1), O.some('x')]], ['b', [O.some(1), O.some('x')]]],
      [['', [O.some(1), O.some('x')]], ['a', [O.some(1), O.none]], ['b', [O.none, O.some('x')]]],
      [['', [O.some(1), O.none]]],
      [['', [O.none, O.some('x')]]],
    ],
  },
  {
    // A key with several values on each side gives every combination, as RDD.join.
    name: 'join of repeated keys gives the cross product',
    input: [[['k', 1], ['k', 2], ['j', 0]]],
    input2: [[['k', 'x'], ['k', 'y']]],
    build: (a: Stream<readonly [string, number]>, b?: Stream<readonly [string, string]>) => a.join(b!),
    expected: [[['k', [1, 'x']], ['k', [1, 'y']], ['k', [2, 'x']], ['k', [2, 'y']]]],
  },
  {
    name: 'cogroup',
    input: [['a', 'a', 'b'], ['a', ''], [''], []],
    input2: [['a', 'a', 'b'], ['b', ''], [], []],
    build: (s1: Stream<string>, s2?: Stream<string>) => s1.map((x) => pair(x, 1)).cogroup(s2!.map((x) => pair(x, 'x'))),
    expected: [
      [['a', [[1, 1], ['x', 'x']]], ['b', [[1], ['x']]]],
      [['a', [[1], []]], ['b', [[], ['x']]], ['', [[1], ['x']]]],
      [['', [[1], []]]],
      [],
    ],
  },
  {
    // Spark's transformWith test joins the two RDDs inside the function.
    name: 'transformWith',
    input: joinInput1,
    input2: joinInput2,
    build: (s1: Stream<string>, s2?: Stream<string>) =>
      s1.map((x) => pair(x, 1)).transformWith(s2!.map((x) => pair(x, 'x')), (xs, ys) =>
        xs.flatMap(([k, v]) => ys.filter(([k2]) => k2 === k).map(([, w]) => pair(k, pair(v, w))))),
    expected: [[['a', [1, 'x']], ['b', [1, 'x']]], [['', [1, 'x']]], [], []],
  },
  {
    // Joining windowed streams: both slide every 2 s, so the join runs at 2 s and 4 s only.
    name: 'join of windowed streams',
    input: [[['a', 1]], [['b', 2]], [['a', 3]], []],
    input2: [[], [['a', 'x']], [], [['b', 'y']]],
    build: (a: Stream<readonly [string, number]>, b?: Stream<readonly [string, string]>) =>
      a.window(seconds(2), seconds(2)).join(b!.window(seconds(2), seconds(2))),
    expected: [[['a', [1, 'x']]], []],
  },
];
