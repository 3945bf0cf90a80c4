/**
 * The cluster runtime's benchmarks (issue 3), one per process, started by
 * bench/cluster-report.ts (`npm run bench`). Each sends its report to the parent over IPC.
 *
 *   cluster.ts wordcount    word count with a shuffle: local, 1 worker, 2 workers (best of RUNS)
 *   cluster.ts codec        Avro encode/decode of the 2-worker run's batches, timed in-process
 *   cluster.ts profile      the 2-worker word count in re-exec mode; run under --cpu-prof, so
 *                           that the workers (re-executing this script) are profiled too
 *   cluster.ts checkpoint   ms per batch of a mapWithState job over 10 k and 1 M keys, with and without checkpointDir;
 *                           then, in-process, the state segments of 1 M keys: a full write, a 1 % delta, a restore
 *   cluster.ts segments     only that in-process part
 *   cluster.ts recovery     a worker SIGKILLed mid-batch: time until the batch is written after all
 *
 * The pipelines are in cluster-jobs.ts, which the workers import (module references), except
 * `profile`, whose workers re-execute this script.
 *
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../runtimes/cluster/index.js';
import { restorePartition, StateWriter } from '../runtimes/core/checkpoint.js';
import { KeyedStateStore, snapshotOf } from '../runtimes/local/state-store.js';
import { codecFor } from '../runtimes/cluster/codec.js';
import { splitBatch } from '../runtimes/core/split-batch.js';
import type { FromWorker } from '../runtimes/cluster/protocol.js';
import type { Pipeline } from '../src/index.js';
import { planPhysical } from '../src/planner/index.js';
import { digestCounts, observed, stateJob, wordCount, wordLines } from './cluster-jobs.js';

const JOBS = fileURLToPath(new URL('./cluster-jobs.ts', import.meta.url));

/** Words of the word-count benchmark. */
export const WORDS = 10_000_000;
/** Lines (of 10 words) a source batch holds in the word-count runs: maxBatchSize. */
export const WC_BATCH_LINES = 20_000;
/** Timed runs of each side of the word count (best taken); each side also runs once before, untimed. */
export const WC_RUNS = 3;
/** Words of the untimed warm-up runs. */
const WARMUP_WORDS = 1_000_000;
/** Pairs (with and without a checkpointDir) of the target row of the checkpoint benchmark. */
export const CHECKPOINT_TARGET_PAIRS = Number(process.env.SLUICE_BENCH_CKPT_PAIRS ?? 5);
/** Records a batch of the state job holds. */
export const STATE_BATCH = 100_000;
/** State sizes (keys), batches and keys changed per batch (`hot`; all the batch's records' keys when absent) of the checkpoint benchmark. */
export const CHECKPOINT_CASES: ReadonlyArray<{ keys: number; batches: number; hot?: number }> = [
  { keys: 10_000, batches: 20 },
  { keys: 1_000_000, batches: 3 },
  { keys: 1_000_000, batches: 16, hot: 10_000 },
];
/** State sizes, batches and the batch (1-based) during which worker 1 is killed, of the recovery benchmark. */
export const RECOVERY_CASES: ReadonlyArray<{ keys: number; batches: number; killIn: number }> = [
  { keys: 10_000, batches: 12, killIn: 6 },
  { keys: 100_000, batches: 12, killIn: 6 },
  // Issue 6's restore target: 1 M keys back in state in ≤ 2 s (each worker restores its own key groups, in parallel).
  { keys: 1_000_000, batches: 8, killIn: 5 },
];

