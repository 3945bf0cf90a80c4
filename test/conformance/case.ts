import type { Stream } from '../../src/dsl/stream.js';

/**
 * One conformance case: input batches, a stream-building function and the batches the
 * built stream must produce (one per batch time at which it produces output).
 *
 * Cases live in `test/conformance/cases/<area>.ts`, each module exporting
 * `cases: ConformanceCase[]`. Runtimes that run cases in other processes import the module
 * by path and pick the case by name, so `build` must be a module-level function that
 * closes over nothing but imports, and names must be unique within a module.
 */
export interface ConformanceCase {
  /** Unique within its module; Spark's test name where the vectors come from Spark. */
  name: string;
  /** Input batches of the first source: batch i arrives at (i + 1) × batch interval. */
  input: unknown[][];
  /** Input batches of a second source (two-input cases: join, cogroup, transformWith). */
  input2?: unknown[][];
  build: (a: Stream<any>, b?: Stream<any>) => Stream<unknown>;
  /** One array per batch time at which the built stream produces output. */
  expected: unknown[][];
  /** Compare each batch in order. Default false: each batch is compared as a multiset. */
  ordered?: boolean;
  /** Batch interval in ms (default 1000, as Spark's suites). */
  batchIntervalMs?: number;
  /** Batches to run (default: the number of input batches). */
  numBatches?: number;
  /** Partitions of each source (default 1); Spark's suites read their input in 2. */
  partitions?: number;
}

/** What a case module exports. */
export interface CaseModule {
  readonly cases: readonly ConformanceCase[];
}
