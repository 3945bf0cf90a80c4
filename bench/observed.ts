/**
 * The "observed ÷ plain" column (issue 9: metrics and progress on may cost at most 3 %):
 * plain and observed processes of the same in-memory case, interleaved A B A B …, each pair
 * giving one ratio; the median and the interquartile range of the pairs' ratios are reported,
 * so one noisy process cannot decide the result.
 *
 *   npm run bench -- observed                     every in-memory case, 5 pairs each
 *   npm run bench -- observed stateless window    only those; SLUICE_BENCH_PAIRS=9 for more pairs
 *
 * @module
 */
import type { Row } from './harness.js';

/** Observed (metrics + progress on) may be at most 3 % slower than plain: median ratio ≥ this. */
export const OBSERVED_MIN = 0.97;
/** Pairs of processes per case (SLUICE_BENCH_PAIRS overrides). */
export const OBSERVED_PAIRS = 5;

/** The ratios of one case's pairs and their summary. */
export interface ObservedRatios {
  /** One per pair, in the order run. */
  readonly ratios: readonly number[];
  readonly median: number;
  /** First and third quartiles. */
  readonly q1: number;
  readonly q3: number;
}

/** Runs one case in a fresh process, observed or not. */
export type CaseRunner = (id: string, observed: boolean) => Promise<Row>;

/**
 * One pair's ratio: the observed run's throughput relative to the loop of its own process ÷
 * the plain run's, by CPU time (so drift of the machine between the two processes cancels).
 * Above 1: the observed run was faster.
 */
export function pairRatio(plain: Row, observed: Row): number {
  return (observed.sluice.cpu / observed.baseline.cpu) / (plain.sluice.cpu / plain.baseline.cpu);
}

/** The q-quantile of `xs` (linear interpolation between order statistics). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Summarises a case's pair ratios. */
export function summarize(ratios: readonly number[]): ObservedRatios {
  return { ratios, median: quantile(ratios, 0.5), q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75) };
}

/**
 * `pairs` pairs of processes for case `id`, alternating which side of a pair goes first
 * (plain, observed, observed, plain, …) so that a trend in the machine's load does not favour
 * one side. Resolves with the pair ratios' summary and the plain runs (the first is the row's).
 */
export async function measureObserved(id: string, run: CaseRunner, pairs = OBSERVED_PAIRS): Promise<{ summary: ObservedRatios; plain: Row[] }> {
  const ratios: number[] = [];
  const plain: Row[] = [];
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false];
    const got: Partial<Record<'plain' | 'observed', Row>> = {};
    for (const observed of order) got[observed ? 'observed' : 'plain'] = await run(id, observed);
    plain.push(got.plain!);
    ratios.push(pairRatio(got.plain!, got.observed!));
    process.stderr.write(`bench: ${id} pair ${i + 1}/${pairs}: observed ÷ plain ${ratios[i].toFixed(3)}\n`);
  }
  return { summary: summarize(ratios), plain };
}

/** `0.998 (IQR 0.985–1.012, 5 pairs) PASS`. */
export function observedCell(s: ObservedRatios): string {
  return `${s.median.toFixed(3)} (IQR ${s.q1.toFixed(3)}–${s.q3.toFixed(3)}, ${s.ratios.length} pairs) ${s.median >= OBSERVED_MIN ? 'PASS' : 'FAIL'}`;
}

/** The pairs pass setting. */
export function pairsFromEnv(): number {
  const n = Number(process.env.SLUICE_BENCH_PAIRS ?? OBSERVED_PAIRS);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SLUICE_BENCH_PAIRS must be a positive integer, got ${process.env.SLUICE_BENCH_PAIRS}`);
  return n;
}

/** The table of `npm run bench -- observed`. */
export function renderObserved(rows: ReadonlyArray<{ name: string; summary: ObservedRatios }>, cmd: string, load: readonly number[]): string {
  const out = [
    '| benchmark | observed ÷ plain, median | interquartile range | pairs (in order run) | target | result |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.name} | ${r.summary.median.toFixed(3)} | ${r.summary.q1.toFixed(3)}–${r.summary.q3.toFixed(3)} | ${r.summary.ratios.map((x) => x.toFixed(3)).join(', ')} | ≥ ${OBSERVED_MIN} | ${r.summary.median >= OBSERVED_MIN ? 'PASS' : 'FAIL'} |`),
  ];
  out.push('', `Each pair: one process runs the case plain, another with progress records to a callback and a JSON-lines file and Prometheus metrics in a registry (SLUICE_BENCH_OBSERVE=1, as \`sluice run --progress-file F --metrics-port P\` watches a job); the sides of a pair alternate which goes first. A pair's ratio is the observed run's records/s ÷ its own process's loop, over the plain run's records/s ÷ its own loop, by CPU time (best of 5 of each side in each process). Above 1: observed was faster, i.e. the difference is noise.`);
  out.push('', `Command: \`${cmd}\` · load average (1, 5, 15 min) at the start: ${load.map((x) => x.toFixed(2)).join(', ')}`);
  return out.join('\n');
}
