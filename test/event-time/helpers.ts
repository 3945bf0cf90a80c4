/** Shared fixtures of the event-time window tests. */
import { millis, type KeyedStream, type Stream, type Windowed } from '../../src/index.js';
import type { DeadLetter } from '../../src/io/connector.js';
import type { RunMetrics } from '../../src/runtime.js';
import { runBatches, type RunBatchesOptions } from '../../src/testing/index.js';

/** One event: key `k` at event time `t` (ms) carrying value `v`. */
export interface Ev {
  readonly k: string;
  readonly t: number;
  readonly v: number;
}

export const ev = (k: string, t: number, v = 1): Ev => ({ k, t, v });

/** `s` with event time `t`, a watermark delay of `delayMs` and keyed by `k`. */
export function keyed(s: Stream<Ev>, delayMs = 0): KeyedStream<string, Ev> {
  return s.withEventTime((r) => r.t, { watermarkDelay: millis(delayMs) }).keyBy((r) => r.k);
}

/** A window result as a compact tuple, `[key, start, end, value]`, for readable expectations. */
export type Row<R> = readonly [string, number, number, R];

export const row = <R>(w: Windowed<string, R>): Row<R> => [w.key, w.start, w.end, w.value];

/** What a run reported besides its output. */
export interface Report {
  deadLetters: DeadLetter[];
  metrics: RunMetrics;
}

/** runBatches that also returns the dead letters and metrics. */
export async function runReported<T, U>(
  input: T[][],
  build: (s: Stream<T>) => Stream<U>,
  opts: RunBatchesOptions = {},
): Promise<{ out: U[][]; report: Report }> {
  let report: Report | undefined;
  const out = await runBatches(input, build, { ...opts, inspect: (r) => { report = r; } });
  return { out, report: report! };
}

/** Window results as rows per batch. */
export async function runWindows<R>(
  input: Ev[][],
  build: (s: Stream<Ev>) => Stream<Windowed<string, R>>,
  opts: RunBatchesOptions = {},
): Promise<{ out: Row<R>[][]; report: Report }> {
  const { out, report } = await runReported(input, build, opts);
  return { out: out.map((b) => b.map(row)), report };
}