const CLK_TCK = 100;

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux). */
export function procCpu(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function selfCpu(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One word-count run. */
export interface WordCountRun {
  readonly wall: number;
  /** CPU seconds of this process (the local runtime, or the coordinator). */
  readonly cpu: number;
  /** CPU seconds of each worker process during the run. */
  readonly workerCpu: number[];
  /** Shuffle messages the coordinator relayed, and their payload bytes; sink batches it received (bytes). */
  readonly relayed: { messages: number; bytes: number; sinkBytes: number };
}

export interface WordCountReport {
  readonly words: number;
  readonly batchLines: number;
  readonly runs: number;
  /** Best run of each side (by wall clock). */
  readonly local: WordCountRun;
  readonly c1: WordCountRun;
  readonly c2: WordCountRun;
  /** Every timed run's wall clock, seconds. */
  readonly walls: Record<'local' | 'c1' | 'c2', number[]>;
  /** A one-batch job on a freshly started 2-worker pool vs on the warm pool, seconds. */
  readonly start: { cold: number; warm: number };
  /** Output rows per run and the digest every run gave. */
  readonly output: { records: number; hash: number };
}

/** Counts what the coordinator relays: listens to the pool's worker processes. */
function relayCounter(pool: WorkerPool): { reset(): void; read(): WordCountRun['relayed'] } {
  let c = { messages: 0, bytes: 0, sinkBytes: 0 };
  for (const w of pool.workers) {
    w.child.on('message', (m: FromWorker) => {
      // Shuffle parts go worker to worker (exchange.ts): the coordinator sees only sink batches.
      if (m.type === 'sink') c.sinkBytes += m.data?.byteLength ?? 0;
    });
  }
  return { reset: () => { c = { messages: 0, bytes: 0, sinkBytes: 0 }; }, read: () => c };
}

async function runWordCount(words: number, pool?: WorkerPool): Promise<WordCountRun & { records: number; hash: number; total: number }> {
  const p = wordCount(words);
  gc();
  const w0 = pool?.workers.map((w) => procCpu(w.child.pid!)) ?? [];
  const c0 = selfCpu();
  const t0 = performance.now();
  if (pool) await p.run({ runtime: 'cluster', pool, worker: { module: JOBS, export: 'wordCount', args: [words] }, pace: 'asap', maxBatchSize: WC_BATCH_LINES } as never);
  else await p.run({ pace: 'asap', maxBatchSize: WC_BATCH_LINES });
  const wall = (performance.now() - t0) / 1000;
  const cpu = selfCpu() - c0;
  const workerCpu = pool?.workers.map((w, i) => procCpu(w.child.pid!) - w0[i]) ?? [];
  if (observed.total !== words) throw new Error(`word count ${pool ? `on ${pool.size} worker(s)` : 'local'}: counted ${observed.total} words of ${words}`);
  return { wall, cpu, workerCpu, relayed: { messages: 0, bytes: 0, sinkBytes: 0 }, records: observed.records, hash: observed.hash, total: observed.total };
}

async function wordcount(): Promise<WordCountReport> {
  const t0 = performance.now();
  const p2 = WorkerPool.start({ workers: 2, mode: 'module' });
  const p1 = WorkerPool.start({ workers: 1, mode: 'module' });
  try {
    // Start-up: the first job on a fresh pool (fork, tsx, import, build) vs the same job on the warm pool.
    const one = WC_BATCH_LINES * 10;
    await runWordCount(one, p2);
    const cold = (performance.now() - t0) / 1000;
    const warm = (await runWordCount(one, p2)).wall;
    const relay2 = relayCounter(p2);
    const relay1 = relayCounter(p1);
    // Warm-up of every side, and the output check (same counts, same digest).
    const ref = await runWordCount(WARMUP_WORDS);
    for (const pool of [p1, p2]) {
      const r = await runWordCount(WARMUP_WORDS, pool);
      if (r.records !== ref.records || r.hash !== ref.hash) throw new Error(`word count on ${pool.size} worker(s) differs from local: ${r.records} rows, digest ${r.hash} vs ${ref.records}, ${ref.hash}`);
    }
    const best: Partial<Record<'local' | 'c1' | 'c2', WordCountRun>> = {};
    const walls: WordCountReport['walls'] = { local: [], c1: [], c2: [] };
    let output: { records: number; hash: number } | undefined;
    for (let i = 0; i < WC_RUNS; i++) {
      for (const [side, pool, relay] of [['local', undefined, undefined], ['c1', p1, relay1], ['c2', p2, relay2]] as const) {
        relay?.reset();
        const r = await runWordCount(WORDS, pool);
        const run: WordCountRun = { wall: r.wall, cpu: r.cpu, workerCpu: r.workerCpu, relayed: { ...(relay?.read() ?? { messages: 0, bytes: 0, sinkBytes: 0 }) } };
        output ??= { records: r.records, hash: r.hash };
        if (r.records !== output.records || r.hash !== output.hash) throw new Error(`word count ${side} run ${i + 1}: ${r.records} rows, digest ${r.hash}; first run ${output.records}, ${output.hash}`);
        walls[side].push(r.wall);
        if (!best[side] || run.wall < best[side]!.wall) best[side] = run;
      }
    }
    return { words: WORDS, batchLines: WC_BATCH_LINES, runs: WC_RUNS, local: best.local!, c1: best.c1!, c2: best.c2!, walls, start: { cold, warm }, output: output! };
  } finally {
    await p1.close();
    await p2.close();
  }
}

export interface CodecReport {
  /** Seconds spent encoding / decoding, per edge kind; bytes and messages. */
  readonly split: CodecTimes;
  readonly hash: CodecTimes;
  readonly sink: CodecTimes;
  /** Payload bytes of the parts that would cross processes (worker → coordinator → worker). */
  readonly crossBytes: number;
  readonly crossMessages: number;
  /** Digest of the reconstructed sink output (must equal the cluster run's). */
  readonly records: number;
  readonly hashDigest: number;
}

interface CodecTimes { encode: number; decode: number; bytes: number; messages: number; records: number }

/**
 * Replays the batches of the 2-worker word count in this process: the same source batches,
 * the planner's own edges and `splitBatch`, the map-side combine and the final reduce as
 * Maps, and through the cluster's codecs (`codecFor`, one instance per edge and process as in
 * the workers and the coordinator) every part the workers encode: the source's contiguous
 * slices, the combined pairs by key group, each partition's counts to the coordinator. Only
 * the codec calls are timed.
 */
function replayCodec(words: number): CodecReport {
  const P = 2;
  const phys = planPhysical(wordCount(words).plan(), { partitions: P });
  const split = phys.edges.find((e) => e.mode === 'split');
  const hash = phys.edges.find((e) => e.mode === 'hash');
  if (!split || !hash || phys.edges.length !== 2) throw new Error(`word count plan: expected a split and a hash edge, got ${phys.edges.map((e) => `${e.id} ${e.mode}`).join(', ')}`);
  const worker = (p: number) => p % P;
  const codecs = Array.from({ length: P }, () => ({
    split: codecFor(`${split.from}→${split.to}`, split.schema),
    hash: codecFor(`${hash.from}→${hash.to}`, hash.schema),
    sink: codecFor('sink', 'inferred'),
  }));
  const coordinatorSink = codecFor('sink', 'inferred');
  const times = { split: zero(), hash: zero(), sink: zero() };
  let crossBytes = 0;
  let crossMessages = 0;
  let records = 0;
  let digest = 0;
  function pass(kind: 'split' | 'hash' | 'sink', rs: unknown[], from: number, to: number | 'coordinator'): unknown[] {
    const enc = codecs[worker(from)][kind];
    const dec = to === 'coordinator' ? coordinatorSink : codecs[worker(to)][kind];
    const t0 = performance.now();
    const data = enc.encode(rs, to);
    const t1 = performance.now();
    const out = dec.decode(data);
    const t2 = performance.now();
    const c = times[kind];
    c.encode += (t1 - t0) / 1000;
    c.decode += (t2 - t1) / 1000;
    c.bytes += data.byteLength;
    c.messages++;
    c.records += rs.length;
    if (to !== 'coordinator' && worker(to) !== worker(from)) { crossBytes += data.byteLength; crossMessages++; }
    return out;
  }
  const it = wordLines(words)[Symbol.iterator]();
  for (let done = false; !done;) {
    const lines: string[] = [];
    while (lines.length < WC_BATCH_LINES) {
      const n = it.next();
      if (n.done) { done = true; break; }
      lines.push(n.value);
    }
    // Batch times with an empty source batch still exchange (empty) parts; so does this.
    const slices = splitBatch(split, phys.keyGroups, 0, lines);
    const toReduce: unknown[][][] = Array.from({ length: P }, () => []);
    for (let q = 0; q < P; q++) {
      const slice = pass('split', slices[q], 0, q) as string[];
      const combined = new Map<string, number>();
      for (const l of slice) for (const w of l.split(' ')) combined.set(w, (combined.get(w) ?? 0) + 1);
      const parts = splitBatch(hash, phys.keyGroups, q, [...combined]);
      for (let r = 0; r < P; r++) toReduce[r][q] = pass('hash', parts[r], q, r);
    }
    for (let r = 0; r < P; r++) {
      const m = new Map<string, number>();
      for (const part of toReduce[r]) for (const [w, n] of part as Array<[string, number]>) m.set(w, (m.get(w) ?? 0) + n);
      const out = pass('sink', [...m], r, 'coordinator') as Array<[string, number]>;
      records += out.length;
      digest = digestCounts(out, digest);
    }
  }
  return { ...times, crossBytes, crossMessages, records, hashDigest: digest };
}

function zero(): CodecTimes {
  return { encode: 0, decode: 0, bytes: 0, messages: 0, records: 0 };
}

/** The codec replay, and the operators' baseline: the local runtime's word count (best of 2), in this process. */
async function codec(): Promise<CodecReport & { ops: { wall: number; cpu: number } }> {
  replayCodec(WARMUP_WORDS);
  gc();
  const report = replayCodec(WORDS);
  await runWordCount(WARMUP_WORDS);
  let ops = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < 2; i++) {
    const r = await runWordCount(WORDS);
    if (r.wall < ops.wall) ops = { wall: r.wall, cpu: r.cpu };
  }
  return { ...report, ops };
}

/** What the profiled run reports: its window of steady batches on the monotonic clock (µs) and its pid. */
export interface ProfileRun {
  readonly pid: number;
  readonly wall: number;
  /** From the end of the first batch to the end of the last: the samples counted. */
  readonly window: { from: number; to: number; batches: number };
  readonly records: number;
  readonly hash: number;
}

async function profile(): Promise<ProfileRun> {
  const p: Pipeline = wordCount(WORDS);
  const t0 = performance.now();
  // In a worker (SLUICE_WORKER set) this call serves the pipeline and never returns.
  await p.run({ runtime: 'cluster', workers: 2, pace: 'asap', maxBatchSize: WC_BATCH_LINES } as never);
  const wall = (performance.now() - t0) / 1000;
  const bs = observed.batches;
  return { pid: process.pid, wall, window: { from: bs[0].mono, to: bs[bs.length - 1].mono, batches: bs.length - 1 }, records: observed.records, hash: observed.hash };
}

export interface CheckpointCase {
  readonly keys: number;
  readonly batches: number;
  /** Keys changed per batch, when fewer than the batch's records touch. */
  readonly hot?: number;
  /** ms per batch, from the first batch's sink write to the last's, without and with a checkpointDir. */
  readonly without: number;
  readonly with: number;
  /** Wall clock of each whole run (start of workers' job to end), seconds. */
  readonly wall: { without: number; with: number };
  /** CPU seconds of each whole run: the coordinator, and the workers together. */
  readonly cpu: { without: { coordinator: number; workers: number }; with: { coordinator: number; workers: number } };
  /** Bytes of the first commit's state files (full segments of every partition). */
  readonly stateBytes: number;
  /** with ÷ without of every pair run (the row's figures are those of the median pair). */
  readonly ratios: readonly number[];
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) n += f.isDirectory() ? dirBytes(join(dir, f.name)) : statSync(join(dir, f.name)).size;
  return n;
}

