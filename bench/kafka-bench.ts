/**
 * `npm run bench -- kafka`: Kafka -> word count -> Kafka, sluice against its peer, a Kafka
 * Streams word count (bench/kafka-streams/, built here with Maven), on one broker (the one
 * of `npm run kafka:up`, or one started for the run) and the same input topic; plus the
 * kafkajs produce and consume loops (the ceiling of one Node process), the sluice source
 * and sink alone, the per-batch cost of a transaction, and end-to-end latency at a fixed
 * input rate. Prints a section and writes it into bench/RESULTS.md (`# Kafka …`, replacing
 * the previous one; the full `npm run bench` keeps it).
 *
 *   SLUICE_KAFKA_BENCH_RECORDS   measured input lines of the throughput runs (default 300000, after 50000 warm-up lines)
 *   SLUICE_KAFKA_BENCH_RATE      records/s of the latency runs (default 2000)
 *
 * @module
 */
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { down, missingTools, runningBroker, up } from '../kafka/broker.js';
import { Load, type Timed, expectedCounts, latencies, quantile, reaches, wrongCounts, VOCABULARY, WORDS_PER_LINE, SEND_BATCH, type Update } from './kafka-load.js';
import type { SluiceJob, SluiceReport } from './kafka-sluice.js';
import { buildPeer, startPeer, type Peer } from './kafka-streams.js';

