/**
 * A test hook that SIGKILLs this process at named points of the prepare / commit sequence
 * of sinks and checkpoints, so that a kill test can hit every file write of a commit.
 * Inactive (one branch per call) unless `SLUICE_TEST_CRASH_AT` is set.
 *
 * `SLUICE_TEST_CRASH_AT=<label>:<n>[,<label>:<n>…]` lists kill points in order;
 * `SLUICE_TEST_CRASH_DIR=<dir>` keeps which have fired (a file per point, naming its label,
 * batch time, process role and pid), shared by every process of the job and by the reruns after a kill.
 * The first point that has not fired is armed: the process that reaches its label for the
 * n-th time (counted in that process) writes the point's file and kills itself. A worker
 * does not kill itself at a batch time where an earlier point killed a worker (so one
 * batch does not fail three times, which would stop the job; a killed coordinator is run
 * again and counts no failure).
 *
 * @module
 * @internal
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every label a kill test can name, in the order a commit reaches them. */
export const CRASH_LABELS = [
  'sink.prepare.written', // a partition's part is in its temp file, fsynced
  'sink.prepare.renamed', // … and renamed to its pending name
  'dlq.prepare.written',
  'dlq.prepare.renamed',
  'worker.prepared', // a worker prepared every partition of t, before it reports done
  'checkpoint.offsets', // the coordinator wrote offsets/<t>.json, not yet the commit record
  'checkpoint.committed', // the commit record of t is written, the workers not told yet
  'sink.commit.linked', // the committer linked the pending parts to their final names
  'sink.commit.manifest', // … and appended them to the manifest
  'sink.commit.cleaned', // … and removed the pending names
  'dlq.commit.appended', // the dead letters of t are appended to the file
  'dlq.commit.logged', // … and the file's commit log says so
  'dlq.commit.cleaned', // … and the pending files are removed
] as const;

/** A label of {@link CRASH_LABELS}. */
export type CrashLabel = (typeof CRASH_LABELS)[number];

interface Point { readonly label: string; readonly n: number }

const spec = process.env.SLUICE_TEST_CRASH_AT;
const points: Point[] | undefined = spec
  ? spec.split(',').filter(Boolean).map((s) => {
      const i = s.lastIndexOf(':');
      return { label: s.slice(0, i), n: Number(s.slice(i + 1)) };
    })
  : undefined;
const dir = process.env.SLUICE_TEST_CRASH_DIR;
const counts = new Map<string, number>();
const firedHere = new Set<number>();

/**
 * Counts a pass through `label` (at batch time `t`) and SIGKILLs this process when the
 * armed kill point says so. Does nothing unless `SLUICE_TEST_CRASH_AT` is set.
 *
 * @example
 * ```ts
 * await fh.sync();
 * crashPoint('sink.prepare.written', t);
 * ```
 * @internal
 */
export function crashPoint(label: CrashLabel, t?: number): void {
  if (!points) return;
  const c = (counts.get(label) ?? 0) + 1;
  counts.set(label, c);
  const role = process.env.SLUICE_WORKER !== undefined ? `worker ${process.env.SLUICE_WORKER}` : 'coordinator';
  const fired: Array<{ t?: number; role: string }> = [];
  for (let i = 0; i < points.length; i++) {
    const file = dir !== undefined ? join(dir, `point-${i}.json`) : undefined;
    const done = file ? existsSync(file) : firedHere.has(i);
    if (done) {
      if (file) fired.push(JSON.parse(readFileSync(file, 'utf8')) as { t?: number; role: string });
      continue;
    }
    const p = points[i];
    if (p.label !== label || c < p.n) return;
    if (t !== undefined && role !== 'coordinator' && fired.some((f) => f.t === t && f.role !== 'coordinator')) return;
    if (file) {
      // Written then renamed: another process checking this point never reads a half-written file.
      writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify({ label, n: p.n, t, role, pid: process.pid }));
      renameSync(`${file}.${process.pid}.tmp`, file);
    }
    firedHere.add(i);
    process.kill(process.pid, 'SIGKILL');
    return;
  }
}
