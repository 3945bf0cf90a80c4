/**
 * A job's Prometheus metrics (prom-client), fed from its progress records, so the local and
 * the cluster runtime report the same names. On the cluster runtime the coordinator holds
 * the one registry of the job; per-worker figures carry a `worker` label.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Plan } from '../ir/plan.js';
import type { BatchProgress } from './progress.js';
import { Series } from './series.js';

/** Every metric name a job registers (the Grafana dashboard queries only these). */
export const METRIC_NAMES = [
  'sluice_batches_total',
  'sluice_records_total',
  'sluice_records_in_total',
  'sluice_operator_seconds_total',
  'sluice_dead_letters_total',
  'sluice_late_records_total',
  'sluice_batch_processing_seconds',
  'sluice_batch_scheduling_delay_seconds',
  'sluice_batch_total_delay_seconds',
  'sluice_batch_interval_seconds',
  'sluice_last_batch_time_seconds',
  'sluice_input_records_per_second',
  'sluice_state_keys',
  'sluice_watermark_seconds',
  'sluice_event_time_lag_seconds',
  'sluice_checkpoint_duration_seconds',
  'sluice_checkpoint_bytes',
  'sluice_worker_restarts_total',
  'sluice_replayed_batches_total',
  'sluice_consumer_lag',
  'sluice_kafka_records_total',
  'sluice_kafka_offset',
] as const;

/** The metrics of one run, registered in `registry`. */
export class JobMetrics {
  private readonly batches: Counter<'pipeline'>;
  private readonly records: Counter<'pipeline' | 'operator' | 'kind' | 'worker'>;
  private readonly recordsIn: Counter<'pipeline' | 'operator' | 'kind'>;
  private readonly opSeconds: Counter<'pipeline' | 'operator' | 'worker'>;
  private readonly dead: Counter<'pipeline' | 'reason'>;
  private readonly late: Counter<'pipeline'>;
  private readonly processing: Histogram<'pipeline'>;
  private readonly scheduling: Gauge<'pipeline'>;
  private readonly total: Gauge<'pipeline'>;
  private readonly interval: Gauge<'pipeline'>;
  private readonly lastTime: Gauge<'pipeline'>;
  private readonly inputRate: Gauge<'pipeline' | 'source'>;
  private readonly stateKeys: Gauge<'pipeline' | 'operator' | 'worker'>;
  private readonly watermark: Gauge<'pipeline' | 'operator'>;
  private readonly eventLag: Gauge<'pipeline' | 'operator'>;
  private readonly checkpointSeconds: Histogram<'pipeline'>;
  private readonly checkpointBytes: Gauge<'pipeline'>;
  private readonly restarts: Counter<'pipeline'>;
  private readonly replayed: Counter<'pipeline'>;
  private readonly lag: Gauge<'pipeline' | 'topic' | 'partition'>;
  private readonly kafkaRecords: Counter<'pipeline' | 'source' | 'topic' | 'partition'>;
  private readonly kafkaOffset: Gauge<'pipeline' | 'source' | 'topic' | 'partition'>;
  private readonly pipeline: string;
  /** Per-operator, per-source and per-partition figures, handed to prom-client when the registry is read ({@link Series}). */
  private readonly series = {
    records: new Series<'pipeline' | 'operator' | 'kind' | 'worker'>(),
    recordsIn: new Series<'pipeline' | 'operator' | 'kind'>(),
    opSeconds: new Series<'pipeline' | 'operator' | 'worker'>(),
    dead: new Series<'pipeline' | 'reason'>(),
    inputRate: new Series<'pipeline' | 'source'>(),
    stateKeys: new Series<'pipeline' | 'operator' | 'worker'>(),
    watermark: new Series<'pipeline' | 'operator'>(),
    eventLag: new Series<'pipeline' | 'operator'>(),
    lag: new Series<'pipeline' | 'topic' | 'partition'>(),
    kafkaRecords: new Series<'pipeline' | 'source' | 'topic' | 'partition'>(),
    kafkaOffset: new Series<'pipeline' | 'source' | 'topic' | 'partition'>(),
    batches: new Series<'pipeline'>(),
    scheduling: new Series<'pipeline'>(),
    total: new Series<'pipeline'>(),
    lastTime: new Series<'pipeline'>(),
  };

