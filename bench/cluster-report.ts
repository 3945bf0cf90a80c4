/**
 * The cluster part of `npm run bench`: runs each benchmark of cluster.ts in a process of its
 * own, reads the CPU profiles of the profiled run, and renders the section of RESULTS.md.
 *
 * @module
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  RECOVERY_CASES, STATE_BATCH, WC_BATCH_LINES, WC_RUNS,
  type CheckpointReport, type CodecReport, type ProfileRun, type RecoveryCase, type WordCountReport,
} from './cluster.js';

const ENTRY = fileURLToPath(new URL('./cluster.ts', import.meta.url));
/** Records/s the 2-worker word count must reach (issue 3). */
export const TARGET_2_WORKERS = 1_500_000;
/** Node flags of cluster workers (runtimes/cluster/pool.ts); the codec replay and its operator baseline run with them too. */
const WORKER_FLAGS = ['--max-semi-space-size=64'];

/** Runs cluster.ts `what` in a fresh process and resolves with what it sends. */
function child<T>(what: string, execArgv: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const c = fork(ENTRY, [what], {
      execArgv: [...process.execArgv, '--expose-gc', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: T | undefined;
    c.on('message', (m) => { result = m as T; });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`bench cluster.ts ${what} exited with ${code}`))));
  });
}

/** CPU seconds by category in one process's profile, within the window. */
type Categories = Record<Category, number>;
const CATEGORIES = ['operators', 'codec', 'ipc', 'runtime', 'gc', 'other', 'idle'] as const;
type Category = (typeof CATEGORIES)[number];
const CATEGORY_TEXT: Record<Category, string> = {
  operators: 'operators: source generator, flatMap, map, map-side combine, reduceByKey, sink (runtimes/local, src/io, the job\'s functions)',
  codec: 'Avro encode / decode (src/wire)',
  ipc: 'IPC: channel serialisation, send, receive (node:internal/child_process)',
  runtime: 'cluster runtime: shuffle split, relay, batch bookkeeping (runtimes/cluster)',
  gc: 'garbage collector',
  other: 'other JavaScript and native (promise plumbing, buffers, …)',
  idle: 'idle: waiting for messages (batch barrier, the source\'s slice, the relay)',
};

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Attributes each sample of `file` inside [from, to] (µs, monotonic clock) to the nearest categorised frame on its stack. */
function categorise(file: string, from: number, to: number): Categories {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Category>();
  const of = (id: number): Category => {
    let c = memo.get(id);
    if (c) return c;
    const leaf = byId.get(id)!.callFrame.functionName;
    c = leaf === '(garbage collector)' ? 'gc' : leaf === '(idle)' ? 'idle' : 'other';
    if (c === 'other') {
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
        const url = byId.get(x)!.callFrame.url;
        if (/\/src\/wire\//.test(url)) { c = 'codec'; break; }
        if (/child_process|serialization/.test(url)) { c = 'ipc'; break; }
        if (/\/runtimes\/local\/|\/src\/io\/|\/src\/dsl\/|\/bench\/cluster-jobs/.test(url)) { c = 'operators'; break; }
        if (/\/runtimes\/cluster\//.test(url)) { c = 'runtime'; break; }
      }
    }
    memo.set(id, c);
    return c;
  };
  const out = Object.fromEntries(CATEGORIES.map((k) => [k, 0])) as Categories;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i] ?? 0;
    t += d;
    if (t < from || t > to) continue;
    out[of(p.samples[i])] += d / 1e6;
  }
  return out;
}

export interface ProfileReport {
  readonly run: ProfileRun;
  /** Seconds by category in the window: the coordinator, then each worker. */
  readonly coordinator: Categories;
  readonly workers: Categories[];
}

