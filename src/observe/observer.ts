/**
 * What a runtime reports its batches to: builds the {@link BatchProgress} of each batch from
 * the runtime's raw figures and hands it to the run's listeners (the `onProgress` callback,
 * the progress file, the Prometheus metrics). A runtime creates one per run with
 * {@link Observer.open}; when the run asks for none of these it gets `undefined` and pays
 * nothing.
 * @module
 */
import { Registry } from 'prom-client';
import type { DeadLetter } from '../io/connector.js';
import type { Plan } from '../ir/plan.js';
import type { RunMetrics, RunOptions } from '../runtime.js';

/** The run options an observer reads (a cluster run's also carry its worker count). */
type ObservedOptions = Omit<RunOptions, 'runtime'> & { readonly workers?: number };
import { JobMetrics } from './metrics.js';
import { serveMetrics, type MetricsEndpoint } from './metrics-server.js';
import { progressHeader } from './progress-file.js';
import { ProgressWriter } from './progress-writer.js';
import { LATEST_DEAD_LETTERS, RAW_PREVIEW, reasonClass, type BatchProgress, type OperatorProgress, type SourceProgress } from './progress.js';

/**
 * Where a run's Prometheus metrics go.
 *
 * @example
 * ```ts
 * await p.run({ metrics: { port: 9464 } }); // http://127.0.0.1:9464/metrics
 * ```
 * @category Observability
 */
export interface MetricsOptions {
  /** Serve `/metrics` on this port (0: a free one, see `onListening`). Without it no server is started. */
  readonly port?: number;
  /** Interface to listen on (default `127.0.0.1`; `0.0.0.0` for every interface). */
  readonly host?: string;
  /** Register the job's metrics in this prom-client registry (default: a new one per run). */
  readonly registry?: Registry;
  /** Called with the endpoint's URL once it listens. */
  readonly onListening?: (url: string) => void;
}

/** A batch's raw figures, as a runtime has them. */
export interface BatchReport {
  readonly time: number;
  readonly final: boolean;
  /** Wall clock at the start of the batch. */
  readonly startedAt: number;
  /** Records each node emitted in this batch. */
  readonly records: Readonly<Record<string, number>>;
  /** Records each node emitted in this batch, by worker (cluster). */
  readonly byWorker?: Readonly<Record<string, number[]>>;
  /** Time spent in each node (ms; on the cluster summed over the workers). */
  readonly times?: Readonly<Record<string, number>>;
  /** Time spent in each node, by worker (cluster). */
  readonly timesByWorker?: Readonly<Record<string, number[]>>;
  readonly stateKeys?: Readonly<Record<string, number>>;
  /** State keys of each stateful node, by worker (cluster). */
  readonly stateKeysByWorker?: Readonly<Record<string, number[]>>;
  readonly watermarks?: Readonly<Record<string, number>>;
  readonly dead: readonly DeadLetter[];
  readonly lateRecords: number;
  readonly lag?: Readonly<Record<string, number>>;
  /** Kafka sources' offset ranges, records and lag by topic:partition, by source node id. */
  readonly kafka?: RunMetrics['kafka'];
  readonly replayed?: boolean;
  readonly checkpoint?: { readonly durationMs: number; readonly bytes: number };
}

/** Observes one run; see the module comment. */
export class Observer {
  private readonly metrics?: JobMetrics;
  private file?: ProgressWriter;
  private endpoint?: MetricsEndpoint;
  private readonly sources: string[];

  /** Batch i runs at zeroTime + i × interval (set by the runtime once it knows it: a resumed cluster job keeps its first zero time). */
  zeroTime = 0;

  private constructor(private readonly plan: Plan, private readonly opts: ObservedOptions, private readonly runtime: string, private readonly realtime: boolean) {
    this.sources = plan.nodes.filter((n) => n.kind === 'source').map((n) => n.id);
    if (opts.metrics) this.metrics = new JobMetrics(opts.metrics.registry ?? new Registry(), plan);
  }

