/**
 * Stream-static joins (Spark's `transform(rdd => rdd.join(staticRdd))` idiom; ours has
 * joinStatic / leftJoinStatic). The table is built inside the builder so that the builder
 * closes over imports only.
 */
import * as O from 'fp-ts/lib/Option.js';
import type { Stream } from '../../../src/dsl/stream.js';
import { StaticTable } from '../../../src/dsl/table.js';
import type { ConformanceCase } from '../case.js';

const input = [[['a', 1], ['b', 2], ['z', 3]], [], [['a', 4], ['a', 5]]];

export const cases: ConformanceCase[] = [
  {
    name: 'joinStatic drops keys not in the table',
    input,
    build: (s: Stream<readonly [string, number]>) => s.joinStatic(StaticTable.fromMap(new Map([['a', 'A'], ['b', 'B'], ['c', 'C']]))),
    expected: [[['a', [1, 'A']], ['b', [2, 'B']]], [], [['a', [4, 'A']], ['a', [5, 'A']]]],
  },
  {
    name: 'leftJoinStatic keeps every record',
    input,
    build: (s: Stream<readonly [string, number]>) => s.leftJoinStatic(StaticTable.fromMap(new Map([['a', 'A'], ['b', 'B']]))),
    expected: [[['a', [1, O.some('A')]], ['b', [2, O.some('B')]], ['z', [3, O.none]]], [], [['a', [4, O.some('A')]], ['a', [5, O.some('A')]]]],
  },
  {
    name: 'joinStatic with StaticTable.fromArray (a later row wins)',
    input,
    build: (s: Stream<readonly [string, number]>) =>
      s.joinStatic(StaticTable.fromArray([{ id: 'a', tier: 1 }, { id: 'b', tier: 2 }, { id: 'a', tier: 3 }], (r) => r.id)).mapValues(([v, r]) => v * r.tier),
    expected: [[['a', 3], ['b', 4]], [], [['a', 12], ['a', 15]]],
  },
];
