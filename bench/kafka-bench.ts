/**
 * `npm run bench -- kafka`: Kafka -> word count -> Kafka, sluice against its peer, a Kafka
 * Streams word count (bench/kafka-streams/, built here with Maven), on one broker (the one
 * of `npm run kafka:up`, or one started for the run) and the same input lines; plus the
 * kafkajs produce and consume loops (the ceiling of one Node process), the sluice source
 * and sink alone, the per-batch cost of a transaction, and end-to-end latency at a fixed
 * input rate. Prints a section and writes it into bench/RESULTS.md (`# Kafka …`, replacing
 * the previous one; the full `npm run bench` keeps it).
 *
 * Both systems are timed by their output, by one read_committed reader of the output topic
 * that knows each word's final count from the input: a throughput run's input topic holds
 * WARMUP lines and, behind them, RECORDS lines held back in an open transaction; the
 * system starts, and once the warm-up lines' counts are all in its output the transaction
 * is committed (the backlog appears at once); the run's time is from that commit until
 * every word's final count is in the output.
 *
 *   SLUICE_KAFKA_BENCH_RECORDS   measured lines of a throughput run (default 300000)
 *   SLUICE_KAFKA_BENCH_WARMUP    warm-up lines before them (default 30000)
 *   SLUICE_KAFKA_BENCH_RATE      records/s of the latency runs (default 2000)
 *   SLUICE_KAFKA_BENCH_SECONDS   seconds of input at that rate per latency run (default 15)
 *   SLUICE_KAFKA_BENCH_PARTS     comma-separated subset of ceiling,throughput,txcost,latency
 *                                (default all; a subset is printed, RESULTS.md is not written)
 *
 * A quick run: `SLUICE_KAFKA_BENCH_RECORDS=60000 SLUICE_KAFKA_BENCH_WARMUP=10000
 * SLUICE_KAFKA_BENCH_SECONDS=5 npm run bench -- kafka` (about 3 minutes).
 *
 * @module
 */
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down, missingTools, runningBroker, up } from '../kafka/broker.js';
import { Load, type Timed, expectedCounts, latencies, quantile, watchCounts, wrongCounts, VOCABULARY, WORDS_PER_LINE, SEND_BATCH } from './kafka-load.js';
import type { SluiceJob, SluiceReport } from './kafka-sluice.js';
import { buildPeer, startPeer } from './kafka-streams.js';

