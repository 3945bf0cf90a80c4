import { PipelineError } from '../errors.js';
import type { WindowSpec } from '../ir/nodes.js';
import { formatMillis as f, type Duration } from '../time/duration.js';
import type { Graph } from './graph.js';
import { WindowedResultStream, type StateOptions } from './stream.js';

/**
 * An event-time window assigner.
 * @example
 * ```ts
 * const w: WindowAssigner = tumbling(minutes(1));
 * ```
 * @category Event time
 */
export interface WindowAssigner {
  readonly spec: WindowSpec;
}

/** Errors of the event-time DSL name the IR node kind they build, as `explain()` shows it. */
const OP = 'eventWindow';

function positive(what: string, d: number): void {
  if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
    throw new PipelineError(`${OP}: ${what} must be a positive duration, got ${String(d)}`, { operator: OP }, 'use millis(), seconds() or minutes()');
  }
}

/**
 * Fixed, non-overlapping windows `[k·size, (k+1)·size)`.
 * @example
 * ```ts
 * keyed.window(tumbling(minutes(1))).count();
 * ```
 * @category Event time
 */
export function tumbling(size: Duration): WindowAssigner {
  positive('tumbling(size)', size);
  return { spec: { type: 'tumbling', sizeMs: size } };
}

/**
 * Overlapping windows of `size`, one starting every `slide`; a record belongs to size/slide windows.
 * @example
 * ```ts
 * keyed.window(sliding(minutes(5), seconds(30))).aggregate(mean);
 * ```
 * @category Event time
 */
export function sliding(size: Duration, slide: Duration): WindowAssigner {
  positive('sliding(size)', size);
  positive('sliding(slide)', slide);
  if (slide > size) {
    throw new PipelineError(`${OP}: sliding(${f(size)}, ${f(slide)}): the slide is longer than the window, so records between windows would be lost`, { operator: OP }, 'use a slide ≤ the window size');
  }
  return { spec: { type: 'sliding', sizeMs: size, slideMs: slide } };
}

/**
 * Per-key sessions: a window closes after `gap` without records for the key.
 * @example
 * ```ts
 * clicks.keyBy((c) => c.user).window(session(minutes(30))).count();
 * ```
 * @category Event time
 */
export function session(gap: Duration): WindowAssigner {
  positive('session(gap)', gap);
  return { spec: { type: 'session', gapMs: gap } };
}

/**
 * An incremental aggregation: an accumulator created per window, records added one by one,
 * accumulators merged (for sessions), and a result read at the end.
 * @example
 * ```ts
 * const mean: Aggregator<Reading, { n: number; sum: number }, number> = {
 *   create: () => ({ n: 0, sum: 0 }),
 *   add: (acc, r) => ({ n: acc.n + 1, sum: acc.sum + r.celsius }),
 *   merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
 *   result: (acc) => acc.sum / acc.n,
 * };
 * ```
 * @category Event time
 */
export interface Aggregator<T, A, R> {
  /** A fresh accumulator for a new window. */
  create(): A;
  /** Adds one record to an accumulator. */
  add(acc: A, record: T): A;
  /** Needed for session windows, which merge. */
  merge?(a: A, b: A): A;
  /** The window's result from its accumulator. */
  result(acc: A): R;
}

/**
 * A keyed event-time stream; choose a window to aggregate it.
 * @example
 * ```ts
 * events.withEventTime((e) => e.ts, { watermarkDelay: seconds(5) }).keyBy((e) => e.user);
 * ```
 * @category Event time
 */
export class KeyedStream<K, T> {
  /** @internal */
  constructor(
    /** @internal */ readonly graph: Graph,
    /** @internal Id of the keyBy node. */ readonly id: string,
  ) {}

  /**
   * Windows the keyed stream.
   * @example
   * ```ts
   * keyed.window(tumbling(minutes(1)));
   * ```
   */
  window(assigner: WindowAssigner): WindowedStream<K, T> {
    if (!assigner || !assigner.spec) throw new PipelineError(`${OP}: window() takes tumbling(d), sliding(d, s) or session(gap)`, { operator: OP });
    return new WindowedStream<K, T>(this.graph, this.id, assigner.spec, 0, {});
  }
}

