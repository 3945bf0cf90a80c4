/**
 * What a worker measures in a batch beyond record counts, for the run's progress records,
 * metrics and `RunMetrics.kafka`: time per node, state keys, watermarks and the Kafka
 * sources' offset ranges and lag. The worker builds them ({@link workerStats}) and sends them
 * with its `done`; the coordinator adds the workers' up ({@link JobStats}).
 *
 * @module
 */
import type { IRNode } from '../../src/ir/nodes.js';
import type { RunMetrics } from '../../src/runtime.js';
import type { Executor } from '../local/executor.js';

/** Kafka sources' last batch by source node id, as `RunMetrics.kafka`. */
export type KafkaReports = NonNullable<RunMetrics['kafka']>;

/** One worker's figures for one batch (in `done`). */
export interface BatchStats {
  /** Wall time (ms) each node ran here, summed over this worker's partitions (observed runs). */
  readonly times?: Readonly<Record<string, number>>;
  /** Keys in state after the batch, by stateful node, summed over this worker's partitions (observed runs). */
  readonly stateKeys?: Readonly<Record<string, number>>;
  /** Watermark after the batch by event-time node: the lowest finite one of this worker's partitions (observed runs). */
  readonly watermarks?: Readonly<Record<string, number>>;
  /** The Kafka sources this worker read in this batch (sent whether or not the run is observed). */
  readonly kafka?: KafkaReports;
}

/** A worker's partitions as the stats read them: nodes and their executors, index for index. */
interface Part {
  readonly nodes: readonly IRNode[];
  readonly execs: readonly Executor[];
}

/** The lower of two watermarks, a finite one winning over a non-finite one (a partition that has seen no event yet). */
function lowerWatermark(a: number | undefined, b: number): number {
  if (a === undefined) return b;
  if (!Number.isFinite(a)) return Number.isFinite(b) ? b : a;
  return Number.isFinite(b) ? Math.min(a, b) : a;
}

/** A worker's stats after a batch; undefined when there is nothing to send. */
export function workerStats(parts: readonly Part[], observed: boolean, times: Record<string, number> | undefined, kafka: KafkaReports | undefined): BatchStats | undefined {
  if (!observed) return kafka ? { kafka } : undefined;
  const stateKeys: Record<string, number> = {};
  const watermarks: Record<string, number> = {};
  for (const sp of parts) {
    sp.execs.forEach((ex, i) => {
      const id = sp.nodes[i].id;
      if (ex.stateKeys) stateKeys[id] = (stateKeys[id] ?? 0) + ex.stateKeys();
      if (ex.watermark) watermarks[id] = lowerWatermark(watermarks[id], ex.watermark());
    });
  }
  return { times: times ?? {}, stateKeys, watermarks, ...(kafka ? { kafka } : {}) };
}

/** The workers' stats of one batch, added up on the coordinator. */
export class JobStats {
  /** Time per node summed over the workers, and by worker. */
  readonly times: Record<string, number> = {};
  readonly timesByWorker: Record<string, number[]> = {};
  /** State keys per node summed over the workers, and by worker. */
  readonly stateKeys: Record<string, number> = {};
  readonly stateKeysByWorker: Record<string, number[]> = {};
  /** The lowest finite watermark of each event-time node over the workers. */
  readonly watermarks: Record<string, number> = {};
  /** Kafka sources: the workers' ranges, records and lag by topic:partition, merged. */
  kafka?: KafkaReports;

  constructor(private readonly workers: number) {}

  /** Adds worker `w`'s stats. */
  add(w: number, s: BatchStats | undefined): void {
    if (!s) return;
    const byWorker = (table: Record<string, number[]>, id: string) => (table[id] ??= new Array<number>(this.workers).fill(0));
    for (const [id, ms] of Object.entries(s.times ?? {})) {
      this.times[id] = (this.times[id] ?? 0) + ms;
      byWorker(this.timesByWorker, id)[w] += ms;
    }
    for (const [id, n] of Object.entries(s.stateKeys ?? {})) {
      this.stateKeys[id] = (this.stateKeys[id] ?? 0) + n;
      byWorker(this.stateKeysByWorker, id)[w] += n;
    }
    for (const [id, wm] of Object.entries(s.watermarks ?? {})) this.watermarks[id] = lowerWatermark(this.watermarks[id], wm);
    for (const [id, k] of Object.entries(s.kafka ?? {})) {
      const into = ((this.kafka ??= {})[id] ??= { ranges: {}, records: {}, lag: {} });
      Object.assign(into.ranges, k.ranges);
      Object.assign(into.records, k.records);
      Object.assign(into.lag, k.lag);
    }
  }

  /** Consumer lag by topic:partition over every Kafka source, or undefined without one. */
  lag(): Record<string, number> | undefined {
    if (!this.kafka) return undefined;
    const lag: Record<string, number> = {};
    for (const k of Object.values(this.kafka)) Object.assign(lag, k.lag);
    return lag;
  }
}

/** The batch log line's Kafka part: `topic:0 [10, 15) 5 records, lag 3; …`. */
export function kafkaText(kafka: KafkaReports): string {
  return Object.entries(kafka).map(([id, k]) => `${id}: ${Object.entries(k.ranges).map(([tp, [from, until]]) => `${tp} [${from}, ${until}) ${k.records[tp] ?? 0} records, lag ${k.lag[tp] ?? 0}`).join('; ')}`).join(' · ');
}
