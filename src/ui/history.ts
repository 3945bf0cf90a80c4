/**
 * What the web UI knows of a run: every batch as a chart point, the recent batches in full,
 * per-operator totals, the latest dead letters and lag. Fed progress record by progress
 * record, live or from a progress file.
 * @module
 */
import type { BatchProgress, DeadLetterPreview } from '../observe/progress.js';

/** One batch on the charts: batch number, input rate, scheduling delay, processing time, total delay (ms), records read. */
export type Point = readonly [batch: number, inputRate: number, schedulingMs: number, processingMs: number, totalMs: number, records: number];

/** A row of the recent-batches table. */
export interface BatchRow {
  readonly batch: number;
  readonly batchTime: number;
  readonly final: boolean;
  readonly records: number;
  readonly schedulingDelayMs: number;
  readonly processingMs: number;
  readonly totalDelayMs: number;
  readonly deadLetters: number;
  readonly replayed: boolean;
}

/** An operator's totals over the run. */
export interface OperatorTotals {
  records: number;
  timeMs: number;
  stateKeys?: number;
  watermark?: number;
}

/** A Kafka topic partition over the run: records read and the last batch's offset range `[from, until)`. */
export interface KafkaPartition {
  records: number;
  range: readonly [number, number];
}

/** What one batch adds, as sent to live pages. */
export interface Update {
  readonly point: Point;
  readonly row: BatchRow;
  readonly operators: Readonly<Record<string, OperatorTotals>>;
  readonly dead: readonly DeadLetterPreview[];
  readonly deadTotal: number;
  readonly lag?: Readonly<Record<string, number>>;
  /** Kafka sources' topic partitions by `topic:partition`. */
  readonly kafka?: Readonly<Record<string, KafkaPartition>>;
}

/** Everything a page loads at first: charts downsampled to at most `maxPoints`. */
export interface Snapshot {
  readonly points: readonly Point[];
  readonly batches: number;
  readonly recent: readonly BatchRow[];
  readonly operators: Readonly<Record<string, OperatorTotals>>;
  readonly dead: readonly DeadLetterPreview[];
  readonly deadTotal: number;
  readonly lag?: Readonly<Record<string, number>>;
  readonly kafka?: Readonly<Record<string, KafkaPartition>>;
  readonly finished: boolean;
}

const RECENT = 100;
const DEAD = 50;

export class History {
  private readonly points: Point[] = [];
  private readonly recent: BatchRow[] = [];
  private readonly operators: Record<string, OperatorTotals> = {};
  private readonly dead: DeadLetterPreview[] = [];
  private deadTotal = 0;
  private lag?: Record<string, number>;
  private kafka?: Record<string, KafkaPartition>;
  finished = false;

  /** Adds a batch; returns what live pages are sent. */
  add(p: BatchProgress): Update {
    const records = Object.values(p.sources).reduce((s, x) => s + x.records, 0);
    const rate = Object.values(p.sources).reduce((s, x) => s + x.inputRate, 0);
    const point: Point = [p.batch, rate, p.schedulingDelayMs, p.processingMs, p.totalDelayMs, records];
    this.points.push(point);
    const row: BatchRow = {
      batch: p.batch, batchTime: p.batchTime, final: p.final, records, schedulingDelayMs: p.schedulingDelayMs,
      processingMs: p.processingMs, totalDelayMs: p.totalDelayMs, deadLetters: p.deadLetters.count, replayed: !!p.replayed,
    };
    this.recent.push(row);
    if (this.recent.length > RECENT) this.recent.shift();
    for (const [id, o] of Object.entries(p.operators)) {
      const t = (this.operators[id] ??= { records: 0, timeMs: 0 });
      t.records += o.records;
      t.timeMs += o.timeMs ?? 0;
      if (o.stateKeys !== undefined) t.stateKeys = o.stateKeys;
      if (o.watermark !== undefined && Number.isFinite(o.watermark)) t.watermark = o.watermark;
    }
    this.deadTotal += p.deadLetters.count;
    this.dead.push(...p.deadLetters.latest);
    if (this.dead.length > DEAD) this.dead.splice(0, this.dead.length - DEAD);
    if (p.lag) this.lag = { ...p.lag };
    for (const k of Object.values(p.kafka ?? {})) {
      for (const [tp, range] of Object.entries(k.ranges)) {
        const t = ((this.kafka ??= {})[tp] ??= { records: 0, range });
        t.records += k.records[tp] ?? 0;
        t.range = range;
      }
    }
    return { point, row, operators: this.operators, dead: p.deadLetters.latest, deadTotal: this.deadTotal, ...(this.lag ? { lag: this.lag } : {}), ...(this.kafka ? { kafka: this.kafka } : {}) };
  }

  /** The page's first load, charts cut to `maxPoints` buckets (each the max of its batches, so spikes stay visible). */
  snapshot(maxPoints = 1000): Snapshot {
    return {
      points: downsample(this.points, maxPoints),
      batches: this.points.length,
      recent: this.recent,
      operators: this.operators,
      dead: this.dead,
      deadTotal: this.deadTotal,
      ...(this.lag ? { lag: this.lag } : {}),
      ...(this.kafka ? { kafka: this.kafka } : {}),
      finished: this.finished,
    };
  }
}

/** At most `max` points: consecutive buckets, each at its last batch number with the max of each series. */
export function downsample(points: readonly Point[], max: number): Point[] {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / max);
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += size) {
    const bucket = points.slice(i, i + size);
    const m = (k: number) => Math.max(...bucket.map((p) => p[k]));
    out.push([bucket[bucket.length - 1][0], m(1), m(2), m(3), m(4), m(5)]);
  }
  return out;
}
