/**
 * Reads what the engine did in one batch (records per node, time per node, state keys,
 * watermarks, dead letters) for the run's {@link Observer}; only built when the run is observed.
 * @module
 */
import type { DeadLetter } from '../../src/io/connector.js';
import type { IRNode } from '../../src/ir/nodes.js';
import type { Observer } from '../../src/observe/observer.js';
import type { RunMetrics } from '../../src/runtime.js';
import type { BatchContext, Executor } from './executor.js';

export class BatchProbe {
  private records: Record<string, number> = {};
  private late = 0;
  private startedAt = 0;
  /** The Kafka reports before the batch: a source that did not poll in it keeps its old report, which is not this batch's. */
  private kafka: RunMetrics['kafka'];

  constructor(private readonly nodes: readonly IRNode[], private readonly execs: readonly Executor[], private readonly metrics: RunMetrics, private readonly observer: Observer) {}

  /** Marks the start of a batch; returns the per-node time table for its context. */
  begin(): Record<string, number> {
    this.records = { ...this.metrics.records };
    this.late = this.metrics.lateRecords;
    this.startedAt = Date.now();
    this.kafka = this.metrics.kafka && { ...this.metrics.kafka };
    return {};
  }

  /** Reports the batch that ran with `ctx`; `dead` are its dead letters (not yet written). */
  end(ctx: Pick<BatchContext, 'time' | 'final' | 'times'>, dead: readonly DeadLetter[]): void {
    const records: Record<string, number> = {};
    for (const [id, n] of Object.entries(this.metrics.records)) records[id] = n - (this.records[id] ?? 0);
    let stateKeys: Record<string, number> | undefined;
    let watermarks: Record<string, number> | undefined;
    this.execs.forEach((ex, i) => {
      if (ex.stateKeys) (stateKeys ??= {})[this.nodes[i].id] = ex.stateKeys();
      if (ex.watermark) (watermarks ??= {})[this.nodes[i].id] = ex.watermark();
    });
    this.observer.batchDone({
      time: ctx.time, final: ctx.final, startedAt: this.startedAt, records, times: ctx.times, stateKeys, watermarks,
      dead, lateRecords: this.metrics.lateRecords - this.late, lag: consumerLag(this.metrics), kafka: this.polled(),
    });
  }

  /** The Kafka reports of sources that polled in this batch (each poll leaves a new report object). */
  private polled(): RunMetrics['kafka'] {
    const now = this.metrics.kafka;
    if (!now) return undefined;
    const fresh = Object.entries(now).filter(([id, k]) => this.kafka?.[id] !== k);
    return fresh.length ? Object.fromEntries(fresh) : undefined;
  }
}

/** Consumer lag by `topic:partition` over the run's Kafka sources (their last batch), or undefined without one. */
function consumerLag(metrics: RunMetrics): Record<string, number> | undefined {
  if (!metrics.kafka) return undefined;
  const lag: Record<string, number> = {};
  for (const k of Object.values(metrics.kafka)) Object.assign(lag, k.lag);
  return lag;
}