  constructor(readonly registry: Registry, plan: Plan) {
    const registers = [registry];
    this.pipeline = plan.name;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], series?: Series<L>) =>
      new Counter<L>({ name, help, labelNames, registers, ...(series ? { collect(this: Counter<L>) { series.toCounter(this); } } : {}) });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], series?: Series<L>) =>
      new Gauge<L>({ name, help, labelNames, registers, ...(series ? { collect(this: Gauge<L>) { series.toGauge(this); } } : {}) });
    const series = this.series;
    this.batches = counter('sluice_batches_total', 'Batches completed', ['pipeline'], series.batches);
    this.records = counter('sluice_records_total', 'Records emitted, by operator (and worker on the cluster runtime)', ['pipeline', 'operator', 'kind', 'worker'], series.records);
    this.recordsIn = counter('sluice_records_in_total', 'Records read by each operator from its inputs', ['pipeline', 'operator', 'kind'], series.recordsIn);
    this.opSeconds = counter('sluice_operator_seconds_total', 'Wall time spent in each operator, by worker on the cluster runtime (on the local runtime a fused chain counts at its first operator)', ['pipeline', 'operator', 'worker'], series.opSeconds);
    this.dead = counter('sluice_dead_letters_total', 'Records sent to the dead-letter output, by reason', ['pipeline', 'reason'], series.dead);
    this.late = counter('sluice_late_records_total', 'Records that arrived after their event-time window closed', ['pipeline']);
    this.processing = new Histogram({
      name: 'sluice_batch_processing_seconds', help: 'How long each batch ran', labelNames: ['pipeline'], registers,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.scheduling = gauge('sluice_batch_scheduling_delay_seconds', 'How long the last batch waited to start after its batch time', ['pipeline'], series.scheduling);
    this.total = gauge('sluice_batch_total_delay_seconds', 'Scheduling delay plus processing time of the last batch', ['pipeline'], series.total);
    this.interval = gauge('sluice_batch_interval_seconds', 'The batch interval', ['pipeline']);
    this.lastTime = gauge('sluice_last_batch_time_seconds', 'Batch time of the last completed batch', ['pipeline'], series.lastTime);
    this.inputRate = gauge('sluice_input_records_per_second', 'Records read per second of batch interval in the last batch, by source', ['pipeline', 'source'], series.inputRate);
    this.stateKeys = gauge('sluice_state_keys', 'Keys held in state, by stateful operator (and worker on the cluster runtime)', ['pipeline', 'operator', 'worker'], series.stateKeys);
    this.watermark = gauge('sluice_watermark_seconds', 'Watermark of each event-time operator', ['pipeline', 'operator'], series.watermark);
    this.eventLag = gauge('sluice_event_time_lag_seconds', 'Batch time minus watermark, by event-time operator', ['pipeline', 'operator'], series.eventLag);
    this.checkpointSeconds = new Histogram({
      name: 'sluice_checkpoint_duration_seconds', help: 'How long each checkpoint commit took', labelNames: ['pipeline'], registers,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    });
    this.checkpointBytes = gauge('sluice_checkpoint_bytes', 'Bytes of state files in the last checkpoint', ['pipeline']);
    this.restarts = counter('sluice_worker_restarts_total', 'Times the workers were restarted after a crash', ['pipeline']);
    this.replayed = counter('sluice_replayed_batches_total', 'Batches run again after a worker crash', ['pipeline']);
    this.lag = gauge('sluice_consumer_lag', 'Consumer lag (records) by topic partition', ['pipeline', 'topic', 'partition'], series.lag);
    this.kafkaRecords = counter('sluice_kafka_records_total', 'Records read from each Kafka topic partition, by source', ['pipeline', 'source', 'topic', 'partition'], series.kafkaRecords);
    this.kafkaOffset = gauge('sluice_kafka_offset', 'Offset up to which each Kafka topic partition has been read (end of the last batch\'s range), by source', ['pipeline', 'source', 'topic', 'partition'], series.kafkaOffset);
    // Every series of the plan exists from the start (at 0), so dashboards and alerts see them.
    const pipeline = this.pipeline;
    series.batches.add('', { pipeline }, 0);
    this.late.inc({ pipeline }, 0);
    this.restarts.inc({ pipeline }, 0);
    this.replayed.inc({ pipeline }, 0);
    this.interval.set({ pipeline }, plan.batchIntervalMs / 1000);
    for (const n of plan.nodes) {
      this.records.inc({ pipeline, operator: n.id, kind: n.kind, worker: '0' }, 0);
      if (n.kind !== 'source') this.recordsIn.inc({ pipeline, operator: n.id, kind: n.kind }, 0);
    }
  }

  /** Adds a batch's figures. */
  record(p: BatchProgress): void {
    const pipeline = this.pipeline;
    const s = this.series;
    s.batches.add('', { pipeline }, 1);
    this.processing.observe({ pipeline }, p.processingMs / 1000);
    s.scheduling.set('', { pipeline }, p.schedulingDelayMs / 1000);
    s.total.set('', { pipeline }, p.totalDelayMs / 1000);
    s.lastTime.set('', { pipeline }, p.batchTime / 1000);
    for (const id in p.operators) {
      const o = p.operators[id];
      const { kind } = o;
      if (o.byWorker) {
        for (let w = 0; w < o.byWorker.length; w++) if (o.byWorker[w]) s.records.add(workerKey(id, w), { pipeline, operator: id, kind, worker: String(w) }, o.byWorker[w]);
      } else if (o.records) s.records.add(workerKey(id, 0), { pipeline, operator: id, kind, worker: '0' }, o.records);
      if (o.recordsIn) s.recordsIn.add(id, { pipeline, operator: id, kind }, o.recordsIn);
      if (o.timeByWorker) {
        for (let w = 0; w < o.timeByWorker.length; w++) if (o.timeByWorker[w]) s.opSeconds.add(workerKey(id, w), { pipeline, operator: id, worker: String(w) }, o.timeByWorker[w] / 1000);
      } else if (o.timeMs) s.opSeconds.add(workerKey(id, 0), { pipeline, operator: id, worker: '0' }, o.timeMs / 1000);
      if (o.stateKeysByWorker) {
        for (let w = 0; w < o.stateKeysByWorker.length; w++) s.stateKeys.set(workerKey(id, w), { pipeline, operator: id, worker: String(w) }, o.stateKeysByWorker[w]);
      } else if (o.stateKeys !== undefined) s.stateKeys.set(workerKey(id, 0), { pipeline, operator: id, worker: '0' }, o.stateKeys);
      if (o.watermark !== undefined && Number.isFinite(o.watermark)) {
        s.watermark.set(id, { pipeline, operator: id }, o.watermark / 1000);
        s.eventLag.set(id, { pipeline, operator: id }, Math.max(0, p.batchTime - o.watermark) / 1000);
      }
    }
    for (const id in p.sources) s.inputRate.set(id, { pipeline, source: id }, p.sources[id].inputRate);
    for (const reason in p.deadLetters.byReason) s.dead.add(reason, { pipeline, reason }, p.deadLetters.byReason[reason]);
    if (p.lateRecords) this.late.inc({ pipeline }, p.lateRecords);
    if (p.replayed) this.replayed.inc({ pipeline });
    if (p.checkpoint) {
      this.checkpointSeconds.observe({ pipeline }, p.checkpoint.durationMs / 1000);
      this.checkpointBytes.set({ pipeline }, p.checkpoint.bytes);
    }
    for (const [tp, n] of Object.entries(p.lag ?? {})) s.lag.set(tp, { pipeline, ...topicPartition(tp) }, n);
    for (const [source, k] of Object.entries(p.kafka ?? {})) {
      for (const [tp, n] of Object.entries(k.records)) if (n) s.kafkaRecords.add(`${source}\0${tp}`, { pipeline, source, ...topicPartition(tp) }, n);
      for (const [tp, [, until]] of Object.entries(k.ranges)) s.kafkaOffset.set(`${source}\0${tp}`, { pipeline, source, ...topicPartition(tp) }, until);
    }
  }

  /** Counts a restart of the workers after a crash. */
  restart(): void {
    this.restarts.inc({ pipeline: this.pipeline });
  }
}

/** The series key of operator `id` on worker `w`. */
function workerKey(id: string, w: number): string {
  return `${id}\0${w}`;
}

/** `topic:3` as labels. */
function topicPartition(tp: string): { topic: string; partition: string } {
  const cut = tp.lastIndexOf(':');
  return { topic: tp.slice(0, cut), partition: tp.slice(cut + 1) };
}
