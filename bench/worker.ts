/**
 * One benchmark in a process of its own (started by run.ts), so that JIT state and peak RSS
 * belong to it alone. Sends its result to the parent over IPC.
 *
 *   worker.ts case <id>              an in-memory case: output check, then best of 5 of both sides
 *   worker.ts file <sluice|baseline> <path>   one run over a file: time, output digest, peak RSS
 *   worker.ts idle                   peak RSS of a process that only loaded sluice
 *   worker.ts observed <id> <reps>   plain and observed sluice runs of a case, interleaved: the pairs' ratios (observed.ts)
 *
 * @module
 */
import { CASES, measure, measureObservedHere } from './cases.js';
import { baselineFile, sluiceFile } from './file.js';
import { Digest, timed, type Timing } from './harness.js';

/** What a `file` or `idle` run reports. */
export interface ProcessReport {
  /** Wall clock and CPU time of the run, seconds. */
  readonly seconds: Timing;
  /** Records the pipeline emitted, and their digest (to check that both sides agree). */
  readonly outputs: number;
  readonly hash: number;
  /** Peak resident set size, bytes. */
  readonly peakRss: number;
}

async function main(args: string[]): Promise<unknown> {
  const [what, ...rest] = args;
  if (what === 'case') {
    const c = CASES[rest[0]];
    if (!c) throw new Error(`no case ${rest[0]} (cases: ${Object.keys(CASES).join(', ')})`);
    return measure(c);
  }
  if (what === 'observed') {
    const c = CASES[rest[0]];
    if (!c) throw new Error(`no case ${rest[0]} (cases: ${Object.keys(CASES).join(', ')})`);
    return measureObservedHere(c, Number(rest[1]));
  }
  if (what === 'file') {
    const [side, path] = rest;
    const d = new Digest();
    const seconds = await timed(() => (side === 'sluice' ? sluiceFile : baselineFile)(path, d));
    return { seconds, outputs: d.n, hash: d.hash, peakRss: process.resourceUsage().maxRSS * 1024 } satisfies ProcessReport;
  }
  if (what === 'idle') return { seconds: { wall: 0, cpu: 0 }, outputs: 0, hash: 0, peakRss: process.resourceUsage().maxRSS * 1024 } satisfies ProcessReport;
  throw new Error(`worker: unknown benchmark ${what}`);
}

main(process.argv.slice(2)).then(
  (r) => process.send!(r, undefined, undefined, () => process.exit(0)),
  (e) => { console.error(e); process.exit(1); },
);
