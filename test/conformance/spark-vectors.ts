/**
 * Input and expected vectors that several of Spark's streaming suites share (not a case
 * module: the cases live in `cases/`).
 */

/** The running-count input of BasicOperationsSuite's updateStateByKey tests and MapWithStateSuite (without its leading empty batch). */
export const runningCountInput: string[][] = [['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b'], ['a'], []];

/** The running count of each key over `runningCountInput`, after each batch. */
export const runningCounts: Array<Array<readonly [string, number]>> = [
  [['a', 1]],
  [['a', 2], ['b', 1]],
  [['a', 3], ['b', 2], ['c', 1]],
  [['a', 4], ['b', 3], ['c', 1]],
  [['a', 5], ['b', 3], ['c', 1]],
  [['a', 5], ['b', 3], ['c', 1]],
];
