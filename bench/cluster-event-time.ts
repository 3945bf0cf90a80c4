/**
 * Event-time tumbling windows on the cluster runtime (issue 6): lines `k<key>,<event time>`
 * in a text file → map(parse) → withEventTime(watermarkDelay 1 s) → keyBy → tumbling(10 s)
 * count → foreachBatch, on the local runtime and on the cluster runtime with 1 and 2 workers
 * (as many partitions), runs alternating, best wall clock per side. With 2 workers each
 * worker reads its own slice of every batch, parses and keys it, and the pairs go worker to
 * worker by key group, each part with its producer's largest event time, so both workers run
 * windows (each with the global watermark). Every side's output digest must equal the local
 * runtime's. CPU: this process's `cpuUsage()` plus each worker's utime + stime from /proc.
 *
 *   npx tsx --expose-gc bench/cluster-event-time.ts [events=5000000] [runs=3]
 *   npm run bench -- eventtime     (the same with the defaults, as a section of RESULTS.md in a full run)
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pipeline, Sources, seconds, tumbling, type Windowed } from '../src/index.js';
import type { WorkerPool } from '../runtimes/cluster/pool.js';
import { strHash } from './cluster-jobs.js';
import { balancedRow, compareSides, sidesTable, loadedBefore, withLoad, type RunOutput, type Side, type SideRun, type SidesResults } from './cluster-sides.js';

const SELF = fileURLToPath(import.meta.url);
/** Distinct keys. */
export const ET_KEYS = 10_000;
/** Lines a batch. */
export const ET_BATCH_LINES = 50_000;
/** Event time advances 1 ms every this many events (so a batch spans 5 s of event time, a 10 s window two batches). */
const EVENTS_PER_MS = 10;
/** Event times jitter back by up to this (ms): out of order within the watermark delay. */
const JITTER_MS = 1000;

/**
 * The input: `k<key>,<event time>` lines, keys from a 32-bit LCG (high bits), event times
 * moving forward with jitter.
 */
export function eventLines(events: number): string {
  const out: string[] = [];
  let x = 987654321;
  for (let i = 0; i < events; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const key = (x >>> 8) % ET_KEYS;
    out.push(`k${key},${Math.floor(i / EVENTS_PER_MS) + JITTER_MS - ((x >>> 4) % JITTER_MS)}`);
  }
  return `${out.join('\n')}\n`;
}

interface Ev { readonly k: string; readonly t: number }

const parse = (l: string): Ev => {
  const c = l.indexOf(',');
  return { k: l.slice(0, c), t: Number(l.slice(c + 1)) };
};

const seen = { windows: 0, events: 0, hash: 0 };

function digest(rs: ReadonlyArray<Windowed<string, number>>): void {
  for (const w of rs) {
    seen.hash = (seen.hash + Math.imul(strHash(w.key), (w.start / 1000 + 1) * 31 + w.value)) >>> 0;
    seen.events += w.value;
  }
  seen.windows += rs.length;
}

/** The job (what the workers rebuild too). */
export function eventTimeWindows(path: string): Pipeline {
  seen.windows = 0; seen.events = 0; seen.hash = 0;
  const p = Pipeline.create('bench-cluster-event-time', { batchInterval: seconds(1) });
  p.source(Sources.textFile(path))
    .map(parse)
    .withEventTime((e) => e.t, { watermarkDelay: seconds(1) })
    .keyBy((e) => e.k)
    .window(tumbling(seconds(10)))
    .count()
    .foreachBatch(digest);
  return p;
}

