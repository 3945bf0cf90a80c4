/**
 * The sluice side of the Kafka benchmark, one measurement per process (forked by
 * kafka-bench.ts with a JSON job as its argument; the result goes back over IPC):
 *
 * - `wordcount`: Kafka -> running word count -> Kafka, at-least-once or transactional,
 *   with a checkpoint directory (the state kept as a restarted job needs it, as Kafka
 *   Streams keeps it in its changelog); real time, until killed (the parent watches the
 *   output), or bounded (pace `asap`, reads the topic up to its end). It reports each
 *   batch's end over IPC (`{ batch: ms since the epoch }`);
 * - `source`: the Kafka source alone, into a sink that only counts;
 * - `sink`: the Kafka sink alone, fed the same lines from memory;
 * - `txcost`: one Kafka sink writer writing the same small batches with and without
 *   transactions (the per-batch cost of the transaction).
 *
 * @module
 */
import { Pipeline, Sinks, Sources, getOrElse, local, millis, pair, some, type Option, type Sink } from '../src/index.js';
import { line, stopwatch, type Timed } from './kafka-load.js';

/** What kafka-bench.ts asks a child to do. */
export type SluiceJob =
  | { readonly mode: 'wordcount'; readonly brokers: string[]; readonly input: string; readonly output: string; readonly name: string; readonly transactional: boolean; readonly maxPerPartition: number; readonly checkpointDir?: string; readonly realtime?: { readonly intervalMs: number; readonly numBatches: number } }
  | { readonly mode: 'source'; readonly brokers: string[]; readonly input: string; readonly name: string; readonly maxPerPartition: number; readonly warmup: number }
  | { readonly mode: 'sink'; readonly brokers: string[]; readonly output: string; readonly records: number; readonly batch: number; readonly warmup: number }
  | { readonly mode: 'txcost'; readonly brokers: string[]; readonly output: string; readonly name: string; readonly batches: number; readonly perBatch: number };

/** What a child reports. */
export interface SluiceReport {
  readonly wallMs: number;
  readonly batches?: number;
  readonly records?: number;
  /** txcost: ms per batch without and with a transaction. */
  readonly plainMs?: number;
  readonly txMs?: number;
  /** source, sink: timed as the kafkajs loops are, from `run()` to the last batch, and after the warm-up records. */
  readonly timed?: Timed;
}

const sumCounts = (vs: number[], s: Option<number>): Option<number> => some(vs.reduce((a, b) => a + b, getOrElse(() => 0)(s)));

async function wordcount(job: Extract<SluiceJob, { mode: 'wordcount' }>): Promise<SluiceReport> {
  const rt = job.realtime;
  const p = Pipeline.create(job.name, { batchInterval: millis(rt?.intervalMs ?? 1000) });
  p.source(Sources.kafka({ brokers: job.brokers, topics: [job.input], groupId: job.name, value: 'string', startingOffsets: 'earliest', maxRecordsPerPartition: job.maxPerPartition, ...(rt ? {} : { endingOffsets: 'latest' as const }) }))
    .flatMap((r) => r.value.split(' '))
    .map((w) => pair(w, 1))
    .reduceByKey((a, b) => a + b)
    .updateStateByKey(sumCounts)
    .map(([w, n]) => `${w}:${n}`)
    .to(Sinks.kafka<string>({ brokers: job.brokers, topic: job.output, value: 'string', key: (s) => s.slice(0, s.lastIndexOf(':')), transactional: job.transactional }));
  if (rt) process.send!({ ready: true }); // the fixed-rate producer starts now
  const t0 = performance.now();
  const onProgress = () => { process.send!({ batch: Date.now() }); };
  const runtime = local(job.checkpointDir ? { checkpointDir: job.checkpointDir } : {});
  const { metrics } = await p.run(rt ? { runtime, pace: 'realtime', numBatches: rt.numBatches, onProgress } : { runtime, pace: 'asap', onProgress });
  return { wallMs: performance.now() - t0, batches: metrics.batches };
}

async function source(job: Extract<SluiceJob, { mode: 'source' }>): Promise<SluiceReport> {
  let records = 0;
  const p = Pipeline.create(job.name, { batchInterval: millis(1000) });
  const watch = stopwatch(job.warmup);
  p.source(Sources.kafka({ brokers: job.brokers, topics: [job.input], groupId: job.name, value: 'string', startingOffsets: 'earliest', endingOffsets: 'latest', maxRecordsPerPartition: job.maxPerPartition }))
    .to(Sinks.foreachBatch((rs) => { records += rs.length; if (rs.length) watch.done(records); }));
  const t0 = performance.now();
  const { metrics } = await p.run({ pace: 'asap' });
  return { wallMs: performance.now() - t0, batches: metrics.batches, records, timed: watch.result() };
}

async function sink(job: Extract<SluiceJob, { mode: 'sink' }>): Promise<SluiceReport> {
  const p = Pipeline.create('kafka-bench-sink', { batchInterval: millis(1000) });
  const kafka = Sinks.kafka<string>({ brokers: job.brokers, topic: job.output, value: 'string' });
  const watch = stopwatch(job.warmup);
  let written = 0;
  // The Kafka sink, its progress noted after each batch it wrote.
  const timed: Sink<string> = { ...kafka, open(ctx) { const w = kafka.open(ctx); return { async write(rs, t) { await w.write(rs, t); written += rs.length; if (rs.length) watch.done(written); }, close: () => w.close() }; } };
  p.source(Sources.fromIterable((function* () { for (let i = 0; i < job.records; i++) yield line(i); })())).to(timed);
  const t0 = performance.now();
  const { metrics } = await p.run({ pace: 'asap', maxBatchSize: job.batch });
  return { wallMs: performance.now() - t0, batches: metrics.batches, records: job.records, timed: watch.result() };
}

/** The same batches written by one non-transactional then one transactional writer (after a warm-up batch each). */
async function txcost(job: Extract<SluiceJob, { mode: 'txcost' }>): Promise<SluiceReport> {
  const batch = Array.from({ length: job.perBatch }, (_, i) => line(i));
  const perBatch = async (transactional: boolean): Promise<number> => {
    const w = Sinks.kafka<string>({ brokers: job.brokers, topic: job.output, value: 'string', transactional }).open({ operator: 'sink#0', pipeline: `${job.name}-${transactional}` });
    await w.write(batch, 0);
    const t0 = performance.now();
    for (let t = 1; t <= job.batches; t++) await w.write(batch, t * 1000);
    const ms = (performance.now() - t0) / job.batches;
    await w.close();
    return ms;
  };
  const t0 = performance.now();
  const plainMs = await perBatch(false);
  const txMs = await perBatch(true);
  return { wallMs: performance.now() - t0, plainMs, txMs };
}

const job = JSON.parse(process.argv[2]) as SluiceJob;
const run = { wordcount, source, sink, txcost }[job.mode] as (j: SluiceJob) => Promise<SluiceReport>;
run(job).then(
  (r) => { process.send!(r); process.disconnect(); },
  (e: unknown) => { console.error(e); process.exit(1); },
);
