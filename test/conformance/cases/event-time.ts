/**
 * Event-time windows (derived: not from Spark's suites; every expected batch was worked out
 * by hand from the definitions in runtimes/local/ops/event-window.ts). The watermark after a
 * batch is `max event time so far − delay − 1` over the whole stream, so on a partitioned
 * runtime a key's window fires, or a record is late, because of records of keys in other
 * partitions: with 2 and 4 partitions the keys here split as d | a b c e (f with d on 2, alone
 * on 4), and the comments name the batches where that matters.
 *
 * Each case's output is the windows as `[key, start, end, value]` plus the late records as
 * `['late', key, t]`; the last batch is the end-of-input pass that fires the open windows.
 */
import type { Stream, WindowedResultStream } from '../../../src/dsl/stream.js';
import { session, sliding, tumbling } from '../../../src/dsl/event-time.js';
import { millis } from '../../../src/time/duration.js';
import type { ConformanceCase } from '../case.js';

/** One event: key, event time (ms), value. */
interface Ev {
  readonly k: string;
  readonly t: number;
  readonly v: number;
}

const ev = (k: string, t: number, v = 1): Ev => ({ k, t, v });

type Row = readonly [string, number, number, number] | readonly ['late', string, number];

/** The windows of `w` and its late records as rows. */
function rows(w: WindowedResultStream<string, number, Ev>): Stream<Row> {
  const wins = w.map((x): Row => [x.key, x.start, x.end, x.value]);
  return wins.union(w.lateRecords().map((r): Row => ['late', r.k, r.t]));
}

export const cases: ConformanceCase[] = [
  {
    name: 'tumbling count, watermark from other partitions',
    input: [
      [ev('a', 1), ev('b', 2), ev('c', 3), ev('d', 12)],
      // e@5 is late: the watermark 11 came from d (another partition than e's).
      [ev('e', 5), ev('b', 14), ev('f', 25)],
      [ev('d', 40), ev('a', 31)],
      [],
    ],
    build: (s: Stream<Ev>) =>
      rows(s.withEventTime((r) => r.t, { watermarkDelay: millis(0) }).keyBy((r) => r.k).window(tumbling(millis(10))).count()),
    expected: [
      [['a', 0, 10, 1], ['b', 0, 10, 1], ['c', 0, 10, 1]],
      // f@25 (watermark 24) fires b's [10, 20) too.
      [['b', 10, 20, 1], ['d', 10, 20, 1], ['late', 'e', 5]],
      [['f', 20, 30, 1], ['a', 30, 40, 1]],
      [],
      [['d', 40, 50, 1]],
    ],
  },
  {
    name: 'sliding sum with delay and allowed lateness',
    input: [
      [ev('a', 3, 1), ev('b', 8, 2), ev('a', 15, 3), ev('c', 27, 4)],
      [ev('b', 5, 10), ev('a', 12, 20), ev('d', 33, 5)],
      // e@2 is not late: [0, 20) is kept until the watermark reaches 29, and it is 27 (from d).
      [ev('e', 2, 7), ev('c', 45, 1)],
      [ev('a', 25, 100), ev('b', 9, 50)],
    ],
    build: (s: Stream<Ev>) =>
      rows(
        s.withEventTime((r) => r.t, { watermarkDelay: millis(5) })
          .keyBy((r) => r.k)
          .window(sliding(millis(20), millis(10)))
          .allowedLateness(millis(10))
          .aggregate({ create: () => 0, add: (acc: number, r: Ev) => acc + r.v, merge: (x: number, y: number) => x + y, result: (acc: number) => acc }),
      ),
    expected: [
      // watermark 27 − 5 − 1 = 21
      [['a', -10, 10, 1], ['b', -10, 10, 2], ['a', 0, 20, 4], ['b', 0, 20, 2]],
      // watermark 27: late updates of [0, 20), emitted again
      [['b', 0, 20, 12], ['a', 0, 20, 24]],
      // watermark 39
      [['e', 0, 20, 7], ['a', 10, 30, 23], ['c', 10, 30, 4], ['c', 20, 40, 4], ['d', 20, 40, 5]],
      // a@25 opens a's [20, 40) (already complete); b@9 falls only in dropped windows
      [['a', 20, 40, 100], ['late', 'b', 9]],
      [['d', 30, 50, 5], ['c', 30, 50, 1], ['c', 40, 60, 1]],
    ],
  },
  {
    name: 'session count with allowed lateness, merging a fired session',
    input: [
      [ev('a', 1), ev('a', 5), ev('b', 3), ev('c', 30)],
      // b's session fires at watermark 44, which came from d
      [ev('b', 20), ev('a', 2), ev('c', 38), ev('d', 45)],
      [ev('c', 50), ev('d', 40)],
      // c@44 bridges c's fired [30, 48) and open [50, 60): one session, emitted again
      [ev('c', 44), ev('e', 70)],
    ],
    build: (s: Stream<Ev>) =>
      rows(s.withEventTime((r) => r.t, { watermarkDelay: millis(0) }).keyBy((r) => r.k).window(session(millis(10))).allowedLateness(millis(5)).count()),
    expected: [
      [['a', 1, 15, 2], ['b', 3, 13, 1]],
      [['b', 20, 30, 1], ['late', 'a', 2]],
      [['c', 30, 48, 2]],
      [['d', 40, 55, 2], ['c', 30, 60, 4]],
      [['e', 70, 80, 1]],
    ],
  },
];