async function profiled(): Promise<ProfileReport> {
  const dir = mkdtempSync(join(os.tmpdir(), 'sluice-bench-prof-'));
  try {
    // Workers re-execute cluster.ts with the coordinator's Node flags, so they are profiled too.
    const run = await child<ProfileRun>('profile', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread (others: tsx's loader thread).
    const main = readdirSync(dir).map((f) => ({ f, m: /\.(\d+)\.0\.\d+\.cpuprofile$/.exec(f) })).filter((x) => x.m);
    const coordinator = main.find((x) => Number(x.m![1]) === run.pid);
    const workers = main.filter((x) => x !== coordinator);
    if (!coordinator || workers.length !== 2) throw new Error(`profile: expected the coordinator's and 2 workers' profiles, found ${main.map((x) => x.f).join(', ')}`);
    const { from, to } = run.window;
    // Worker 0 (which reads the source) was forked first: the lower pid.
    const ws = workers.sort((a, b) => Number(a.m![1]) - Number(b.m![1])).map((x) => categorise(join(dir, x.f), from, to));
    return { run, coordinator: categorise(join(dir, coordinator.f), from, to), workers: ws };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Operators baseline and codec replay, in a process with the workers' Node flags. */
export interface CodecAndOps extends CodecReport {
  /** The local runtime's word count in that process: best wall and CPU seconds. */
  readonly ops: { wall: number; cpu: number };
}

export interface ClusterResults {
  readonly started: string;
  readonly load: number;
  seconds: number;
  wordcount: WordCountReport;
  codec: CodecAndOps;
  profile: ProfileReport;
  checkpoint: CheckpointReport;
  recovery: RecoveryCase[];
}

/** Runs every cluster benchmark (about 3 minutes on 2 cores). */
export async function runClusterBenches(): Promise<ClusterResults> {
  const started = new Date().toISOString();
  const load = os.loadavg()[0];
  const t0 = performance.now();
  process.stderr.write('bench: cluster word count (local, 1 worker, 2 workers) …\n');
  const wordcount = await child<WordCountReport>('wordcount');
  process.stderr.write('bench: cluster codec replay …\n');
  const codec = await child<CodecAndOps>('codec', WORKER_FLAGS);
  if (codec.hashDigest !== wordcount.output.hash || codec.records !== wordcount.output.records) {
    throw new Error(`codec replay: its output (${codec.records} rows, digest ${codec.hashDigest}) is not the word count's (${wordcount.output.records}, ${wordcount.output.hash})`);
  }
  process.stderr.write('bench: cluster profiled run …\n');
  const profile = await profiled();
  if (profile.run.hash !== wordcount.output.hash) throw new Error('profiled run: output differs from the word count\'s');
  process.stderr.write('bench: cluster checkpoints …\n');
  const checkpoint = await child<CheckpointReport>('checkpoint');
  process.stderr.write('bench: cluster recovery after SIGKILL …\n');
  const recovery = await child<RecoveryCase[]>('recovery');
  return { started, load, seconds: (performance.now() - t0) / 1000, wordcount, codec, profile, checkpoint, recovery };
}

const rate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(0)} k/s`);
const count = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`);
const s2 = (x: number) => `${x.toFixed(2)} s`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The cluster section of RESULTS.md (without its title line). */
export function renderCluster(r: ClusterResults, cmd: string): string {
  const out: string[] = [];
  const wc = r.wordcount;
  const N = wc.words;
  const local = N / wc.local.wall;
  const c2 = wc.c2;
  const c2rate = N / c2.wall;
  const pass = c2rate >= TARGET_2_WORKERS;

  out.push(`### 1. Word count with a shuffle, ${count(N)} words`, '');
  out.push(table(
    ['run', 'records/s', 'wall', 'ratio to local', 'CPU s (coordinator + workers)', 'target', 'result', `all ${wc.runs} runs, wall s`],
    [
      ['local runtime', rate(local), s2(wc.local.wall), '1.000', s2(wc.local.cpu), '', '', wc.walls.local.map((x) => x.toFixed(2)).join(', ')],
      ['cluster, 1 worker', rate(N / wc.c1.wall), s2(wc.c1.wall), (wc.local.wall / wc.c1.wall).toFixed(3), `${s2(wc.c1.cpu + sum(wc.c1.workerCpu))} (${wc.c1.cpu.toFixed(2)} + ${wc.c1.workerCpu.map((x) => x.toFixed(2)).join(' + ')})`, '', '', wc.walls.c1.map((x) => x.toFixed(2)).join(', ')],
      ['cluster, 2 workers', rate(c2rate), s2(c2.wall), (wc.local.wall / c2.wall).toFixed(3), `${s2(c2.cpu + sum(c2.workerCpu))} (${c2.cpu.toFixed(2)} + ${c2.workerCpu.map((x) => x.toFixed(2)).join(' + ')})`, `≥ ${rate(TARGET_2_WORKERS)}`, pass ? 'PASS' : 'FAIL', wc.walls.c2.map((x) => x.toFixed(2)).join(', ')],
    ],
  ));
  out.push('', `Lines of ${10} pseudo-random words over a ${'10k'}-word vocabulary from a generator (\`Sources.fromIterable\`, bench/cluster-jobs.ts), ${count(WC_BATCH_LINES)} lines (${count(WC_BATCH_LINES * 10)} words) a batch, pace asap → flatMap(split) → map(pair(w, 1)) → reduceByKey(+) → foreachBatch in the process that called run() (counts the ${wc.output.records.toLocaleString('en')} [word, count] rows and checks their sum is ${count(N)} and their digest is the same in every run). Every word occurs in every batch, so each partition shuffles about 10k combined pairs a batch. Records = words. Each side ran once untimed (1 M words; the cluster's output checked against the local one), then ${WC_RUNS} timed runs, the sides alternating; best wall clock. The workers are started once per worker count (\`WorkerPool\`, module reference) and serve every run, so the figures exclude worker start-up: a one-batch job took ${s2(wc.start.cold)} on a freshly started 2-worker pool and ${s2(wc.start.warm)} on the warm one. The local runtime runs with Node's default flags; cluster workers get \`--max-semi-space-size=64\` from the runtime (with that flag the local runtime did the same job in ${s2(r.codec.ops.wall)}, ${rate(N / r.codec.ops.wall)}). CPU: the coordinator's \`process.cpuUsage()\`, each worker's utime + stime from /proc/<pid>/stat over the run.`);

  // 2. Where the time goes.
  const k = r.codec;
  const codecWorkers = k.split.encode + k.split.decode + k.hash.encode + k.hash.decode + k.sink.encode;
  const codecCoord = k.sink.decode;
  const cw = sum(c2.workerCpu);
  const cap = 2 * c2.wall;
  const rest = cw - k.ops.cpu - codecWorkers;
  const idle = cap - cw - c2.cpu;
  out.push('', '### 2. Where the time of the 2-worker run goes', '');
  out.push(`**a. CPU budget** of the best 2-worker run above: 2 cores × ${s2(c2.wall)} wall = ${s2(cap)}.`, '');
  out.push(table(
    ['part', 'CPU s', 'share of 2 × wall', 'how it is measured'],
    [
      ['operators (source generator, flatMap, map, reduceByKey, sink)', k.ops.cpu.toFixed(2), pct(k.ops.cpu / cap), 'CPU time of the local runtime doing the same job, in a process with the workers\' flag (best of 2)'],
      ['Avro encode + decode in the workers', codecWorkers.toFixed(2), pct(codecWorkers / cap), `the run's batches replayed in-process through the cluster's codecs (below); source slices ${(k.split.encode + k.split.decode).toFixed(2)} s, combined pairs ${(k.hash.encode + k.hash.decode).toFixed(2)} s, sink batches (encode) ${k.sink.encode.toFixed(2)} s`],
      ['workers\' remainder: IPC send / receive, shuffle split, extra GC, …', rest.toFixed(2), pct(rest / cap), `workers' CPU (${cw.toFixed(2)} s, /proc) − the two rows above`],
      ['coordinator: relay, sink decode, control', c2.cpu.toFixed(2), pct(c2.cpu / cap), `its process.cpuUsage() over the run; of it, decoding the sink batches ${codecCoord.toFixed(2)} s (replay)`],
      ['not on a CPU: workers waiting (batch barrier, the source\'s slice) or preempted by other load', idle.toFixed(2), pct(idle / cap), '2 × wall − all CPU above'],
    ],
  ));
  out.push('', `The codec replay (bench/cluster.ts \`codec\`): the same ${count(N)} words cut into the same source batches, the planner's own edges for 2 partitions (source → split → flatMap·map → hash with map-side combine → reduceByKey) and the runtime's \`splitBatch\`; every part a worker encodes goes through \`codecFor\` (one codec per edge and process, as in the workers; the coordinator's for the sink), encode and decode timed separately, nothing else timed. Its output digest equals the cluster run's, and the parts it sends across processes come to ${mib(k.crossBytes)} in ${k.crossMessages} messages, against ${mib(c2.relayed.bytes)} in ${c2.relayed.messages} messages the coordinator relayed in the run (${c2.relayed.messages - k.crossMessages} more: the final pass's empty parts); per ${count(N)} words: encode ${(k.split.encode + k.hash.encode + k.sink.encode).toFixed(2)} s, decode ${(k.split.decode + k.hash.decode + k.sink.decode).toFixed(2)} s, ${mib(k.split.bytes + k.hash.bytes + k.sink.bytes)} encoded (${(k.split.records + k.hash.records + k.sink.records).toLocaleString('en')} records: ${k.split.records.toLocaleString('en')} lines, ${k.hash.records.toLocaleString('en')} combined pairs, ${k.sink.records.toLocaleString('en')} sink rows).`);
  const pr = r.profile;
  const window = (pr.run.window.to - pr.run.window.from) / 1e6;
  const total = (c: Categories) => sum(CATEGORIES.map((x) => c[x]));
  out.push('', `**b. Sampling profile** of another 2-worker run of the same job (\`node --cpu-prof\` on the coordinator; the workers re-execute bench/cluster.ts with its flags, so they are profiled too), counting only the samples between the end of the first batch and the end of the last (${pr.run.window.batches} batches, ${s2(window)}; the profiled run took ${s2(pr.run.wall)} in all, worker start-up included). Each sample goes to the nearest frame on its stack that belongs to a part.`, '');
  out.push(table(
    ['part', 'worker 0 (reads the source)', 'worker 1', 'coordinator', 'both workers, share of their window'],
    CATEGORIES.map((c) => [CATEGORY_TEXT[c], s2(pr.workers[0][c]), s2(pr.workers[1][c]), s2(pr.coordinator[c]), pct((pr.workers[0][c] + pr.workers[1][c]) / (total(pr.workers[0]) + total(pr.workers[1])))]),
  ));
  const busy = (c: Categories) => total(c) - c.idle;
  out.push('', `Busy (not idle) in the window: worker 0 ${pct(busy(pr.workers[0]) / window)}, worker 1 ${pct(busy(pr.workers[1]) / window)}, coordinator ${pct(busy(pr.coordinator) / window)}.`);

  // 3. Checkpoints.
  out.push('', '### 3. Checkpoint overhead per batch, 2 workers', '');
  out.push(table(
    ['keys in state', 'keys changed a batch', 'batches', 'ms / batch without checkpointDir', 'ms / batch with', 'overhead ms / batch', 'ratio with ÷ without', 'records/s without', 'records/s with', 'full state segments', 'CPU s of the run without: coordinator, workers', 'with: coordinator, workers'],
    r.checkpoint.cases.map((c) => [
      count(c.keys), count(c.hot ?? Math.min(c.keys, STATE_BATCH)), String(c.batches), c.without.toFixed(0), c.with.toFixed(0), (c.with - c.without).toFixed(0), (c.with / c.without).toFixed(2),
      rate(STATE_BATCH / (c.without / 1000)), rate(STATE_BATCH / (c.with / 1000)), mib(c.stateBytes),
      `${c.cpu.without.coordinator.toFixed(2)}, ${c.cpu.without.workers.toFixed(2)}`, `${c.cpu.with.coordinator.toFixed(2)}, ${c.cpu.with.workers.toFixed(2)}`,
    ]),
  ));
  out.push('', `mapWithState (running sum per key, \`initial\` state holding every key from the first batch) over ${count(STATE_BATCH)} records a batch, \`[k<i mod keys>, i]\` from a generator (with fewer keys changed a batch: batch b's records go to the keys \`k<b·changed>\` … \`k<(b+1)·changed − 1>\`), pace asap, 2 workers (one warm pool for all runs); the sink gets one row per 1000 records. ms / batch: from the coordinator's sink write of the first batch to that of the last, ÷ (batches − 1), so start-up (which builds the initial state in each worker) and the first checkpoint (full) are not in it. With a checkpointDir every batch is committed: each worker writes, for each of its partitions, an Avro state segment (\`runtimes/core/state.ts\`): a delta of the keys changed since its previous one, or a full segment when the deltas would outgrow the last full one (compaction); then the coordinator writes the offsets and the commit listing each partition's chain (each file fsynced) and deletes files no kept commit lists. Full state segments: the bytes of the first checkpoint's directory (every partition's full segment; a delta's size is in the in-process figures below). Both runs' outputs are checked equal. CPU: of the whole run, start-up included (the coordinator's \`process.cpuUsage()\`, the workers' /proc/<pid>/stat).`);
  const target = r.checkpoint.cases.find((c) => c.hot !== undefined && c.ratios.length > 1);
  if (target) {
    const ratio = target.with / target.without;
    out.push('', `**Target (issue 6): 1 M keys, 1 % changed a batch, with ÷ without ≤ 1.25: ${ratio.toFixed(2)} (${ratio <= 1.25 ? 'PASS' : 'FAIL'})**, the median of ${target.ratios.length} pairs run alternately (all pairs: ${target.ratios.map((x) => x.toFixed(2)).join(', ')}); the row above is the median pair.`);
  }
  const sg = r.checkpoint.segments;
  out.push('', `State segments of ${count(sg.keys)} keys in one process (bench/cluster.ts \`segmentTimes\`, mapWithState's store): a full segment ${sg.full.toFixed(0)} ms (${mib(sg.fullBytes)}: snapshot, Avro encode, write, fsync); a delta of 1 % of the keys ${sg.delta.toFixed(0)} ms (${mib(sg.deltaBytes)}); **restore of ${count(sg.keys)} keys from the full segment and the delta ${sg.restore.toFixed(0)} ms** (read, checksum, decode, apply the delta, rebuild the store; best of 3). CPU of the process in each: ${sg.cpu.full.toFixed(0)}, ${sg.cpu.delta.toFixed(0)} and ${sg.cpu.restore.toFixed(0)} ms (wall above CPU is waiting for a core, or for the disk). On 2 workers each restores its own half, in parallel.`);

  // 4. Recovery.
  out.push('', '### 4. Recovery after a worker is SIGKILLed, 2 workers, checkpointDir', '');
  out.push(table(
    ['keys in state', 'normal batch', 'kill → restart begins', '→ new workers forked', '→ all built the pipeline', '→ all restored the checkpoint', 'restore (restored − built)', '→ the killed batch written', 'ratio to a normal batch', 'job wall without / with the kill', 'extra wall'],
    r.recovery.map((c) => [
      count(c.keys), ms(c.batchMs), ms(c.marks.restart), ms(c.marks.forked), ms(c.marks.hello), ms(c.marks.ready), ms(c.marks.ready - c.marks.hello), `**${ms(c.marks.written)}**`,
      (c.marks.written / c.batchMs).toFixed(1), `${s2(c.wall.clean)} / ${s2(c.wall.killed)}`, s2(c.wall.killed - c.wall.clean),
    ]),
  ));
  const big = r.recovery.find((c) => c.keys >= 1_000_000);
  if (big) {
    const restore = (big.marks.ready - big.marks.hello) / 1000;
    out.push('', `**Target (issue 6): restore of ${count(big.keys)} keys ≤ 2 s: ${restore.toFixed(2)} s (${restore <= 2 ? 'PASS' : 'FAIL'})** — from the moment every new worker had built the pipeline until every worker had read its own key groups' sections of the last commit's segments and rebuilt its stores (both workers in parallel).`);
  }
  const rc = RECOVERY_CASES[0];
  out.push('', `The state job of section 3, ${rc.batches} batches of ${count(STATE_BATCH)} records, with a checkpointDir, once without a failure and once with worker 1 killed by \`kill -9\` of its pid (\`process.kill(pid, 'SIGKILL')\` from the coordinator's process, the real process) during batch ${rc.killIn}: when the coordinator receives worker 0's shuffle part of that batch for partition 1, so the batch is running and worker 1 has not finished it. Times are from the kill, on the coordinator's clock: the coordinator sees the exit and calls \`WorkerPool.restart()\` (kills the other worker, waits for it, forks 2 new workers), the new workers load bench/cluster-jobs.ts and build the pipeline (hello), restore the last commit's state and source position (ready), then the batch is run again and written by the sink. Normal batch: median interval between sink writes in the run without the kill. Both runs' outputs are checked equal (each batch written once).`);
  out.push('', `Whole cluster section: ${r.seconds.toFixed(0)} s. Command: \`${cmd}\``);
  return out.join('\n');
}