/** One run of the job on `pool` (undefined: the local runtime); checks it counted every event. */
async function runOnce(path: string, events: number, pool?: WorkerPool, balance = true): Promise<RunOutput> {
  const p = eventTimeWindows(path);
  if (pool) await p.run({ runtime: 'cluster', pool, worker: { module: SELF, export: 'eventTimeWindows', args: [path] }, pace: 'asap', maxBatchSize: ET_BATCH_LINES, balance } as never);
  else await p.run({ pace: 'asap', maxBatchSize: ET_BATCH_LINES });
  if (seen.events !== events) throw new Error(`event-time windows ${pool ? `on ${pool.size} worker(s)` : 'local'}: counted ${seen.events} of ${events} events`);
  return { digest: `${seen.windows} windows, digest ${seen.hash}` };
}

/** Events of the benchmark (issue 6). */
export const ET_EVENTS = 5_000_000;
/** Timed runs of each side (best taken). */
export const ET_RUNS = 3;
/** 2 workers ÷ 1 worker must reach this (issue 6). */
export const ET_TARGET = 1.4;

/** What {@link runEventTime} measured. */
export interface EventTimeResults extends SidesResults {
  readonly events: number;
  readonly windows: number;
}

/** The benchmark with its defaults, and the machine load around it. */
export function runEventTime(events = ET_EVENTS, runs = ET_RUNS): Promise<EventTimeResults> {
  return withLoad(async () => ({ events, runs, ...(await clusterEventTime(events, runs)) }));
}

/** The RESULTS.md section. A ratio measured when the 1-minute load average exceeded the cores before the run is not called PASS or FAIL. */
export function renderEventTime(r: EventTimeResults, cmd: string): string {
  const ratio = r.best.c1.wall / r.best.c2.wall;
  const cores = os.cpus().length;
  const loaded = loadedBefore(r);
  const result = loaded ? 'not judged (machine loaded)' : ratio >= ET_TARGET ? 'PASS' : 'FAIL';
  const fmt = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  return [
    `Lines \`k<key>,<event time>\` (${ET_KEYS.toLocaleString('en')} keys, event time 1 ms per ${EVENTS_PER_MS} events with up to ${JITTER_MS} ms jitter) in a temporary file; \`Sources.textFile\` (${ET_BATCH_LINES.toLocaleString('en')} lines a batch, pace asap) → map(parse) → withEventTime(delay 1 s) → keyBy → tumbling(10 s) count → foreachBatch; ${r.events.toLocaleString('en')} events, ${r.windows.toLocaleString('en')} windows, every side's output digest equal to the local one; best of ${r.runs}, sides alternating. With 2 workers each reads its own slice of every batch and the windows run on both partitions (the exchange carries each producer's largest event time). Load average ${fmt(r.load[0])} at the start, ${fmt(r.load[1])} at the end (${cores} cores).`,
    '',
    r.table,
    '',
    '| check | value | target | result |',
    '| --- | --- | --- | --- |',
    `| 2 workers ÷ 1 worker (wall clock) | ${ratio.toFixed(2)}× | ≥ ${ET_TARGET}× | ${result} |`,
    balancedRow(r.best),
    '',
    `Command: \`${cmd}\`${cmd.startsWith('npm') ? ` (or alone: \`npx tsx --expose-gc bench/cluster-event-time.ts ${r.events} ${r.runs}\`)` : ''}`,
  ].join('\n');
}

/** Runs the benchmark; returns the best run of each side, the windows and the table as markdown. */
export async function clusterEventTime(events: number, runs: number): Promise<{ best: Record<Side, SideRun>; windows: number; table: string }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-event-time-'));
  const path = join(dir, 'events.txt');
  writeFileSync(path, eventLines(events));
  try {
    const { best } = await compareSides(runs, (pool, balance) => runOnce(path, events, pool, balance));
    return { best, windows: seen.windows, table: sidesTable(best, events, 'event') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const events = Number(process.argv[2] ?? ET_EVENTS);
  const runs = Number(process.argv[3] ?? ET_RUNS);
  process.stdout.write(`${renderEventTime(await runEventTime(events, runs), `npx tsx --expose-gc bench/cluster-event-time.ts ${events} ${runs}`)}\n`);
}