  /** The observer of a run, or undefined when the run asks for no progress, file or metrics. */
  static async open(plan: Plan, opts: ObservedOptions, runtime: string, pace: 'asap' | 'realtime'): Promise<Observer | undefined> {
    if (!opts.onProgress && opts.progressFile === undefined && !opts.metrics) return undefined;
    const o = new Observer(plan, opts, runtime, pace === 'realtime');
    try {
      if (opts.progressFile !== undefined) {
        o.file = new ProgressWriter(opts.progressFile);
        o.file.line(JSON.stringify(progressHeader(plan, runtime === 'cluster' ? opts.partitions ?? opts.workers ?? 2 : 1)));
        o.file.flush();
      }
      const m = opts.metrics;
      if (m?.port !== undefined) {
        o.endpoint = await serveMetrics(o.metrics!.registry, m.port, m.host);
        m.onListening?.(o.endpoint.url);
      }
    } catch (e) {
      await o.close();
      throw e;
    }
    return o;
  }

  /** Builds the batch's progress record and hands it to the listeners. */
  batchDone(r: BatchReport): BatchProgress {
    const now = Date.now();
    const processingMs = now - r.startedAt;
    const schedulingDelayMs = this.realtime ? Math.max(0, r.startedAt - r.time) : 0;
    const interval = this.plan.batchIntervalMs;
    const operators: Record<string, OperatorProgress> = {};
    for (const n of this.plan.nodes) {
      let recordsIn = 0;
      for (const i of n.inputs) recordsIn += r.records[i.from] ?? 0;
      const op: { -readonly [K in keyof OperatorProgress]: OperatorProgress[K] } = { kind: n.kind, records: r.records[n.id] ?? 0, recordsIn };
      const t = r.times?.[n.id];
      if (t !== undefined) op.timeMs = Math.round(t * 1000) / 1000;
      const k = r.stateKeys?.[n.id];
      if (k !== undefined) op.stateKeys = k;
      const w = r.watermarks?.[n.id];
      if (w !== undefined) op.watermark = w;
      const b = r.byWorker?.[n.id];
      if (b) op.byWorker = b;
      const tw = r.timesByWorker?.[n.id];
      if (tw) op.timeByWorker = tw.map((x) => Math.round(x * 1000) / 1000);
      const kw = r.stateKeysByWorker?.[n.id];
      if (kw) op.stateKeysByWorker = kw;
      operators[n.id] = op;
    }
    const sources: Record<string, SourceProgress> = {};
    for (const id of this.sources) {
      const records = r.records[id] ?? 0;
      sources[id] = { records, inputRate: round(records / (interval / 1000)), processedRate: round(processingMs > 0 ? records / (processingMs / 1000) : 0) };
    }
    const byReason: Record<string, number> = {};
    for (const d of r.dead) { const c = reasonClass(d.reason); byReason[c] = (byReason[c] ?? 0) + 1; }
    const latest = r.dead.slice(-LATEST_DEAD_LETTERS).map((d) => ({ origin: d.origin, reason: d.reason, raw: d.raw.length > RAW_PREVIEW ? `${d.raw.slice(0, RAW_PREVIEW)}…` : d.raw, batchTime: d.batchTime }));
    const p: BatchProgress = {
      pipeline: this.plan.name,
      runtime: this.runtime,
      batch: Math.round((r.time - this.zeroTime) / interval),
      batchTime: r.time,
      final: r.final,
      batchIntervalMs: interval,
      startedAt: r.startedAt,
      schedulingDelayMs,
      processingMs,
      totalDelayMs: schedulingDelayMs + processingMs,
      sources,
      operators,
      deadLetters: { count: r.dead.length, byReason, latest },
      lateRecords: r.lateRecords,
      ...(r.lag ? { lag: r.lag } : {}),
      ...(r.kafka ? { kafka: kafkaProgress(r.kafka) } : {}),
      ...(r.replayed ? { replayed: true } : {}),
      ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
    };
    this.metrics?.record(p);
    this.file?.line(JSON.stringify(p));
    this.opts.onProgress?.(p);
    return p;
  }

  /** The workers were restarted after a crash (cluster). */
  restarted(): void {
    this.metrics?.restart();
  }

  /** Stops the metrics endpoint and closes the progress file. */
  async close(): Promise<void> {
    this.file?.close();
    this.file = undefined;
    await this.endpoint?.close();
    this.endpoint = undefined;
  }
}

/** The ranges and records per topic:partition of each Kafka source (the lag is the record's `lag`). */
function kafkaProgress(k: NonNullable<RunMetrics['kafka']>): NonNullable<BatchProgress['kafka']> {
  return Object.fromEntries(Object.entries(k).map(([id, s]) => [id, { ranges: s.ranges, records: s.records }]));
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