const CHILD = fileURLToPath(new URL('./kafka-sluice.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
/** The heading of this group's section in RESULTS.md. */
export const KAFKA_HEADING = '# Kafka: sluice and Kafka Streams';

const RECORDS = Number(process.env.SLUICE_KAFKA_BENCH_RECORDS ?? 300_000);
/** Lines before the measured ones in the throughput runs' input (the warm-up: JIT compilers, connections, group joins). */
const WARMUP = 50_000;
const RATE = Number(process.env.SLUICE_KAFKA_BENCH_RATE ?? 2000);
/** Seconds of input at RATE per latency run, after LATENCY_WARMUP lines that are in the input topic when the system starts. */
const LATENCY_SECONDS = 15;
const LATENCY_WARMUP = 50_000;
/** Input partitions of the throughput runs (the latency runs read one, so that a word's occurrences are counted in order). */
const PARTITIONS = 3;
/** sluice's records per partition and batch in the throughput runs. */
const MAX_PER_PARTITION = 10_000;
/** Kafka Streams' commit.interval.ms (its default under exactly_once_v2; at_least_once's default, 30 s, would make a run end at a commit). */
const COMMIT_MS = 100;
/** sluice's batch interval in the latency runs (real-time pacing), like the peer's commit interval. */
const LATENCY_BATCH_MS = 100;

type Guarantee = 'alo' | 'eos';
const GUARANTEES: Guarantee[] = ['alo', 'eos'];
const KS_GUARANTEE = { alo: 'at_least_once', eos: 'exactly_once_v2' } as const;

/** Everything one run measured. */
export interface KafkaResults {
  readonly started: string;
  readonly uptime: { readonly start: string; readonly end: string };
  readonly records: number;
  readonly produce: Timed;
  readonly consume: Timed;
  readonly source: SluiceReport;
  readonly sink: SluiceReport;
  /** Per guarantee: ms from the warm-up lines' offsets committed to all committed, each side; sluice's run() wall time over all lines. */
  readonly wordCount: Record<Guarantee, { readonly sluice: { readonly ms: number; readonly run: SluiceReport }; readonly streams: { readonly ms: number } }>;
  readonly txcost: SluiceReport;
  readonly latency: Array<{ readonly system: string; readonly guarantee: Guarantee; readonly appended: readonly [number, number]; readonly read: readonly [number, number]; readonly lines: number }>;
  readonly seconds: number;
}

const name = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;
const uptime = () => { try { return execFileSync('uptime', { encoding: 'utf8' }).trim(); } catch { return 'uptime unavailable'; } };

/** Runs kafka-sluice.ts with `job` in a fresh process; `onReady` is called when a real-time run starts. */
function sluice(job: SluiceJob, onReady?: (kill: () => void) => void): Promise<SluiceReport> {
  return new Promise((resolve, reject) => {
    const c = fork(CHILD, [JSON.stringify(job)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: SluiceReport | undefined;
    let killed = false;
    c.on('message', (m: SluiceReport | { ready: true }) => {
      if ('ready' in m) onReady?.(() => { killed = true; c.kill('SIGKILL'); });
      else result = m;
    });
    c.on('error', reject);
    c.on('exit', (code) => (result ? resolve(result) : killed ? resolve({ wallMs: NaN }) : reject(new Error(`bench: sluice ${job.mode} exited with ${code}`))));
  });
}

/** Throws unless the last count of every word in `output` is its count over the input. */
async function checkOutput(load: Load, output: string, expected: ReadonlyMap<string, number>, what: string): Promise<void> {
  const updates = await load.readCounts(output, reaches(expected), 60_000);
  const bad = wrongCounts(updates, expected);
  if (bad.length) throw new Error(`bench: ${what}: wrong counts in ${output} (${bad.length} words), e.g. ${bad.slice(0, 5).join('; ')}`);
}

/**
 * Watches consumer group `group`'s committed offsets on `topic` (every 20 ms) until they
 * reach WARMUP + RECORDS: ms from the first time they reached WARMUP to then. The same
 * observer for both systems (sluice commits the offsets a batch processed when the next
 * batch starts and when it stops; Kafka Streams every commit interval).
 */
async function measuredMs(load: Load, group: string, topic: string, what: string): Promise<number> {
  let from: number | undefined;
  for (let i = 0; ; i++) {
    const c = await load.committed(group, topic).catch(() => 0);
    if (from === undefined && c >= WARMUP) from = performance.now();
    if (c >= WARMUP + RECORDS) return performance.now() - from!;
    if (i > 30_000) throw new Error(`bench: ${what} did not commit ${WARMUP + RECORDS} offsets within 10 min`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The peer's throughput run. */
async function streamsThroughput(load: Load, input: string, g: Guarantee, expected: ReadonlyMap<string, number>): Promise<{ ms: number }> {
  const output = await load.topic(name('bench-ks-out'), PARTITIONS);
  const appId = name(`bench-ks-${g}`);
  const peer = startPeer(load.bootstrap, input, output, appId, KS_GUARANTEE[g], COMMIT_MS);
  try {
    const ms = await measuredMs(load, appId, input, `Kafka Streams ${g}`);
    await checkOutput(load, output, expected, `Kafka Streams ${g}`);
    return { ms };
  } finally {
    await peer.stop();
  }
}

/** sluice's throughput run. */
async function sluiceThroughput(load: Load, input: string, g: Guarantee, expected: ReadonlyMap<string, number>): Promise<{ ms: number; run: SluiceReport }> {
  const output = await load.topic(name('bench-wc-out'), PARTITIONS);
  const group = name(`bench-wc-${g}`);
  const brokers = [load.bootstrap];
  const [ms, run] = await Promise.all([
    measuredMs(load, group, input, `sluice ${g}`),
    sluice({ mode: 'wordcount', brokers, input, output, name: group, transactional: g === 'eos', maxPerPartition: MAX_PER_PARTITION }),
  ]);
  await checkOutput(load, output, expected, `sluice ${g}`);
  return { ms, run };
}

/**
 * One latency run: a fresh 1-partition input topic holding LATENCY_WARMUP lines when
 * `start`'s system starts (its warm-up: JIT compilers, connections); once their counts are
 * in the output, lines at RATE for LATENCY_SECONDS; the output read read_committed as it
 * appears.
 */
async function latencyRun(load: Load, system: string, g: Guarantee, start: (input: string, output: string) => Promise<{ ready: Promise<unknown>; stop: () => Promise<void> }>): Promise<KafkaResults['latency'][number]> {
  const input = await load.topic(name('bench-lat-in'), 1);
  const output = await load.topic(name('bench-lat-out'), PARTITIONS, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
  const lines = Math.round(RATE * LATENCY_SECONDS);
  const expected = expectedCounts(LATENCY_WARMUP + lines);
  await load.produceLines(input, LATENCY_WARMUP);
  const sut = await start(input, output);
  try {
    await sut.ready;
    const warm = reaches(expectedCounts(LATENCY_WARMUP));
    const all = reaches(expected);
    let warmed = () => {};
    const warmedUp = new Promise<void>((resolve) => { warmed = resolve; });
    const reading = load.readCounts(output, (us) => { if (warm(us)) warmed(); return all(us); }, 600_000);
    await Promise.race([warmedUp, reading.then(() => { throw new Error(`bench: latency run of ${system} ${g}: the warm-up lines were not counted`); })]);
    const stamps = await load.produceAtRate(input, RATE, LATENCY_SECONDS, LATENCY_WARMUP);
    const updates: Update[] = await reading;
    const bad = wrongCounts(updates, expected);
    if (bad.length) throw new Error(`bench: latency run of ${system} ${g}: wrong counts (${bad.length} words), e.g. ${bad.slice(0, 5).join('; ')}`);
    const l = latencies(stamps, LATENCY_WARMUP, updates, 0);
    return { system, guarantee: g, lines, appended: [quantile(l.appended, 0.5), quantile(l.appended, 0.99)], read: [quantile(l.read, 0.5), quantile(l.read, 0.99)] };
  } finally {
    await sut.stop();
  }
}

/** Runs the whole group (about 3-5 minutes on a quiet 2-core machine). */
export async function runKafkaBench(): Promise<KafkaResults> {
  const why = missingTools();
  if (why) throw new Error(`bench: kafka: ${why}`);
  const t0 = performance.now();
  const started = new Date().toISOString();
  const uptimeStart = uptime();
  process.stderr.write('bench: kafka: building the Kafka Streams peer …\n');
  buildPeer();
  const ours = !runningBroker();
  const broker = await up();
  const load = await Load.open(broker.bootstrap);
  const brokers = [broker.bootstrap];
  try {
    const all = WARMUP + RECORDS;
    process.stderr.write(`bench: kafka: broker ${broker.bootstrap}; ${all} lines …\n`);
    const input = await load.topic(name('bench-lines'), PARTITIONS);
    const produce = await load.produceLines(input, all, 0, WARMUP);
    const consume = await load.consumeAll(input, all, name('bench-kafkajs'), WARMUP);
    const expected = expectedCounts(all);
    const source = await sluice({ mode: 'source', brokers, input, name: name('bench-src'), maxPerPartition: MAX_PER_PARTITION, warmup: WARMUP });
    if (source.records !== all) throw new Error(`bench: the sluice source read ${source.records} of ${all} records`);
    const sink = await sluice({ mode: 'sink', brokers, output: await load.topic(name('bench-sink'), PARTITIONS), records: all, batch: MAX_PER_PARTITION * PARTITIONS, warmup: WARMUP });
    const wordCount = {} as KafkaResults['wordCount'];
    for (const g of GUARANTEES) {
      process.stderr.write(`bench: kafka: word count, ${g} …\n`);
      wordCount[g] = { sluice: await sluiceThroughput(load, input, g, expected), streams: await streamsThroughput(load, input, g, expected) };
    }
    const txcost = await sluice({ mode: 'txcost', brokers, output: await load.topic(name('bench-tx'), 1), name: name('bench-tx'), batches: 100, perBatch: 100 });
    const latency: KafkaResults['latency'] = [];
    for (const g of GUARANTEES) {
      process.stderr.write(`bench: kafka: latency at ${RATE} records/s, ${g} …\n`);
      latency.push(await latencyRun(load, 'sluice', g, async (input, output) => {
        let kill = () => {};
        let started = () => {};
        const running = new Promise<void>((resolve) => { started = resolve; });
        const job: SluiceJob = { mode: 'wordcount', brokers, input, output, name: name(`bench-lat-${g}`), transactional: g === 'eos', maxPerPartition: 100_000, realtime: { intervalMs: LATENCY_BATCH_MS, numBatches: 1_000_000 } };
        const done = sluice(job, (k) => { kill = k; started(); });
        // A child that fails before it runs rejects `ready` too.
        const ready = Promise.race([running, done.then(() => { throw new Error('bench: the sluice latency run ended before it started'); })]);
        return { ready, stop: async () => { kill(); await done.catch(() => {}); } };
      }));
      latency.push(await latencyRun(load, 'Kafka Streams', g, async (input, output) => {
        const peer: Peer = startPeer(load.bootstrap, input, output, name(`bench-lat-ks-${g}`), KS_GUARANTEE[g], COMMIT_MS);
        return { ready: peer.running, stop: () => peer.stop() };
      }));
    }
    return { started, uptime: { start: uptimeStart, end: uptime() }, records: RECORDS, produce, consume, source, sink, wordCount, txcost, latency, seconds: (performance.now() - t0) / 1000 };
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
  const n = r.records;
  const all = WARMUP + n;
  const out: string[] = [KAFKA_HEADING, ''];
  out.push(`${r.started} · ${r.seconds.toFixed(0)} s · \`${cmd}\``, '');
  out.push(`\`uptime\` at the start: \`${r.uptime.start}\`; at the end: \`${r.uptime.end}\`. The machine (2 cores) is shared with other jobs and noisy, and the broker, the system under test and the load generator share its cores: these figures are indications, not PASS/FAIL verdicts.`, '');
  out.push(`Input: ${all.toLocaleString('en')} lines of ${WORDS_PER_LINE} words (${VOCABULARY} distinct) on a ${PARTITIONS}-partition topic; output: a running count per word, key = word, value \`word:count\`, on a ${PARTITIONS}-partition topic. Every run's final counts are checked against the input.`, '');
  out.push(table(
    ['word count, Kafka → Kafka', 'sluice', 'Kafka Streams', 'ratio sluice / Kafka Streams'],
    GUARANTEES.map((g) => {
      const w = r.wordCount[g];
      return [g === 'eos' ? 'exactly-once (transactional sink / `exactly_once_v2`)' : 'at-least-once', rate(n, w.sluice.ms), rate(n, w.streams.ms), r3(w.streams.ms / w.sluice.ms)];
    }),
  ));
  out.push('', `Records/s over the last ${n.toLocaleString('en')} lines: timed, for both systems, by one observer polling the job's consumer group every 20 ms, from the first time its committed input offsets reach ${WARMUP.toLocaleString('en')} (the first lines are the warm-up: JIT compilers, connections, group joins) until they reach ${all.toLocaleString('en')}. sluice commits the offsets a batch processed when the next batch starts and when the run ends; Kafka Streams at every commit. sluice's own wall time of \`run()\` over all ${all.toLocaleString('en')} lines, warm-up and connecting included: ${GUARANTEES.map((g) => `${g} ${rate(all, r.wordCount[g].sluice.run.wallMs)}`).join(', ')}.`, '');
  out.push(`sluice: local runtime, pace \`asap\`, \`Sources.kafka\` (bounded at the topic's end, ${MAX_PER_PARTITION.toLocaleString('en')} records per partition and batch: ${r.wordCount.alo.sluice.run.batches} batches) → flatMap → pair → reduceByKey → updateStateByKey → \`Sinks.kafka\` (keyed; \`transactional: true\` for exactly-once), in a process of its own. Kafka Streams 4.4.0 (the broker's version): \`flatMapValues → groupBy → count → to\`, one stream thread, \`-Xmx512m\`, \`commit.interval.ms\` ${COMMIT_MS} (its default under exactly_once_v2; the at-least-once default of 30 s would make the end of the run wait for a commit), other settings default.`, '');
  const warmRate = (t: Timed) => rate(t.warm.records, t.warm.ms);
  const warmRatio = (s: Timed, k: Timed) => r3((s.warm.records / s.warm.ms) / (k.warm.records / k.warm.ms));
  out.push(table(
    ['kafkajs ceiling (one process)', 'kafkajs loop', 'sluice', 'sluice ÷ kafkajs', `all ${all.toLocaleString('en')} lines: kafkajs`, 'sluice', 'sluice ÷ kafkajs'],
    [
      ['consume (source)', warmRate(r.consume), warmRate(r.source.timed!), warmRatio(r.source.timed!, r.consume), rate(all, r.consume.ms), rate(all, r.source.timed!.ms), r3(r.consume.ms / r.source.timed!.ms)],
      ['produce (sink, at-least-once)', warmRate(r.produce), warmRate(r.sink.timed!), warmRatio(r.sink.timed!, r.produce), rate(all, r.produce.ms), rate(all, r.sink.timed!.ms), r3(r.produce.ms / r.sink.timed!.ms)],
    ],
  ));
  out.push('', `Each side timed the same way: records/s from the first time ${WARMUP.toLocaleString('en')} records were done (consumed, or sent and acknowledged) to the last, then over all lines from the start (kafkajs: after connecting, the consumer's group join included; sluice: from \`run()\`, connecting included). kafkajs loops: an idempotent producer, acks=all, ${SEND_BATCH} records per send, one send at a time (this is also what fills the input topic); a consumer group with \`eachBatch\`. sluice: the source alone into a sink that only counts (the same run setup as the word count); the sink alone, the same lines from memory (\`Sources.fromIterable\`, ${(MAX_PER_PARTITION * PARTITIONS).toLocaleString('en')} per batch).`, '');
  const tx = r.txcost;
  out.push(`Per-batch cost of the transaction: one sink writer writing 100 batches of 100 lines to a 1-partition topic took ${tx.plainMs!.toFixed(1)} ms a batch without a transaction and ${tx.txMs!.toFixed(1)} ms with one (the transaction also writes the batch marker to \`_sluice_sink_commits\`): **${(tx.txMs! - tx.plainMs!).toFixed(1)} ms per batch**. In the throughput runs above: ${((r.wordCount.eos.sluice.run.wallMs - r.wordCount.alo.sluice.run.wallMs) / r.wordCount.eos.sluice.run.batches!).toFixed(1)} ms per batch (exactly-once minus at-least-once wall time of \`run()\` ÷ ${r.wordCount.eos.sluice.run.batches} batches; noise included).`, '');
  out.push(table(
    [`latency at ${RATE.toLocaleString('en')} records/s`, 'p50 (append)', 'p99 (append)', 'p50 (read_committed)', 'p99 (read_committed)'],
    r.latency.map((l) => [`${l.system}, ${l.guarantee === 'eos' ? 'exactly-once' : 'at-least-once'}`, `${l.appended[0]} ms`, `${l.appended[1]} ms`, `${l.read[0]} ms`, `${l.read[1]} ms`]),
  ));
  out.push('', `Latency runs: a fresh 1-partition input topic holding ${LATENCY_WARMUP.toLocaleString('en')} lines when the system starts (its warm-up: JIT, connections); once their counts are in the output, one producer adds lines at ${RATE.toLocaleString('en')}/s for ${LATENCY_SECONDS} s (a send every 10 ms, each record's timestamp its send time), and only those are measured. A line's latency: from its producer timestamp until every word in it is counted in the output — by the output record's append time (the output topic has \`message.timestamp.type=LogAppendTime\`), and by the time a read_committed consumer received it (for exactly-once, append time comes before the commit makes the record visible). sluice: real-time pacing, batch interval ${LATENCY_BATCH_MS} ms; Kafka Streams: commit.interval.ms ${COMMIT_MS}.`);
  return out.join('\n');
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
  const section = renderKafka(await runKafkaBench(), cmd);
  console.log(`\n${section}\n`);
  const md = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const old = keptKafkaSection();
  writeFileSync(RESULTS, old ? md.replace(old, `${section}\n`) : `${md.trimEnd()}\n\n${section}\n`);
  console.log(`wrote the Kafka section of ${RESULTS}`);
}
