/**
 * Per-batch operators, ported from Spark's BasicOperationsSuite (input and expected
 * vectors as there; Spark's suite reads its input in 2 partitions, hence `partitions: 2`
 * where partitions matter). Spark compares a batch in order unless the test passes
 * `useSet`; `ordered` follows that.
 */
import { pair } from '../../../src/dsl/stream.js';
import type { Stream } from '../../../src/dsl/stream.js';
import type { ConformanceCase } from '../case.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const byNumber = (a: number, b: number): number => a - b;

/** Spark's repartition tests: `from` source partitions, repartitioned to `to`; each batch gives [partition count, its records]. */
function repartitionCase(name: string, from: number, to: number): ConformanceCase {
  return {
    name,
    input: [range(1, 100), range(101, 200), range(201, 300)],
    build: (s: Stream<number>) => s.repartition(to).mapPartitions((rs) => [rs]).transform((parts) => [[parts.length, parts.flat().sort(byNumber)]]),
    expected: [[[to, range(1, 100)]], [[to, range(101, 200)]], [[to, range(201, 300)]]],
    partitions: from,
  };
}

export const cases: ConformanceCase[] = [
  {
    name: 'map',
    input: [range(1, 4), range(5, 8), range(9, 12)],
    build: (s: Stream<number>) => s.map((x) => String(x)),
    expected: [range(1, 4).map(String), range(5, 8).map(String), range(9, 12).map(String)],
    ordered: true,
  },
  {
    name: 'flatMap',
    input: [range(1, 4), range(5, 8), range(9, 12)],
    build: (s: Stream<number>) => s.flatMap((x) => [x, x * 2]),
    expected: [[1, 2, 2, 4, 3, 6, 4, 8], [5, 10, 6, 12, 7, 14, 8, 16], [9, 18, 10, 20, 11, 22, 12, 24]],
    ordered: true,
  },
  {
    name: 'filter',
    input: [range(1, 4), range(5, 8), range(9, 12)],
    build: (s: Stream<number>) => s.filter((x) => x % 2 === 0),
    expected: [[2, 4], [6, 8], [10, 12]],
    ordered: true,
  },
  {
    // Spark's glom: each partition of the batch as one array.
    name: 'glom (mapPartitions to arrays)',
    input: [range(1, 4), range(5, 8), range(9, 12)],
    build: (s: Stream<number>) => s.mapPartitions((rs) => [rs]),
    expected: [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]],
    ordered: true,
    partitions: 2,
  },
  {
    name: 'mapPartitions',
    input: [range(1, 4), range(5, 8), range(9, 12)],
    build: (s: Stream<number>) => s.mapPartitions((rs) => [rs.reduce((a, b) => a + b, 0)]),
    expected: [[3, 7], [11, 15], [19, 23]],
    partitions: 2,
  },
  {
    // Spark's mapPartitionsWithIndex over the same slices.
    name: 'mapPartitions with partition index',
    input: [range(1, 4), range(5, 7)],
    build: (s: Stream<number>) => s.mapPartitions((rs, p) => rs.map((r) => [p, r])),
    expected: [[[0, 1], [0, 2], [1, 3], [1, 4]], [[0, 5], [1, 6], [1, 7]]],
    partitions: 2,
  },
  // Spark checks the number of partitions after repartition and that no record is lost.
  repartitionCase('repartition (more partitions)', 2, 5),
  repartitionCase('repartition (fewer partitions)', 5, 2),
  {
    name: 'groupByKey',
    input: [['a', 'a', 'b'], ['', ''], []],
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).groupByKey(),
    expected: [[['a', [1, 1]], ['b', [1]]], [['', [1, 1]]], []],
  },
  {
    name: 'reduceByKey',
    input: [['a', 'a', 'b'], ['', ''], []],
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).reduceByKey((a, b) => a + b),
    expected: [[['a', 2], ['b', 1]], [['', 2]], []],
  },
  {
    name: 'reduce',
    input: [range(1, 4), range(5, 8), range(9, 12)],
    build: (s: Stream<number>) => s.reduce((a, b) => a + b),
    expected: [[10], [26], [42]],
    ordered: true,
  },
  {
    // Spark's reduce of an empty RDD has no record (not an error).
    name: 'reduce of an empty batch',
    input: [[1, 2], [], [3]],
    build: (s: Stream<number>) => s.reduce((a, b) => a + b),
    expected: [[3], [], [3]],
    ordered: true,
  },
  {
    name: 'count',
    input: [[], range(1, 1), range(1, 2), range(1, 3), range(1, 4)],
    build: (s: Stream<number>) => s.count(),
    expected: [[0], [1], [2], [3], [4]],
    ordered: true,
  },
  {
    name: 'countByValue',
    input: [[1], [1, 1, 1], [1, 2], [1, 1, 2, 2]],
    build: (s: Stream<number>) => s.countByValue(),
    expected: [[[1, 1]], [[1, 3]], [[1, 1], [2, 1]], [[2, 2], [1, 2]]],
  },
  {
    // Keys (and countByValue's values) compare by value, as Spark's equals/hashCode.
    name: 'countByValue of tuples compares by value',
    input: [[['x', 1], ['x', 1], ['y', 1]]],
    build: (s: Stream<readonly [string, number]>) => s.countByValue(),
    expected: [[[['x', 1], 2], [['y', 1], 1]]],
  },
  {
    name: 'mapValues',
    input: [['a', 'a', 'b'], ['', ''], []],
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).reduceByKey((a, b) => a + b).mapValues((v) => v + 10),
    expected: [[['a', 12], ['b', 11]], [['', 12]], []],
  },
  {
    name: 'flatMapValues',
    input: [['a', 'a', 'b'], ['', ''], []],
    build: (s: Stream<string>) => s.map((x) => pair(x, 1)).reduceByKey((a, b) => a + b).flatMapValues((v) => [v, v + 10]),
    expected: [[['a', 2], ['a', 12], ['b', 1], ['b', 11]], [['', 2], ['', 12]], []],
  },
  {
    name: 'union',
    input: [range(1, 4), range(101, 104), range(201, 204)],
    build: (s: Stream<number>) => s.union(s.map((x) => x + 4)),
    expected: [range(1, 8), range(101, 108), range(201, 208)],
    ordered: true,
  },
  {
    name: 'StreamingContext.union (three streams)',
    input: [range(1, 4), range(101, 104), range(201, 204)],
    build: (s: Stream<number>) => s.union(s.map((x) => x + 4), s.map((x) => x + 8)),
    expected: [range(1, 12), range(101, 112), range(201, 212)],
    ordered: true,
  },
  {
    name: 'transform',
    input: [range(1, 4), range(5, 8), range(9, 12)],
    build: (s: Stream<number>) => s.transform((rs) => rs.map((x) => String(x))),
    expected: [range(1, 4).map(String), range(5, 8).map(String), range(9, 12).map(String)],
    ordered: true,
  },
  {
    name: 'transform sees the batch time',
    input: [[1], [], [2, 3]],
    build: (s: Stream<number>) => s.transform((rs, t) => [[t, rs.length]]),
    expected: [[[1000, 1]], [[2000, 0]], [[3000, 2]]],
    ordered: true,
  },
  {
    // Spark's StreamingContext.transform over three streams; ours takes two, so the
    // second and third are unioned first.
    name: 'StreamingContext.transform (three streams)',
    input: [range(1, 4), range(101, 104), range(201, 204)],
    build: (s: Stream<number>) => s.transformWith(s.map((x) => x + 4).union(s.map((x) => x + 8)), (a, b) => [...a, ...b]),
    expected: [range(1, 12), range(101, 112), range(201, 212)],
    ordered: true,
  },
];