/** Runs the state job on `pool`; returns the sink marks, wall seconds and the output check. */
export async function runState(pool: WorkerPool, keys: number, batches: number, checkpointDir?: string, hot?: number): Promise<{ marks: typeof observed.batches; wall: number; cpu: { coordinator: number; workers: number }; records: number; hash: number }> {
  const records = batches * STATE_BATCH;
  const p = stateJob(keys, records, hot);
  gc();
  const w0 = sumOf(pool.workers.map((w) => procCpu(w.child.pid!)));
  const c0 = selfCpu();
  const t0 = performance.now();
  await p.run({ runtime: 'cluster', pool, worker: { module: JOBS, export: 'stateJob', args: [keys, records, hot] }, pace: 'asap', maxBatchSize: STATE_BATCH, checkpointDir } as never);
  const wall = (performance.now() - t0) / 1000;
  // (After a restart the workers are new processes: their CPU is then counted from their start.)
  const cpu = { coordinator: selfCpu() - c0, workers: sumOf(pool.workers.map((w) => procCpu(w.child.pid!))) - w0 };
  const marks = observed.batches.filter((b) => b.t <= batches * 1000);
  if (marks.length !== batches) throw new Error(`state job (${keys} keys): the sink saw ${marks.length} of ${batches} batches`);
  return { marks, wall, cpu, records: observed.records, hash: observed.hash };
}

