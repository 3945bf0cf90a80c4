/**
 * Shuffle reader. A producer partition sends one part per consumer partition
 * (`runtimes/core/split-batch.ts`), empty ones included, so the consumer knows when it has
 * everything. The reader collects the parts of a batch time and hands a consumer partition
 * its input once every producer partition's part is in.
 *
 * @module
 */
import { batchMaxEventTime } from '../../src/engine/task.js';

interface Slot {
  readonly parts: Array<unknown[] | undefined>;
  got: number;
  /** Each producer's largest event time (edges into event-time windows; -Infinity: none). */
  readonly maxEventTimes: number[];
  resolve?: (v: ConsumerInput) => void;
}

/** A consumer partition's input of one edge at one batch time. */
export interface ConsumerInput {
  /** Every producer partition's part, in partition order; undefined when none produced anything. */
  readonly records: unknown[] | undefined;
  /** The largest event time over producer partitions (`-Infinity` when none reported one). */
  readonly maxEventTime: number;
}

/** Collects the parts of shuffle edges by batch time and consumer partition. */
export class ShuffleReader {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly producers: (edge: string) => number) {}

  private slot(edge: string, t: number, to: number): Slot {
    const key = `${edge}|${t}|${to}`;
    let s = this.slots.get(key);
    if (!s) {
      const n = this.producers(edge);
      s = { parts: new Array(n), got: 0, maxEventTimes: new Array<number>(n).fill(-Infinity) };
      this.slots.set(key, s);
    }
    return s;
  }

  /**
   * One producer partition's part (already decoded; undefined when the producer produced
   * nothing), with the producer's largest event time of t on an edge into an event-time window.
   */
  put(edge: string, t: number, from: number, to: number, part: unknown[] | undefined, maxEventTime?: number): void {
    const s = this.slot(edge, t, to);
    s.parts[from] = part;
    s.got++;
    if (maxEventTime !== undefined) s.maxEventTimes[from] = maxEventTime;
    if (s.got === s.parts.length && s.resolve) this.finish(edge, t, to, s);
  }

  /** The consumer partition's input: every producer partition's part, in partition order. */
  async take(edge: string, t: number, to: number): Promise<unknown[] | undefined> {
    return (await this.takeInput(edge, t, to)).records;
  }

  /** {@link take}, with the largest event time the producers reported. */
  takeInput(edge: string, t: number, to: number): Promise<ConsumerInput> {
    const s = this.slot(edge, t, to);
    return new Promise((resolve) => {
      s.resolve = resolve;
      if (s.got === s.parts.length) this.finish(edge, t, to, s);
    });
  }

  private finish(edge: string, t: number, to: number, s: Slot): void {
    this.slots.delete(`${edge}|${t}|${to}`);
    const defined = s.parts.filter((p): p is unknown[] => p !== undefined);
    let records: unknown[] | undefined;
    if (defined.length === 1) records = defined[0];
    else if (defined.length > 1) {
      records = [];
      for (const p of defined) for (let i = 0; i < p.length; i++) records.push(p[i]);
    }
    s.resolve!({ records, maxEventTime: batchMaxEventTime(s.maxEventTimes) });
  }

  /** Parts still waiting (for error messages). */
  get pending(): number {
    return this.slots.size;
  }
}
