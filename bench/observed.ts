/**
 * The "observed ÷ plain" column (issue 9: metrics and progress on may cost at most 3 %):
 * plain and observed runs of the same in-memory case, interleaved A B, B A, … in each of a
 * few fresh processes; each pair gives one ratio, and the median and the interquartile range
 * of all the pairs' ratios are reported, so that no single noisy run decides the result.
 *
 *   npm run bench -- observed                     every in-memory case
 *   npm run bench -- observed stateless window    only those
 *   SLUICE_BENCH_PROCESSES=4 SLUICE_BENCH_REPS=16  processes per case, pairs per process (the defaults: 64 pairs a case)
 *
 * @module
 */

/** Observed (metrics + progress on) may be at most 3 % slower than plain: median ratio ≥ this. */
export const OBSERVED_MIN = 0.97;
/** Fresh processes per case (SLUICE_BENCH_PROCESSES overrides). */
export const OBSERVED_PROCESSES = 4;
/** Interleaved plain/observed pairs in each process (SLUICE_BENCH_REPS overrides). */
export const OBSERVED_REPS = 16;

/** The ratios of one case's pairs and their summary. */
export interface ObservedRatios {
  /** One per pair (observed ÷ plain records/s by CPU time), in the order run. */
  readonly ratios: readonly number[];
  /** One per process: the plain side's best CPU time ÷ the observed side's best (the best-of-n reading, as the other rows). */
  readonly bests: readonly number[];
  readonly median: number;
  /** First and third quartiles. */
  readonly q1: number;
  readonly q3: number;
}

/** Runs `reps` interleaved plain/observed pairs of case `id` in a fresh process; resolves with each side's CPU seconds, pair by pair. */
export type PairsRunner = (id: string, reps: number) => Promise<{ plain: number[]; observed: number[] }>;

/** The q-quantile of `xs` (linear interpolation between order statistics). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Summarises a case's pair ratios. */
export function summarize(ratios: readonly number[], bests: readonly number[]): ObservedRatios {
  return { ratios, bests, median: quantile(ratios, 0.5), q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75) };
}

/**
 * Case `id` observed ÷ plain: `processes` fresh processes (so no one process's JIT or heap
 * decides), each running `reps` pairs of plain and observed runs interleaved (A B, B A, …, so
 * machine drift and a trend in load fall on both sides alike).
 */
export async function measureObserved(id: string, run: PairsRunner, processes = OBSERVED_PROCESSES, reps = OBSERVED_REPS): Promise<ObservedRatios> {
  const ratios: number[] = [];
  const bests: number[] = [];
  for (let i = 0; i < processes; i++) {
    const cpu = await run(id, reps);
    const got = cpu.plain.map((p, k) => p / cpu.observed[k]);
    ratios.push(...got);
    bests.push(Math.min(...cpu.plain) / Math.min(...cpu.observed));
    process.stderr.write(`bench: ${id} process ${i + 1}/${processes}: observed ÷ plain ${got.map((x) => x.toFixed(3)).join(' ')}; best ÷ best ${bests[i].toFixed(3)}\n`);
  }
  return summarize(ratios, bests);
}

/** `0.998 (IQR 0.985–1.012, 5 pairs) PASS`. */
export function observedCell(s: ObservedRatios): string {
  return `${s.median.toFixed(3)} (IQR ${s.q1.toFixed(3)}–${s.q3.toFixed(3)}, ${s.ratios.length} pairs) ${s.median >= OBSERVED_MIN ? 'PASS' : 'FAIL'}`;
}

/** A positive integer from the environment variable `name`, else `fallback`. */
export function countFromEnv(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
}

/** The table of `npm run bench -- observed`. */
export function renderObserved(rows: ReadonlyArray<{ name: string; summary: ObservedRatios }>, cmd: string, load: readonly number[], processes = OBSERVED_PROCESSES, reps = OBSERVED_REPS): string {
  const out = [
    '| benchmark | observed ÷ plain, median | interquartile range | min – max | pairs | best ÷ best, per process | target | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const s = r.summary;
      return `| ${r.name} | ${s.median.toFixed(3)} | ${s.q1.toFixed(3)}–${s.q3.toFixed(3)} | ${Math.min(...s.ratios).toFixed(3)} – ${Math.max(...s.ratios).toFixed(3)} | ${s.ratios.length} | ${s.bests.map((x) => x.toFixed(3)).join(', ')} | ≥ ${OBSERVED_MIN} | ${s.median >= OBSERVED_MIN ? 'PASS' : 'FAIL'} |`;
    }),
  ];
  out.push('', observedNote(processes, reps));
  out.push('', `Command: \`${cmd}\` · load average (1, 5, 15 min) at the start: ${load.map((x) => x.toFixed(2)).join(', ')}`);
  return out.join('\n');
}

/** How the observed column is measured (with `processes` processes of `reps` pairs each), for the notes under the tables. */
export function observedNote(processes = OBSERVED_PROCESSES, reps = OBSERVED_REPS): string {
  return `Observed: progress records to a callback and a JSON-lines file and Prometheus metrics in a registry, as \`sluice run --progress-file F --metrics-port P\` watches a job. In each of ${processes} fresh processes per case, after a warm-up run of each side, ${reps} pairs of a plain and an observed sluice run, interleaved (the side that goes first alternates); a pair's ratio is observed ÷ plain records/s by CPU time of the process, so above 1 means the observed run was faster. The cell is the median of all the pairs' ratios with their interquartile range; "best ÷ best" is, per process, the plain side's best CPU time over the observed side's best (load only ever slows a run down, so the best of each side is the least disturbed). Target: median ≥ ${OBSERVED_MIN} (at most 3 % slower).`;
}