const perBatch = (marks: typeof observed.batches) => (marks[marks.length - 1].at - marks[0].at) / (marks.length - 1);

/** What the checkpoint benchmark reports. */
export interface CheckpointReport {
  readonly cases: CheckpointCase[];
  readonly segments: SegmentTimes;
}

async function checkpoint(): Promise<CheckpointReport> {
  const pool = WorkerPool.start({ workers: 2, mode: 'module' });
  const tmp = mkdtempSync(join(os.tmpdir(), 'sluice-bench-ckpt-'));
  try {
    await runState(pool, 10_000, 3); // warm-up: workers load the modules
    const out: CheckpointCase[] = [];
    for (const { keys, batches, hot } of CHECKPOINT_CASES) {
      // The target row (1 % of the keys changed a batch) runs as several pairs, the side that goes first alternating; its figures are the pairs' medians.
      const reps = hot ? CHECKPOINT_TARGET_PAIRS : 1;
      const pairs: Array<{ a: Awaited<ReturnType<typeof runState>>; b: Awaited<ReturnType<typeof runState>>; stateBytes: number }> = [];
      for (let r = 0; r < reps; r++) {
        const dir = join(tmp, `${keys}-${r}`);
        const plainFirst = r % 2 === 0;
        const x = await runState(pool, keys, batches, plainFirst ? undefined : dir, hot);
        const y = await runState(pool, keys, batches, plainFirst ? dir : undefined, hot);
        const [a, b] = plainFirst ? [x, y] : [y, x];
        if (a.records !== b.records || a.hash !== b.hash) throw new Error(`state job (${keys} keys): output with checkpoints differs`);
        // The first checkpoint's directory: full segments (its deltas are pruned with their commits; their size is in segmentTimes).
        const first = Math.min(...readdirSync(join(dir, 'state')).map(Number));
        pairs.push({ a, b, stateBytes: dirBytes(join(dir, 'state', String(first))) });
        rmSync(dir, { recursive: true, force: true });
      }
      const ratios = pairs.map((q) => perBatch(q.b.marks) / perBatch(q.a.marks));
      const mid = pairs[pairs.map((_, i) => i).sort((i, j) => ratios[i] - ratios[j])[Math.floor((pairs.length - 1) / 2)]];
      out.push({ keys, batches, hot, without: perBatch(mid.a.marks), with: perBatch(mid.b.marks), wall: { without: mid.a.wall, with: mid.b.wall }, cpu: { without: mid.a.cpu, with: mid.b.cpu }, stateBytes: mid.stateBytes, ratios });
    }
    return { cases: out, segments: segmentTimes(join(tmp, 'segments')) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await pool.close();
  }
}

/** ms of the state segments of {@link SEGMENT_KEYS} keys, in this process (one partition). */
export interface SegmentTimes {
  readonly keys: number;
  /** A full segment: snapshot, Avro encode, write and fsync; and its bytes. */
  readonly full: number;
  readonly fullBytes: number;
  /** A delta of 1 % of the keys; and its bytes. */
  readonly delta: number;
  readonly deltaBytes: number;
  /** Restore of every key from the full segment and the delta: read, check, decode, apply the delta, rebuild the store (best of 3). */
  readonly restore: number;
  /** CPU ms (user + system) of this process during the full write, the delta and the best restore: on a loaded machine, wall time is also waiting for a core. */
  readonly cpu: { readonly full: number; readonly delta: number; readonly restore: number };
}

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Keys of the in-process segment benchmark. */
export const SEGMENT_KEYS = 1_000_000;

/** Times a full segment, a 1 % delta and the restore of {@link SEGMENT_KEYS} keys (mapWithState's store: `[state, touched]`). */
function segmentTimes(dir: string): SegmentTimes {
  const p = stateJob(SEGMENT_KEYS, 0);
  const plan = p.plan();
  const node = plan.nodes.find((n) => n.kind === 'mapWithState')!.id;
  const store = new KeyedStateStore<{ state: number; touched: number }>((e) => [e.state, e.touched]);
  for (let i = 0; i < SEGMENT_KEYS; i++) store.set(`k${i}`, { state: i, touched: 1000 });
  const writer = new StateWriter(dir, plan);
  gc();
  let c0 = cpuMs();
  let t0 = performance.now();
  const [full] = writer.write(1000, node, 0, 1, snapshotOf(store, writer.mode(node, 0)));
  const fullMs = performance.now() - t0;
  const fullCpu = cpuMs() - c0;
  for (let i = 0; i < SEGMENT_KEYS / 100; i++) { const k = `k${i * 100}`; store.entry(k, () => ({ state: 0, touched: 0 })).value.state += 1; store.changed(k); }
  gc();
  c0 = cpuMs();
  t0 = performance.now();
  const chain = writer.write(2000, node, 0, 1, snapshotOf(store, writer.mode(node, 0)));
  const deltaMs = performance.now() - t0;
  const deltaCpu = cpuMs() - c0;
  let restore = Infinity;
  let restoreCpu = Infinity;
  for (let r = 0; r < 3; r++) {
    gc();
    c0 = cpuMs();
    t0 = performance.now();
    const s = restorePartition(dir, plan, { t: 2000, segments: chain }, node, 0, 1)!;
    const back = new KeyedStateStore<{ state: number; touched: number }>((e) => [e.state, e.touched]);
    for (const [k, st, touched] of s.keyed ?? []) back.set(k, { state: st as number, touched: touched as number });
    restore = Math.min(restore, performance.now() - t0);
    restoreCpu = Math.min(restoreCpu, cpuMs() - c0);
    if (back.size !== SEGMENT_KEYS || back.get('k100')?.state !== 101) throw new Error('segment restore: wrong state');
  }
  return { keys: SEGMENT_KEYS, full: fullMs, fullBytes: full.bytes, delta: deltaMs, deltaBytes: chain[1].bytes, restore, cpu: { full: fullCpu, delta: deltaCpu, restore: restoreCpu } };
}

export interface RecoveryCase {
  readonly keys: number;
  readonly batches: number;
  /** The batch (time, ms) during which worker 1 was killed. */
  readonly killedIn: number;
  /** ms per batch of the run without a failure (median interval between sink writes). */
  readonly batchMs: number;
  /** ms from the SIGKILL to: the coordinator restarting the workers, new workers forked, all built the pipeline (hello), all restored the checkpoint (ready), the killed batch written. */
  readonly marks: { restart: number; forked: number; hello: number; ready: number; written: number };
  /** Wall clock of the whole job, seconds, without and with the kill. */
  readonly wall: { clean: number; killed: number };
}

async function recovery(): Promise<RecoveryCase[]> {
  const pool = WorkerPool.start({ workers: 2, mode: 'module' });
  const tmp = mkdtempSync(join(os.tmpdir(), 'sluice-bench-recovery-'));
  try {
    await runState(pool, 10_000, 3);
    const out: RecoveryCase[] = [];
    for (const { keys, batches, killIn } of RECOVERY_CASES) {
      const clean = await runState(pool, keys, batches, join(tmp, `clean-${keys}`));
      const intervals = clean.marks.slice(1).map((m, i) => m.at - clean.marks[i].at).sort((x, y) => x - y);
      const killT = killIn * 1000;
      // Kill worker 1 (SIGKILL, by pid) when worker 0 reports its first finished stage partition
      // of batch `killIn` (shuffle parts go worker to worker, the coordinator does not see them).
      let killAt = 0;
      const at: Partial<RecoveryCase['marks']> = {};
      const seen = { hello: 0, ready: 0 };
      const w0 = pool.workers[0].child;
      const victim = pool.workers[1].child;
      const listening: Array<() => void> = [];
      const onMessage = (m: FromWorker) => {
        if (killAt || m.type !== 'stage' || m.t !== killT) return;
        killAt = performance.now();
        process.kill(victim.pid!, 'SIGKILL');
      };
      w0.on('message', onMessage);
      const restart = pool.restart.bind(pool);
      pool.restart = async () => {
        at.restart = performance.now() - killAt;
        await restart();
        at.forked = performance.now() - killAt;
        for (const w of pool.workers) {
          const child = w.child;
          const on = (m: FromWorker) => {
            if (m.type === 'hello' && ++seen.hello === pool.size) at.hello = performance.now() - killAt;
            if (m.type === 'ready' && ++seen.ready === pool.size) at.ready = performance.now() - killAt;
          };
          child.on('message', on);
          listening.push(() => child.off('message', on));
        }
      };
      let killed: Awaited<ReturnType<typeof runState>>;
      try {
        killed = await runState(pool, keys, batches, join(tmp, `killed-${keys}`));
      } finally {
        w0.off('message', onMessage);
        for (const off of listening) off();
        pool.restart = restart;
      }
      if (!killAt || at.ready === undefined) throw new Error(`recovery (${keys} keys): the kill did not happen or the workers did not restart`);
      if (killed.records !== clean.records || killed.hash !== clean.hash) throw new Error(`recovery (${keys} keys): output after the kill differs (${killed.records} rows, digest ${killed.hash}; without: ${clean.records}, ${clean.hash})`);
      const written = killed.marks.find((m) => m.t === killT);
      if (!written || written.at < killAt) throw new Error(`recovery (${keys} keys): batch ${killT} was written before the kill`);
      out.push({
        keys, batches, killedIn: killT,
        batchMs: intervals[Math.floor(intervals.length / 2)],
        marks: { restart: at.restart!, forked: at.forked!, hello: at.hello!, ready: at.ready!, written: written.at - killAt },
        wall: { clean: clean.wall, killed: killed.wall },
      });
    }
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await pool.close();
  }
}

export async function main(what: string | undefined): Promise<unknown> {
  switch (what) {
    case 'wordcount': return wordcount();
    case 'codec': return codec();
    case 'profile': return profile();
    case 'checkpoint': return checkpoint();
    case 'recovery': return recovery();
    case 'segments': {
      const tmp = mkdtempSync(join(os.tmpdir(), 'sluice-bench-seg-'));
      try { return segmentTimes(tmp); } finally { rmSync(tmp, { recursive: true, force: true }); }
    }
    default: throw new Error(`cluster.ts: unknown benchmark ${what} (wordcount, codec, profile, checkpoint, recovery, segments)`);
  }
}

// Only as the entry script (cluster-report.ts imports this module for its constants and types).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (r) => process.send!(r, undefined, undefined, () => process.exit(0)),
    (e) => { console.error(e); process.exit(1); },
  );
}