const CHILD = fileURLToPath(new URL('./kafka-sluice.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
/** The heading of this group's section in RESULTS.md. */
export const KAFKA_HEADING = '# Kafka: sluice and Kafka Streams';

const num = (v: string | undefined, d: number) => (v === undefined || v === '' ? d : Number(v));
const RECORDS = num(process.env.SLUICE_KAFKA_BENCH_RECORDS, 300_000);
/** Lines before the measured ones (the warm-up: JIT compilers, connections, group joins, the first commits). */
const WARMUP = num(process.env.SLUICE_KAFKA_BENCH_WARMUP, 30_000);
const RATE = num(process.env.SLUICE_KAFKA_BENCH_RATE, 2000);
/** Seconds of input at RATE per latency run, after WARMUP lines that are in the input topic when the system starts. */
const LATENCY_SECONDS = num(process.env.SLUICE_KAFKA_BENCH_SECONDS, 15);
const PARTS = ['ceiling', 'throughput', 'txcost', 'latency'] as const;
type Part = (typeof PARTS)[number];
/** Input partitions of the throughput runs (the latency runs read one, so that a word's occurrences are counted in order). */
const PARTITIONS = 3;
/** sluice's records per partition and batch. */
const MAX_PER_PARTITION = 10_000;
/** Kafka Streams' commit.interval.ms (its default under exactly_once_v2; at_least_once's default, 30 s, would hold counts back up to 30 s). */
const COMMIT_MS = 100;
/** sluice's batch interval (real-time pacing; a batch that overruns it is followed at once by the next), like the peer's commit interval. */
const BATCH_MS = 100;
/** The longest a throughput or latency run may take before the bench gives up on it. */
const RUN_TIMEOUT_MS = 600_000;

type Guarantee = 'alo' | 'eos';
const GUARANTEES: Guarantee[] = ['alo', 'eos'];
const KS_GUARANTEE = { alo: 'at_least_once', eos: 'exactly_once_v2' } as const;
type System = 'sluice' | 'Kafka Streams';

/** One throughput run, timed by its output. */
export interface Throughput {
  /** ms from the system's process start until the warm-up lines' counts were all in its output. */
  readonly warmMs: number;
  /** ms from the commit that released the RECORDS lines until every word's final count was in the output. */
  readonly ms: number;
  /** sluice: batches that ended between the commit and the last count (undefined for Kafka Streams). */
  readonly batches?: number;
}

/** Everything one run measured (a part not run is absent). */
export interface KafkaResults {
  readonly started: string;
  readonly uptime: { readonly start: string; readonly end: string };
  readonly parts: readonly Part[];
  readonly produce?: Timed;
  readonly consume?: Timed;
  readonly source?: SluiceReport;
  readonly sink?: SluiceReport;
  readonly throughput?: Record<Guarantee, Record<System, Throughput>>;
  readonly txcost?: SluiceReport;
  readonly latency?: Array<{ readonly system: System; readonly guarantee: Guarantee; readonly appended: readonly [number, number]; readonly read: readonly [number, number]; readonly lines: number }>;
  readonly seconds: number;
}

const name = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;
const uptime = () => { try { return execFileSync('uptime', { encoding: 'utf8' }).trim(); } catch { return 'uptime unavailable'; } };

/** A sluice child: its report (a killed child reports `{ wallMs: NaN }`), the ends of its batches (ms since the epoch) as they come, and a kill switch. */
interface SluiceChild { readonly result: Promise<SluiceReport>; readonly batchEnds: number[]; kill(): void }

/** Runs kafka-sluice.ts with `job` in a fresh process. */
function spawnSluice(job: SluiceJob): SluiceChild {
  const c = fork(CHILD, [JSON.stringify(job)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const batchEnds: number[] = [];
  let killed = false;
  const result = new Promise<SluiceReport>((resolve, reject) => {
    let report: SluiceReport | undefined;
    c.on('message', (m: SluiceReport | { ready: true } | { batch: number }) => {
      if ('batch' in m) batchEnds.push(m.batch);
      else if (!('ready' in m)) report = m;
    });
    c.on('error', reject);
    c.on('exit', (code) => (report ? resolve(report) : killed ? resolve({ wallMs: NaN }) : reject(new Error(`bench: sluice ${job.mode} exited with ${code}`))));
  });
  result.catch(() => {});
  return { result, batchEnds, kill() { killed = true; c.kill('SIGKILL'); } };
}

const sluice = (job: SluiceJob) => spawnSluice(job).result;

/** A system under test, started: `ended` rejects if it stops or fails on its own. */
interface Running { readonly ended: Promise<never>; stop(): Promise<void>; batchEnds?: readonly number[] }

/** Starts sluice's word count (real time, until stopped) from `input` to `output`, with a checkpoint directory of its own. */
function startSluice(brokers: string[], g: Guarantee, input: string, output: string, maxPerPartition: number): Running {
  const checkpointDir = mkdtempSync(join(tmpdir(), 'sluice-bench-kafka-ckpt-'));
  const child = spawnSluice({ mode: 'wordcount', brokers, input, output, name: name(`bench-wc-${g}`), transactional: g === 'eos', maxPerPartition, checkpointDir, realtime: { intervalMs: BATCH_MS, numBatches: 10_000_000 } });
  return {
    ended: child.result.then(() => { throw new Error(`bench: sluice ${g} ended before it was stopped`); }),
    batchEnds: child.batchEnds,
    async stop() { child.kill(); await child.result.catch(() => {}); rmSync(checkpointDir, { recursive: true, force: true }); },
  };
}

/** Starts the Kafka Streams word count from `input` to `output` (a fresh application id: no state to restore). */
function startStreams(bootstrap: string, g: Guarantee, input: string, output: string): Running {
  const peer = startPeer(bootstrap, input, output, name(`bench-ks-${g}`), KS_GUARANTEE[g], COMMIT_MS);
  return {
    ended: peer.failed,
    stop: () => peer.stop(),
  };
}

/** `p`, or the failure of `sut` if that comes first. */
const guarded = <T>(sut: Running, p: Promise<T>): Promise<T> => Promise.race([p, sut.ended]);

/**
 * One throughput run: a fresh input topic (PARTITIONS partitions) holding the WARMUP lines,
 * then the RECORDS lines in an open transaction; the system starts; once the warm-up
 * lines' counts are all in its output, the transaction commits; timed until every word's
 * final count is in the output (read read_committed), and the final counts checked.
 */
async function throughputRun(load: Load, system: System, g: Guarantee, counts: { warm: ReadonlyMap<string, number>; all: ReadonlyMap<string, number> }, start: (input: string, output: string) => Running): Promise<Throughput> {
  process.stderr.write(`bench: kafka: throughput, ${system} ${g} …\n`);
  const input = await load.topic(name('bench-wc-in'), PARTITIONS);
  const output = await load.topic(name('bench-wc-out'), PARTITIONS);
  await load.produceLines(input, WARMUP);
  const held = await load.holdLines(input, RECORDS, WARMUP);
  const watch = watchCounts(load, output, [counts.warm, counts.all], RUN_TIMEOUT_MS);
  const t0 = Date.now();
  const sut = start(input, output);
  try {
    const warmAt = await guarded(sut, watch.reached[0]);
    const released = await held.commit();
    const doneAt = await guarded(sut, watch.reached[1]);
    const bad = wrongCounts(await watch.updates, counts.all);
    if (bad.length) throw new Error(`bench: ${system} ${g}: wrong counts in ${output} (${bad.length} words), e.g. ${bad.slice(0, 5).join('; ')}`);
    const batches = sut.batchEnds?.filter((t) => t > released && t <= doneAt).length;
    return { warmMs: warmAt - t0, ms: doneAt - released, ...(batches !== undefined ? { batches } : {}) };
  } finally {
    await sut.stop();
    await held.abort();
  }
}

/**
 * One latency run: a fresh 1-partition input topic holding WARMUP lines when the system
 * starts (its warm-up: JIT compilers, connections); once their counts are in the output,
 * lines at RATE for LATENCY_SECONDS; the output read read_committed as it appears.
 */
async function latencyRun(load: Load, system: System, g: Guarantee, start: (input: string, output: string) => Running): Promise<NonNullable<KafkaResults['latency']>[number]> {
  process.stderr.write(`bench: kafka: latency at ${RATE} records/s, ${system} ${g} …\n`);
  const input = await load.topic(name('bench-lat-in'), 1);
  const output = await load.topic(name('bench-lat-out'), PARTITIONS, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
  const lines = Math.round(RATE * LATENCY_SECONDS);
  const expected = expectedCounts(WARMUP + lines);
  await load.produceLines(input, WARMUP);
  const watch = watchCounts(load, output, [expectedCounts(WARMUP), expected], RUN_TIMEOUT_MS);
  const sut = start(input, output);
  try {
    await guarded(sut, watch.reached[0]);
    const stamps = await load.produceAtRate(input, RATE, LATENCY_SECONDS, WARMUP);
    await guarded(sut, watch.reached[1]);
    const updates = await watch.updates;
    const bad = wrongCounts(updates, expected);
    if (bad.length) throw new Error(`bench: latency run of ${system} ${g}: wrong counts (${bad.length} words), e.g. ${bad.slice(0, 5).join('; ')}`);
    const l = latencies(stamps, WARMUP, updates, 0);
    return { system, guarantee: g, lines, appended: [quantile(l.appended, 0.5), quantile(l.appended, 0.99)], read: [quantile(l.read, 0.5), quantile(l.read, 0.99)] };
  } finally {
    await sut.stop();
  }
}

/** The parts to run (SLUICE_KAFKA_BENCH_PARTS, default all). */
function parts(): Part[] {
  const v = process.env.SLUICE_KAFKA_BENCH_PARTS;
  if (!v) return [...PARTS];
  const ps = v.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = ps.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (bad.length) throw new Error(`bench: SLUICE_KAFKA_BENCH_PARTS: unknown part ${bad.join(', ')} (known: ${PARTS.join(', ')})`);
  return ps as Part[];
}

/** Runs the group (about 8-12 minutes on a quiet 2-core machine with the defaults). */
export async function runKafkaBench(): Promise<KafkaResults> {
  const why = missingTools();
  if (why) throw new Error(`bench: kafka: ${why}`);
  const todo = parts();
  const t0 = performance.now();
  const started = new Date().toISOString();
  const uptimeStart = uptime();
  if (todo.includes('throughput') || todo.includes('latency')) {
    process.stderr.write('bench: kafka: building the Kafka Streams peer …\n');
    buildPeer();
  }
  const ours = !runningBroker();
  const broker = await up();
  const load = await Load.open(broker.bootstrap);
  const brokers = [broker.bootstrap];
  const r: { -readonly [K in keyof KafkaResults]?: KafkaResults[K] } = {};
  try {
    process.stderr.write(`bench: kafka: broker ${broker.bootstrap}; ${todo.join(', ')} …\n`);
    if (todo.includes('ceiling')) {
      const all = WARMUP + RECORDS;
      process.stderr.write(`bench: kafka: kafkajs loops and the sluice source and sink alone, ${all} lines …\n`);
      const input = await load.topic(name('bench-lines'), PARTITIONS);
      r.produce = await load.produceLines(input, all, 0, WARMUP);
      r.consume = await load.consumeAll(input, all, name('bench-kafkajs'), WARMUP);
      r.source = await sluice({ mode: 'source', brokers, input, name: name('bench-src'), maxPerPartition: MAX_PER_PARTITION, warmup: WARMUP });
      if (r.source.records !== all) throw new Error(`bench: the sluice source read ${r.source.records} of ${all} records`);
      r.sink = await sluice({ mode: 'sink', brokers, output: await load.topic(name('bench-sink'), PARTITIONS), records: all, batch: MAX_PER_PARTITION * PARTITIONS, warmup: WARMUP });
    }
    if (todo.includes('throughput')) {
      const counts = { warm: expectedCounts(WARMUP), all: expectedCounts(WARMUP + RECORDS) };
      const tp = {} as Record<Guarantee, Record<System, Throughput>>;
      for (const g of GUARANTEES) {
        tp[g] = {
          sluice: await throughputRun(load, 'sluice', g, counts, (i, o) => startSluice(brokers, g, i, o, MAX_PER_PARTITION)),
          'Kafka Streams': await throughputRun(load, 'Kafka Streams', g, counts, (i, o) => startStreams(load.bootstrap, g, i, o)),
        };
      }
      r.throughput = tp;
    }
    if (todo.includes('txcost')) {
      r.txcost = await sluice({ mode: 'txcost', brokers, output: await load.topic(name('bench-tx'), 1), name: name('bench-tx'), batches: 100, perBatch: 100 });
    }
    if (todo.includes('latency')) {
      r.latency = [];
      for (const g of GUARANTEES) {
        // The whole backlog in one batch at start (no cap); then each batch takes what arrived in its interval.
        r.latency.push(await latencyRun(load, 'sluice', g, (i, o) => startSluice(brokers, g, i, o, 100_000)));
        r.latency.push(await latencyRun(load, 'Kafka Streams', g, (i, o) => startStreams(load.bootstrap, g, i, o)));
      }
    }
    return { ...r, started, parts: todo, uptime: { start: uptimeStart, end: uptime() }, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await load.close();
    if (ours) await down();
  }
}

const rate = (n: number, ms: number) => `${((n / ms) * 1000 / 1000).toFixed(1)} k/s`;
const r3 = (x: number) => x.toFixed(3);

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The section for RESULTS.md (starting with {@link KAFKA_HEADING}). */
export function renderKafka(r: KafkaResults, cmd: string): string {
  const n = RECORDS;
  const all = WARMUP + n;
  const out: string[] = [KAFKA_HEADING, ''];
  const params = `records ${n.toLocaleString('en')}, warm-up ${WARMUP.toLocaleString('en')}, rate ${RATE.toLocaleString('en')}/s for ${LATENCY_SECONDS} s`;
  out.push(`${r.started} · ${r.seconds.toFixed(0)} s · \`${cmd}\` (${params}${r.parts.length < PARTS.length ? `; parts: ${r.parts.join(', ')}` : ''})`, '');
  out.push(`\`uptime\` at the start: \`${r.uptime.start}\`; at the end: \`${r.uptime.end}\`. The machine has 2 cores; the broker, the system under test and the load generator share them (and, when the load average is above 2, other jobs too): these figures are indications, not PASS/FAIL verdicts.`, '');
  const guarantee = (g: Guarantee) => (g === 'eos' ? 'exactly-once (transactional sink / `exactly_once_v2`)' : 'at-least-once');
  if (r.throughput) {
    const tp = r.throughput;
    out.push(`Input: lines of ${WORDS_PER_LINE} words (${VOCABULARY} distinct) on a ${PARTITIONS}-partition topic; output: a running count per word, key = word, value \`word:count\`, on a ${PARTITIONS}-partition topic. Every run's final counts are checked against the input.`, '');
    out.push(table(
      ['word count, Kafka → Kafka', 'sluice', 'Kafka Streams', 'ratio sluice / Kafka Streams', 'start → warm-up counted: sluice', 'Kafka Streams'],
      GUARANTEES.map((g) => {
        const s = tp[g].sluice;
        const k = tp[g]['Kafka Streams'];
        return [guarantee(g), rate(n, s.ms), rate(n, k.ms), `**${r3(k.ms / s.ms)}**`, `${(s.warmMs / 1000).toFixed(1)} s`, `${(k.warmMs / 1000).toFixed(1)} s`];
      }),
    ));
    out.push('', `Timed by the output, the same way for both systems. Each run has an input topic of its own with the same lines: ${WARMUP.toLocaleString('en')} warm-up lines, then ${n.toLocaleString('en')} measured lines written inside one open transaction, so that neither system (both read the input read_committed) sees them. The system starts; once a read_committed reader of its output topic has seen every word's count over the warm-up lines (JIT compilers warm, connections made, consumer group joined, first commits done), the transaction commits and the ${n.toLocaleString('en')} lines appear at once. **Records/s = ${n.toLocaleString('en')} ÷ the time from that commit until the reader has seen every word's final count** (the last output is one count per word, so the time runs to the last line processed and committed). "start → warm-up counted": from the system's process start until the warm-up lines' counts were all in the output (JVM or Node start, connecting, the group join, ${WARMUP.toLocaleString('en')} lines).`, '');
    out.push(`sluice: local runtime, real-time pacing with a ${BATCH_MS} ms batch interval (a batch that overruns it is followed at once by the next), a checkpoint directory (the state of every batch kept as a restarted job needs it), \`Sources.kafka\` with at most ${MAX_PER_PARTITION.toLocaleString('en')} records per partition and batch (${(MAX_PER_PARTITION * PARTITIONS).toLocaleString('en')} per batch; ${GUARANTEES.map((g) => `${tp[g].sluice.batches} batches for ${g}`).join(', ')} in the timed window) → flatMap → pair → reduceByKey → updateStateByKey → \`Sinks.kafka\` (keyed; \`transactional: true\` for exactly-once: a Kafka transaction per batch), in a process of its own. Kafka Streams 4.4.0 (the broker's version, bench/kafka-streams): \`flatMapValues → groupBy → count → to\` with a fresh application id per run (no state to restore), \`num.stream.threads\` 1 (sluice's local runtime is one thread), \`commit.interval.ms\` ${COMMIT_MS} for both guarantees (exactly_once_v2's default; at_least_once's default, 30 s, would hold counts back up to 30 s), \`statestore.cache.max.bytes\` 10 MB (the default: between commits only each word's last count goes out, as sluice writes one count per word and batch), \`isolation.level\` read_committed (as sluice's source), \`-Xmx512m\`, everything else default (producer \`linger.ms\` 100 — Streams' own default; a commit flushes the producer anyway; \`max.poll.records\` 1000). Kafka Streams also writes every count to its changelog and every word to its repartition topic, ${PARTITIONS} partitions each, which sluice does not (its state goes to the checkpoint directory, its shuffle stays in process).`, '');
    const perBatch = (tp.eos.sluice.ms - tp.alo.sluice.ms) / (tp.eos.sluice.batches ?? NaN);
    out.push(`The transaction's cost in these runs: sluice exactly-once minus at-least-once time ÷ ${tp.eos.sluice.batches} batches = ${perBatch > 0 ? `${perBatch.toFixed(1)} ms per batch (noise included)` : `${perBatch.toFixed(1)} ms per batch: lost in the noise between two runs; see the direct measurement below`}.`, '');
  }
  const warmRate = (t: Timed) => rate(t.warm.records, t.warm.ms);
  const warmRatio = (s: Timed, k: Timed) => r3((s.warm.records / s.warm.ms) / (k.warm.records / k.warm.ms));
  if (r.produce && r.consume && r.source?.timed && r.sink?.timed) {
    out.push(table(
      ['kafkajs ceiling (one process)', 'kafkajs loop', 'sluice', 'sluice ÷ kafkajs', `all ${all.toLocaleString('en')} lines: kafkajs`, 'sluice', 'sluice ÷ kafkajs'],
      [
        ['consume (source)', warmRate(r.consume), warmRate(r.source.timed), warmRatio(r.source.timed, r.consume), rate(all, r.consume.ms), rate(all, r.source.timed.ms), r3(r.consume.ms / r.source.timed.ms)],
        ['produce (sink, at-least-once)', warmRate(r.produce), warmRate(r.sink.timed), warmRatio(r.sink.timed, r.produce), rate(all, r.produce.ms), rate(all, r.sink.timed.ms), r3(r.produce.ms / r.sink.timed.ms)],
      ],
    ));
    out.push('', `Each side timed the same way: records/s from the first time ${WARMUP.toLocaleString('en')} records were done (consumed, or sent and acknowledged) to the last, then over all ${all.toLocaleString('en')} lines from the start (kafkajs: after connecting, the consumer's group join included; sluice: from \`run()\`, connecting included). kafkajs loops: an idempotent producer, acks=all, ${SEND_BATCH} records per send, one send at a time (this is also what fills the input topic); a consumer group with \`eachBatch\`. sluice: the source alone into a sink that only counts (pace \`asap\`, bounded at the topic's end, ${MAX_PER_PARTITION.toLocaleString('en')} records per partition and batch: ${r.source.batches} batches); the sink alone, the same lines from memory (\`Sources.fromIterable\`, ${(MAX_PER_PARTITION * PARTITIONS).toLocaleString('en')} per batch).`, '');
  }
  if (r.txcost) {
    const tx = r.txcost;
    out.push(`Per-batch cost of the transaction: one sink writer writing 100 batches of 100 lines to a 1-partition topic took ${tx.plainMs!.toFixed(1)} ms a batch without a transaction and ${tx.txMs!.toFixed(1)} ms with one (the transaction also writes the batch marker to \`_sluice_sink_commits\`): **${(tx.txMs! - tx.plainMs!).toFixed(1)} ms per batch**.`, '');
  }
  if (r.latency) {
    out.push(table(
      [`latency at ${RATE.toLocaleString('en')} records/s`, 'p50 (append)', 'p99 (append)', 'p50 (read_committed)', 'p99 (read_committed)'],
      r.latency.map((l) => [`${l.system}, ${l.guarantee === 'eos' ? 'exactly-once' : 'at-least-once'}`, `${l.appended[0]} ms`, `${l.appended[1]} ms`, `${l.read[0]} ms`, `${l.read[1]} ms`]),
    ));
    out.push('', `Latency runs: a fresh 1-partition input topic holding ${WARMUP.toLocaleString('en')} lines when the system starts (its warm-up: JIT, connections); once their counts are in the output, one producer adds lines at ${RATE.toLocaleString('en')}/s for ${LATENCY_SECONDS} s (a send every 10 ms, each record's timestamp its send time), and only those are measured. A line's latency: from its producer timestamp until every word in it is counted in the output — by the output record's append time (the output topic has \`message.timestamp.type=LogAppendTime\`), and by the time a read_committed consumer received it (for exactly-once, append time comes before the commit makes the record visible). Both systems configured as in the throughput runs (sluice: batch interval ${BATCH_MS} ms, no cap per partition, a checkpoint directory; Kafka Streams: commit.interval.ms ${COMMIT_MS}).`, '');
  }
  return out.join('\n').trimEnd();
}

/** The Kafka section of the current RESULTS.md ('' when there is none), so that a full bench run keeps it. */
export function keptKafkaSection(): string {
  if (!existsSync(RESULTS)) return '';
  const md = readFileSync(RESULTS, 'utf8');
  const at = md.indexOf(`${KAFKA_HEADING}\n`);
  if (at < 0) return '';
  const next = md.indexOf('\n# ', at + KAFKA_HEADING.length);
  return md.slice(at, next < 0 ? undefined : next + 1).trimEnd() + '\n';
}

/** `npm run bench -- kafka`: runs the group, prints its section and puts it into RESULTS.md in place of the previous one. */
export async function runKafkaGroup(cmd: string): Promise<void> {
  const results = await runKafkaBench();
  const section = renderKafka(results, cmd);
  console.log(`\n${section}\n`);
  if (results.parts.length < PARTS.length) {
    console.log(`not written to ${RESULTS}: only ${results.parts.join(', ')} ran (SLUICE_KAFKA_BENCH_PARTS)`);
    return;
  }
  const md = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const old = keptKafkaSection();
  writeFileSync(RESULTS, old ? md.replace(old, `${section}\n`) : `${md.trimEnd()}\n\n${section}\n`);
  console.log(`wrote the Kafka section of ${RESULTS}`);
}
