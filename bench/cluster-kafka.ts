/**
 * Word count over a Kafka topic on the cluster runtime (2 workers, asap pacing), with two
 * batches in flight (the Kafka source's default) against one at a time (the same source
 * with `pipelined: false`): what pipelining gains a bounded Kafka job. Input: lines of 10
 * words over a 10k-word vocabulary in a fresh 4-partition topic (each worker reads 2
 * partitions), read from the earliest to the latest offsets, `maxRecordsPerPartition`
 * lines per partition and batch → flatMap(split) → map(pair(w, 1)) → reduceByKey(+) →
 * foreachBatch in the calling process. Every run has a fresh consumer group (the range log
 * and the group's offsets start empty); its output digest must equal the first run's. One
 * untimed run per side, then `runs` rounds, sides alternating; best wall clock per side.
 * Needs the broker of `npm run kafka:up`, or starts one for the run.
 *
 *   npx tsx --expose-gc bench/cluster-kafka.ts [lines=200000] [runs=5]
 *   SLUICE_BENCH_KAFKA_PER_PARTITION=1000 npx tsx --expose-gc bench/cluster-kafka.ts   (50 batches)
 *
 * @module
 */
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import { Pipeline, Sources, seconds } from '../src/index.js';
import { WorkerPool } from '../runtimes/cluster/pool.js';
import { down, runningBroker, up } from '../kafka/broker.js';
import { add, digestCounts, one, splitWords, wordLines, WORDS_PER_LINE } from './cluster-jobs.js';
import { procCpu, selfCpu } from './cluster.js';

const SELF = fileURLToPath(import.meta.url);
/** Lines per topic partition and batch (SLUICE_BENCH_KAFKA_PER_PARTITION overrides it, in every process of the run). */
export const PER_PARTITION = Number(process.env.SLUICE_BENCH_KAFKA_PER_PARTITION ?? 5_000);
const PARTITIONS = 4;

const seen = { total: 0, records: 0, hash: 0, batches: 0 };