/**
 * A keyed, windowed event-time stream; end it with an aggregation.
 * @example
 * ```ts
 * keyed.window(tumbling(minutes(1))).allowedLateness(seconds(30)).count();
 * ```
 * @category Event time
 */
export class WindowedStream<K, T> {
  /** @internal */
  constructor(
    private readonly graph: Graph,
    private readonly keyById: string,
    private readonly spec: WindowSpec,
    private readonly latenessMs: number,
    private readonly stateOpts: StateOptions,
  ) {}

  /**
   * Keeps windows open this long past the watermark: late records within it update the
   * window (it is emitted again); later ones go to `lateRecords()`.
   * @example
   * ```ts
   * windowed.allowedLateness(seconds(30));
   * ```
   */
  allowedLateness(lateness: Duration): WindowedStream<K, T> {
    if (typeof lateness !== 'number' || !Number.isFinite(lateness) || lateness < 0) {
      throw new PipelineError(`${OP}: allowedLateness expects a finite duration ≥ 0, got ${String(lateness)}`, { operator: OP });
    }
    return new WindowedStream<K, T>(this.graph, this.keyById, this.spec, lateness, this.stateOpts);
  }

  /**
   * Names the window state (stable across code changes). Window state needs no TTL: it is
   * dropped when the window closes (after the allowed lateness).
   * @example
   * ```ts
   * windowed.named('avg-temperature');
   * ```
   */
  named(name: string): WindowedStream<K, T> {
    // An untyped caller's `ttl` is passed on so that plan validation refuses it rather than ignoring it.
    // eslint-disable-next-line prefer-rest-params
    const ttl = (arguments[1] as { ttl?: Duration } | undefined)?.ttl;
    return new WindowedStream<K, T>(this.graph, this.keyById, this.spec, this.latenessMs, { ...this.stateOpts, name, ...(ttl !== undefined ? { ttl } : {}) });
  }

  /**
   * Reduces the records of each key and window.
   * @example
   * ```ts
   * windowed.reduce((a, b) => (a.celsius > b.celsius ? a : b)); // hottest reading
   * ```
   */
  reduce(f: (a: T, b: T) => T): WindowedResultStream<K, T, T> {
    if (typeof f !== 'function') throw new PipelineError(`${OP}: reduce expects a function, got ${typeof f}`, { operator: OP });
    return this.build<T>('reduce', { f });
  }

  /**
   * Aggregates the records of each key and window with an {@link Aggregator}.
   * @example
   * ```ts
   * windowed.aggregate(mean); // WindowedResultStream<string, number, Reading>
   * ```
   */
  aggregate<A, R>(agg: Aggregator<T, A, R>): WindowedResultStream<K, R, T> {
    if (!agg || typeof agg.create !== 'function' || typeof agg.add !== 'function' || typeof agg.result !== 'function') {
      throw new PipelineError(`${OP}: aggregate expects an Aggregator { create, add, result, merge? }`, { operator: OP });
    }
    if (this.spec.type === 'session' && typeof agg.merge !== 'function') {
      throw new PipelineError(
        `${OP}: aggregate over session(${f(this.spec.gapMs)}) needs merge(a, b): sessions merge when a record bridges them`,
        { operator: OP },
        'add a merge function to the aggregator',
      );
    }
    return this.build<R>('aggregate', { agg });
  }

  /**
   * Counts the records of each key and window.
   * @example
   * ```ts
   * windowed.count(); // WindowedResultStream<K, number, T>
   * ```
   */
  count(): WindowedResultStream<K, number, T> {
    return this.build<number>('count', {});
  }

  private build<R>(aggregate: 'reduce' | 'aggregate' | 'count', fns: Record<string, unknown>): WindowedResultStream<K, R, T> {
    const inputs = [{ from: this.keyById, edge: 'shuffle' as const }];
    const state = this.graph.stateSpec('eventWindow', inputs, { window: this.spec, aggregate }, this.stateOpts);
    const id = this.graph.add(
      { kind: 'eventWindow', inputs, window: this.spec, allowedLatenessMs: this.latenessMs, aggregate, state },
      fns,
    );
    return new WindowedResultStream<K, R, T>(this.graph, id);
  }
}