/** The job (what the workers rebuild too); `pipelined` false: the source says `pipelined: false`. */
export function kafkaWordCount(brokers: string[], topic: string, groupId: string, pipelined: boolean): Pipeline {
  seen.total = 0; seen.records = 0; seen.hash = 0; seen.batches = 0;
  const p = Pipeline.create('bench-cluster-kafka-word-count', { batchInterval: seconds(1) });
  const source = Sources.kafka({ brokers, topics: [topic], groupId, value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest', maxRecordsPerPartition: PER_PARTITION });
  p.source(pipelined ? source : { ...source, pipelined: false })
    .flatMap((r) => splitWords(r.value))
    .map(one)
    .reduceByKey(add)
    .foreachBatch((rs) => {
      seen.hash = digestCounts(rs, seen.hash);
      for (const [, n] of rs) seen.total += n;
      seen.records += rs.length;
      seen.batches++;
    });
  return p;
}

/** Writes `lines` lines of words to a fresh topic of 4 partitions; returns its name. */
async function feed(bootstrap: string, lines: number): Promise<string> {
  const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: 'sluice-bench-cluster-kafka', logLevel: kafkajs.logLevel.NOTHING });
  const topic = `bench-cluster-kafka-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let chunk: { value: string; partition: number }[] = [];
  let i = 0;
  for (const value of wordLines(lines * WORDS_PER_LINE)) {
    chunk.push({ value, partition: i++ % PARTITIONS });
    if (chunk.length === 5_000) { await producer.send({ topic, acks: -1, messages: chunk }); chunk = []; }
  }
  if (chunk.length) await producer.send({ topic, acks: -1, messages: chunk });
  await producer.disconnect();
  return topic;
}

/** One side's best run. */
export interface KafkaSide { readonly wall: number; readonly cpu: number; readonly batches: number }

/** What the benchmark measured. */
export interface ClusterKafkaResults {
  readonly lines: number;
  readonly runs: number;
  readonly pipelined: KafkaSide;
  readonly oneAtATime: KafkaSide;
  readonly load: readonly [number[], number[]];
}

/** Runs the benchmark on `bootstrap`'s broker. */
async function measure(bootstrap: string, lines: number, runs: number): Promise<Omit<ClusterKafkaResults, 'load'>> {
  const topic = await feed(bootstrap, lines);
  const pool = WorkerPool.start({ workers: 2, mode: 'module' });
  let groups = 0;
  let digest: string | undefined;
  const once = async (pipelined: boolean): Promise<KafkaSide> => {
    const group = `bench-cluster-kafka-g${Date.now()}-${groups++}`;
    (globalThis as { gc?: () => void }).gc?.();
    const w0 = pool.workers.map((w) => procCpu(w.child.pid!));
    const c0 = selfCpu();
    const t0 = performance.now();
    await kafkaWordCount([bootstrap], topic, group, pipelined).run({ runtime: 'cluster', pool, pace: 'asap', worker: { module: SELF, export: 'kafkaWordCount', args: [[bootstrap], topic, group, pipelined] } } as never);
    const wall = (performance.now() - t0) / 1000;
    const cpu = selfCpu() - c0 + pool.workers.reduce((s, w, i) => s + procCpu(w.child.pid!) - w0[i], 0);
    if (seen.total !== lines * WORDS_PER_LINE) throw new Error(`kafka word count (pipelined ${pipelined}): counted ${seen.total} of ${lines * WORDS_PER_LINE} words`);
    const d = `${seen.records} rows, digest ${seen.hash}`;
    if (digest !== undefined && d !== digest) throw new Error(`kafka word count (pipelined ${pipelined}): ${d}; first run: ${digest}`);
    digest = d;
    return { wall, cpu, batches: seen.batches };
  };
  try {
    await once(true);
    await once(false);
    let best: { pipelined?: KafkaSide; oneAtATime?: KafkaSide } = {};
    for (let i = 0; i < runs; i++) {
      const a = await once(true);
      const b = await once(false);
      if (!best.pipelined || a.wall < best.pipelined.wall) best = { ...best, pipelined: a };
      if (!best.oneAtATime || b.wall < best.oneAtATime.wall) best = { ...best, oneAtATime: b };
    }
    return { lines, runs, pipelined: best.pipelined!, oneAtATime: best.oneAtATime! };
  } finally {
    await pool.close();
  }
}

/** Runs the benchmark (`npm run bench -- kafkacluster`), on the running broker or one started for it. */
export async function runClusterKafka(lines = 200_000, runs = 5): Promise<ClusterKafkaResults> {
  const before = os.loadavg();
  const ours = !runningBroker();
  const broker = await up();
  try {
    return { ...(await measure(broker.bootstrap, lines, runs)), load: [before, os.loadavg()] };
  } finally {
    if (ours) await down();
  }
}

/** The RESULTS.md section's body. */
export function renderClusterKafka(r: ClusterKafkaResults, cmd: string): string {
  const words = r.lines * WORDS_PER_LINE;
  const row = (name: string, s: KafkaSide) => `| ${name} | ${s.wall.toFixed(2)} s | ${(r.lines / s.wall / 1e3).toFixed(0)} k lines/s (${(words / s.wall / 1e6).toFixed(2)} M words/s) | ${s.batches} | ${s.cpu.toFixed(2)} s |`;
  const fmt = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(' ');
  return [
    `${r.lines.toLocaleString('en')} lines (${words.toLocaleString('en')} words) in a 4-partition topic, ${PER_PARTITION.toLocaleString('en')} lines per partition and batch; cluster runtime, 2 workers (each reads 2 partitions), asap pacing; best of ${r.runs}, sides alternating, a fresh consumer group per run, output digests equal. Load average ${fmt(r.load[0])} at the start, ${fmt(r.load[1])} at the end (${os.cpus().length} cores).`,
    '',
    '| source | wall | rate | batches | CPU (all processes) |',
    '| --- | --- | --- | --- | --- |',
    row('Sources.kafka (two batches in flight)', r.pipelined),
    row('the same with pipelined: false (one batch at a time)', r.oneAtATime),
    '',
    `Two batches in flight ÷ one at a time: **${(r.oneAtATime.wall / r.pipelined.wall).toFixed(2)}×** (wall clock).`,
    '',
    `Command: \`${cmd}\``,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runClusterKafka(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 5));
  process.stdout.write(`${renderClusterKafka(r, `npx tsx --expose-gc bench/cluster-kafka.ts ${r.lines} ${r.runs}`)}\n`);
}
