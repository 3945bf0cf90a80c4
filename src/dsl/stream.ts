import type { Option } from 'fp-ts/lib/Option.js';
import { PipelineError } from '../errors.js';
import type { EdgeKind, OnError } from '../ir/nodes.js';
import type { Sink } from '../io/connector.js';
import { console as consoleSink } from '../io/sinks/console.js';
import { foreachBatch as foreachSink } from '../io/sinks/foreach-batch.js';
import type { Schema } from '../schema/schema.js';
import type { Duration } from '../time/duration.js';
import { KeyedStream } from './event-time.js';
import type { Graph } from './graph.js';
import type { State } from './state.js';
import type { StaticTable } from './table.js';

/**
 * Options of a per-record operator.
 *
 * @example
 * ```ts
 * lines.map(JSON.parse, { onError: 'deadLetter', label: 'parse' });
 * ```
 * @category DSL
 */
export interface OpOptions {
  /** `fail` (default): a throwing function fails the batch. `deadLetter`: the record goes to the dead-letter output and the batch goes on. */
  onError?: OnError;
  /** A label shown by `explain()`. */
  label?: string;
}

/**
 * Options of a stateful operator.
 *
 * @example
 * ```ts
 * pairs.updateStateByKey(sum, { name: 'running-totals', ttl: hours(1) });
 * ```
 * @category DSL
 */
export interface StateOptions {
  /** Stable state name (checkpoints are keyed by it). Derived from the operator and its lineage when absent. */
  name?: string;
  /** Drop a key's state when it was not updated for this long. */
  ttl?: Duration;
}

/**
 * Builds the pair `[k, v]` with both types widened (unlike `[k, 1] as const`, whose value
 * type would be the literal `1`).
 *
 * @example
 * ```ts
 * import { pair } from 'sluice';
 * words.map((w) => pair(w, 1)); // Stream<readonly [string, number]>
 * ```
 * @category DSL
 */
export function pair<K, V>(key: K, value: V): readonly [K, V] {
  return [key, value];
}

function checkDuration(op: string, what: string, d: number | undefined): void {
  if (d === undefined) return;
  if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
    throw new PipelineError(`${op}: ${what} must be a positive duration, got ${String(d)}`, { operator: op }, 'use millis(), seconds() or minutes()');
  }
}

function checkStateSchema(op: string, schema: Schema<unknown> | undefined): void {
  if (schema === undefined) return;
  if (!schema || typeof schema !== 'object' || !('avro' in schema) || typeof schema.check !== 'function') {
    throw new PipelineError(`${op}: state must be a schema (S.long(), S.record(…), …), got ${typeof schema}`, { operator: op }, 'declare it with the S builder that sluice exports (S.long(), S.string(), S.record(…))');
  }
}

function checkFn(op: string, f: unknown, what = 'function'): void {
  if (typeof f !== 'function') throw new PipelineError(`${op}: expected a ${what}, got ${typeof f}`, { operator: op });
}

/**
 * A stream of records of type `T`, processed in micro-batches. Every method returns a new
 * stream and adds one node to the pipeline's plan; nothing runs until `pipeline.run()`.
 *
 * Methods whose `this` is `Stream<readonly [K, V]>` exist only on pair streams: calling
 * them on any other stream is a type error.
 *
 * @example
 * ```ts
 * const counts = lines
 *   .flatMap((l) => l.split(' '))
 *   .map((w) => pair(w, 1))
 *   .reduceByKey((a, b) => a + b);
 * counts.print();
 * ```
 * @category DSL
 */
export class Stream<T> {
  /** Phantom: makes `Stream` covariant in `T`, so a `Stream<string>` is not a pair stream. Kept in the declarations (not `@internal`): it decides assignability. @hidden */
  declare readonly _type: T;

  /** @internal */
  constructor(
    /** @internal */ readonly graph: Graph,
    /** Id of the IR node that produces this stream. */ readonly id: string,
  ) {}

  /** @internal */
  protected derive<U>(
    kind: Parameters<Graph['add']>[0]['kind'],
    fields: Record<string, unknown>,
    fns?: Record<string, unknown>,
    edge: EdgeKind = 'forward',
    others: Stream<unknown>[] = [],
  ): Stream<U> {
    return new Stream<U>(this.graph, this.add(kind, fields, fns, edge, others));
  }

  /** @internal */
  protected add(
    kind: Parameters<Graph['add']>[0]['kind'],
    fields: Record<string, unknown>,
    fns: Record<string, unknown> | undefined,
    edge: EdgeKind,
    others: Stream<unknown>[],
  ): string {
    for (const o of others) {
      if (!(o instanceof Stream)) throw new PipelineError(`${kind}: expected a Stream, got ${typeof o}`, { operator: kind });
      if (o.graph !== this.graph) {
        throw new PipelineError(
          `${kind}: cannot combine ${this.id} with ${o.id}, which belongs to another pipeline`,
          { operator: kind },
          'build both streams from sources of the same Pipeline',
        );
      }
    }
    const inputs = [this, ...others].map((s) => ({ from: s.id, edge }));
    return this.graph.add({ kind, inputs, ...fields } as Parameters<Graph['add']>[0], fns);
  }

  // ---- per-record ---------------------------------------------------------------------------

  /**
   * Applies `f` to every record.
   * @example
   * ```ts
   * lines.map((l) => l.length); // Stream<number>
   * ```
   */
  map<U>(f: (record: T) => U, opts: OpOptions = {}): Stream<U> {
    checkFn('map', f);
    return this.derive('map', { onError: opts.onError ?? 'fail', label: opts.label }, { f });
  }

  /**
   * Applies `f` to every record and flattens the iterables it returns.
   * @example
   * ```ts
   * lines.flatMap((l) => l.split(' ')); // Stream<string>
   * ```
   */
  flatMap<U>(f: (record: T) => Iterable<U>, opts: OpOptions = {}): Stream<U> {
    checkFn('flatMap', f);
    return this.derive('flatMap', { onError: opts.onError ?? 'fail', label: opts.label }, { f });
  }

  /**
   * Keeps the records for which `f` holds; a type guard narrows the stream's type.
   * @example
   * ```ts
   * words.filter((w) => w.length > 3);
   * ```
   */
  filter<S extends T>(f: (record: T) => record is S, opts?: OpOptions): Stream<S>;
  filter(f: (record: T) => boolean, opts?: OpOptions): Stream<T>;
  filter(f: (record: T) => boolean, opts: OpOptions = {}): Stream<T> {
    checkFn('filter', f);
    return this.derive('filter', { onError: opts.onError ?? 'fail', label: opts.label }, { f });
  }

  /**
   * Applies `f` to all records of one partition of a batch at once (`partition` is its index).
   * @example
   * ```ts
   * readings.mapPartitions((rs) => [rs.length]); // one count per partition per batch
   * ```
   */
  mapPartitions<U>(f: (records: T[], partition: number) => Iterable<U>, opts: { label?: string } = {}): Stream<U> {
    checkFn('mapPartitions', f);
    return this.derive('mapPartitions', { label: opts.label }, { f });
  }

  /**
   * Redistributes the records round-robin over `partitions` partitions.
   * @example
   * ```ts
   * stream.repartition(4).mapPartitions((rs, p) => rs.map((r) => [p, r]));
   * ```
   */
  repartition(partitions: number): Stream<T> {
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new PipelineError(`repartition: partitions must be a positive integer, got ${partitions}`, { operator: 'repartition' });
    }
    return this.derive('repartition', { partitions }, undefined, 'shuffle');
  }

  /**
   * Merges this stream with others of the same type (and the same slide).
   * @example
   * ```ts
   * errorsA.union(errorsB, errorsC);
   * ```
   */
  union(...others: Stream<T>[]): Stream<T> {
    if (others.length === 0) throw new PipelineError('union: pass at least one other stream', { operator: 'union' });
    return this.derive('union', {}, undefined, 'forward', others);
  }

  /**
   * Applies `f` to the whole batch (Spark's `transform`): any batch-to-batch function.
   * @example
   * ```ts
   * stream.transform((rs, t) => rs.sort().slice(0, 3));
   * ```
   */
  transform<U>(f: (records: T[], batchTime: number) => U[]): Stream<U> {
    checkFn('transform', f);
    return this.derive('transform', {}, { f }, 'shuffle');
  }

  /**
   * Applies `f` to this stream's and `other`'s batches of the same time.
   * @example
   * ```ts
   * a.transformWith(b, (xs, ys) => xs.filter((x) => !ys.includes(x)));
   * ```
   */
  transformWith<W, R>(other: Stream<W>, f: (records: T[], others: W[], batchTime: number) => R[]): Stream<R> {
    checkFn('transformWith', f);
    return this.derive('transformWith', {}, { f }, 'shuffle', [other as Stream<unknown>]);
  }

  // ---- whole-batch aggregates ------------------------------------------------------------------

  /**
   * Reduces each batch to a single record (no record for an empty batch).
   * @example
   * ```ts
   * numbers.reduce((a, b) => a + b);
   * ```
   */
  reduce(f: (a: T, b: T) => T): Stream<T> {
    checkFn('reduce', f);
    return this.derive('reduce', {}, { f }, 'shuffle');
  }

  /**
   * Counts the records of each batch (0 for an empty batch).
   * @example
   * ```ts
   * events.count(); // Stream<number>
   * ```
   */
  count(): Stream<number> {
    return this.derive('count', {}, undefined, 'shuffle');
  }

  /**
   * Counts each distinct record per batch.
   * @example
   * ```ts
   * words.countByValue(); // Stream<readonly [string, number]>
   * ```
   */
  countByValue(): Stream<readonly [T, number]> {
    return this.derive('countByValue', {}, undefined, 'shuffle');
  }

  // ---- processing-time windows --------------------------------------------------------------------

  /**
   * All records of the last `windowDuration`, every `slideDuration` (default: the batch
   * interval). Emits at multiples of the slide, covering `(t − window, t]`. Both durations
   * must be multiples of this stream's slide.
   * @example
   * ```ts
   * readings.window(minutes(5), seconds(30));
   * ```
   */
  window(windowDuration: Duration, slideDuration?: Duration): Stream<T> {
    checkDuration('window', 'window duration', windowDuration);
    checkDuration('window', 'slide duration', slideDuration);
    return this.derive('window', { windowMs: windowDuration, slideMs: slideDuration ?? this.slideHint() });
  }

  /**
   * The number of records in each window.
   * @example
   * ```ts
   * events.countByWindow(seconds(30), seconds(10));
   * ```
   */
  countByWindow(windowDuration: Duration, slideDuration?: Duration): Stream<number> {
    return this.window(windowDuration, slideDuration).count();
  }

  /**
   * Counts of each distinct record in each window (incremental, as Spark's).
   * @example
   * ```ts
   * words.countByValueAndWindow(minutes(1), seconds(10));
   * ```
   */
  countByValueAndWindow(windowDuration: Duration, slideDuration?: Duration, opts: StateOptions = {}): Stream<readonly [T, number]> {
    return this.map((r) => pair(r, 1)).reduceByKeyAndWindow((a, b) => a + b, windowDuration, slideDuration, {
      inverse: (a, b) => a - b,
      filter: ([, n]) => n > 0,
      ...opts,
    });
  }

  /**
   * Reduces each window to one record.
   * @example
   * ```ts
   * amounts.reduceByWindow((a, b) => a + b, minutes(1), seconds(10));
   * ```
   */
  reduceByWindow(f: (a: T, b: T) => T, windowDuration: Duration, slideDuration?: Duration): Stream<T> {
    return this.window(windowDuration, slideDuration).reduce(f);
  }

  /** The slide of this stream as far as the DSL can tell without validating: the batch interval. @internal */
  protected slideHint(): Duration {
    const n = this.graph.node(this.id);
    const own = n.kind === 'window' || n.kind === 'reduceByKeyAndWindow' || n.kind === 'groupByKeyAndWindow' ? n.slideMs : undefined;
    if (own !== undefined) return own as Duration;
    if (n.inputs.length === 0) return this.graph.batchIntervalMs as Duration;
    return new Stream(this.graph, n.inputs[0].from).slideHint();
  }

  // ---- outputs ----------------------------------------------------------------------------------

  /**
   * Writes every batch to `sink`.
   * @example
   * ```ts
   * counts.to(Sinks.jsonLines('out/counts.jsonl'));
   * ```
   */
  to(sink: Sink<T>): void {
    if (!sink || typeof sink.open !== 'function') throw new PipelineError('to: expected a Sink (see Sinks.*)', { operator: 'sink' });
    const id = this.add('sink', { sink: sink.spec }, undefined, 'forward', []);
    this.graph.sinks.set(id, sink as Sink<unknown>);
  }

  /**
   * Calls `fn` with every batch and its time (Spark's `foreachRDD`).
   * @example
   * ```ts
   * counts.foreachBatch((rs, t) => console.log(t, rs.length));
   * ```
   */
  foreachBatch(fn: (records: readonly T[], batchTime: number) => void | Promise<void>): void {
    checkFn('foreachBatch', fn);
    this.to(foreachSink(fn));
  }

  /**
   * Prints the first `n` records of each batch to stdout.
   * @example
   * ```ts
   * counts.print(20);
   * ```
   */
  print(n = 10): void {
    this.to(consoleSink(n));
  }

  // ---- event time -----------------------------------------------------------------------------

  /**
   * Declares each record's event time (ms since the epoch) and how far behind the largest
   * seen event time the watermark trails.
   * @example
   * ```ts
   * readings.withEventTime((r) => r.ts, { watermarkDelay: seconds(10) }).keyBy((r) => r.sensor);
   * ```
   */
  withEventTime(timestamp: (record: T) => number, opts: { watermarkDelay: Duration }): EventStream<T> {
    checkFn('withEventTime', timestamp);
    if (!opts || typeof opts.watermarkDelay !== 'number' || !Number.isFinite(opts.watermarkDelay) || opts.watermarkDelay < 0) {
      throw new PipelineError('withEventTime: pass { watermarkDelay } (a duration ≥ 0)', { operator: 'withEventTime' });
    }
    return new EventStream<T>(this.graph, this.add('eventTime', { watermarkDelayMs: opts.watermarkDelay }, { f: timestamp }, 'forward', []));
  }

  // ---- pair streams ----------------------------------------------------------------------------

  /**
   * Groups the values of each key per batch.
   * @example
   * ```ts
   * pairs.groupByKey(); // Stream<readonly [K, V[]]>
   * ```
   */
  groupByKey<K, V>(this: Stream<readonly [K, V]>): Stream<readonly [K, V[]]> {
    return this.derive('groupByKey', {}, undefined, 'shuffle');
  }

  /**
   * Reduces the values of each key per batch.
   * @example
   * ```ts
   * pairs.reduceByKey((a, b) => a + b);
   * ```
   */
  reduceByKey<K, V>(this: Stream<readonly [K, V]>, f: (a: V, b: V) => V): Stream<readonly [K, V]> {
    checkFn('reduceByKey', f);
    return this.derive('reduceByKey', {}, { f }, 'shuffle');
  }

  /**
   * Maps each value, keeping its key.
   * @example
   * ```ts
   * pairs.mapValues((v) => v * 2);
   * ```
   */
  mapValues<K, V, W>(this: Stream<readonly [K, V]>, f: (value: V) => W, opts: OpOptions = {}): Stream<readonly [K, W]> {
    checkFn('mapValues', f);
    return this.derive('mapValues', { onError: opts.onError ?? 'fail', label: opts.label }, { f });
  }

  /**
   * Flat-maps each value, keeping its key.
   * @example
   * ```ts
   * docs.flatMapValues((text) => text.split(' '));
   * ```
   */
  flatMapValues<K, V, W>(this: Stream<readonly [K, V]>, f: (value: V) => Iterable<W>, opts: OpOptions = {}): Stream<readonly [K, W]> {
    checkFn('flatMapValues', f);
    return this.derive('flatMapValues', { onError: opts.onError ?? 'fail', label: opts.label }, { f });
  }

  /**
   * Reduces the values of each key over a sliding window. With `inverse` (which undoes `f`)
   * the window is maintained incrementally, as Spark does; `filter` then drops keys (e.g.
   * those whose count fell to 0).
   * @example
   * ```ts
   * pairs.reduceByKeyAndWindow((a, b) => a + b, minutes(1), seconds(10), { inverse: (a, b) => a - b });
   * ```
   */
  reduceByKeyAndWindow<K, V>(
    this: Stream<readonly [K, V]>,
    f: (a: V, b: V) => V,
    windowDuration: Duration,
    slideDuration?: Duration,
    opts: Omit<StateOptions, 'ttl'> & { inverse?: (a: V, b: V) => V; filter?: (kv: readonly [K, V]) => boolean } = {},
  ): Stream<readonly [K, V]> {
    checkFn('reduceByKeyAndWindow', f);
    checkDuration('reduceByKeyAndWindow', 'window duration', windowDuration);
    checkDuration('reduceByKeyAndWindow', 'slide duration', slideDuration);
    if (opts.inverse !== undefined) checkFn('reduceByKeyAndWindow', opts.inverse, 'inverse function');
    if (opts.filter !== undefined) checkFn('reduceByKeyAndWindow', opts.filter, 'filter function');
    const inputs = [{ from: this.id, edge: 'shuffle' as const }];
    const slideMs = slideDuration ?? this.slideHint();
    const detail = { windowMs: windowDuration, slideMs, inverse: !!opts.inverse };
    const state = this.graph.stateSpec('reduceByKeyAndWindow', inputs, detail, opts);
    return this.derive(
      'reduceByKeyAndWindow',
      { windowMs: windowDuration, slideMs, inverse: !!opts.inverse, filter: !!opts.filter, state },
      { f, inverse: opts.inverse, filter: opts.filter },
      'shuffle',
    );
  }

  /**
   * Groups the values of each key over a sliding window.
   * @example
   * ```ts
   * clicks.groupByKeyAndWindow(minutes(1), seconds(10));
   * ```
   */
  groupByKeyAndWindow<K, V>(this: Stream<readonly [K, V]>, windowDuration: Duration, slideDuration?: Duration): Stream<readonly [K, V[]]> {
    checkDuration('groupByKeyAndWindow', 'window duration', windowDuration);
    checkDuration('groupByKeyAndWindow', 'slide duration', slideDuration);
    return this.derive('groupByKeyAndWindow', { windowMs: windowDuration, slideMs: slideDuration ?? this.slideHint() }, undefined, 'shuffle');
  }

  /**
   * Inner join of two pair streams, per batch.
   * @example
   * ```ts
   * orders.join(payments); // Stream<readonly [K, readonly [Order, Payment]]>
   * ```
   */
  join<K, V, W>(this: Stream<readonly [K, V]>, other: Stream<readonly [K, W]>): Stream<readonly [K, readonly [V, W]]> {
    return this.derive('join', { how: 'inner' }, undefined, 'shuffle', [other as Stream<unknown>]);
  }

  /**
   * Left outer join: every left value, with `some(w)` or `none`.
   * @example
   * ```ts
   * orders.leftOuterJoin(payments); // [K, [Order, Option<Payment>]]
   * ```
   */
  leftOuterJoin<K, V, W>(this: Stream<readonly [K, V]>, other: Stream<readonly [K, W]>): Stream<readonly [K, readonly [V, Option<W>]]> {
    return this.derive('join', { how: 'left' }, undefined, 'shuffle', [other as Stream<unknown>]);
  }

  /**
   * Right outer join: every right value, with `some(v)` or `none`.
   * @example
   * ```ts
   * orders.rightOuterJoin(payments); // [K, [Option<Order>, Payment]]
   * ```
   */
  rightOuterJoin<K, V, W>(this: Stream<readonly [K, V]>, other: Stream<readonly [K, W]>): Stream<readonly [K, readonly [Option<V>, W]]> {
    return this.derive('join', { how: 'right' }, undefined, 'shuffle', [other as Stream<unknown>]);
  }

  /**
   * Full outer join.
   * @example
   * ```ts
   * a.fullOuterJoin(b); // [K, [Option<V>, Option<W>]]
   * ```
   */
  fullOuterJoin<K, V, W>(this: Stream<readonly [K, V]>, other: Stream<readonly [K, W]>): Stream<readonly [K, readonly [Option<V>, Option<W>]]> {
    return this.derive('join', { how: 'full' }, undefined, 'shuffle', [other as Stream<unknown>]);
  }

  /**
   * For each key in either stream, all its values from each.
   * @example
   * ```ts
   * a.cogroup(b); // [K, [V[], W[]]]
   * ```
   */
  cogroup<K, V, W>(this: Stream<readonly [K, V]>, other: Stream<readonly [K, W]>): Stream<readonly [K, readonly [V[], W[]]]> {
    return this.derive('cogroup', {}, undefined, 'shuffle', [other as Stream<unknown>]);
  }

  /**
   * Spark's `updateStateByKey`: every batch, `f(newValues, state)` for every key that has
   * state or new values; `none` removes the key. Emits `[key, state]` for every key with
   * state, every batch. With `state: S.long()` (any {@link Schema}) the state type comes
   * from the schema (no annotations needed) and checkpoints store the state under it;
   * without, it is inferred from `f` and checkpoints infer its Avro schema from the values.
   * @example
   * ```ts
   * pairs.updateStateByKey((vs, s) => O.some(vs.length + O.getOrElse(() => 0)(s)), { state: S.long(), name: 'counts' });
   * pairs.updateStateByKey((vs: number[], s: Option<number>) => O.some(vs.reduce((a, b) => a + b, O.getOrElse(() => 0)(s))), { name: 'totals' });
   * ```
   */
  updateStateByKey<K, V, S>(
    this: Stream<readonly [K, V]>,
    f: (values: V[], state: Option<S>) => Option<NoInfer<S>>,
    opts: StateOptions & { state: Schema<S>; initial?: Iterable<readonly [K, NoInfer<S>]> },
  ): Stream<readonly [K, S]>;
  updateStateByKey<K, V, S>(
    this: Stream<readonly [K, V]>,
    f: (values: V[], state: Option<S>) => Option<S>,
    opts?: StateOptions & { state?: undefined; initial?: Iterable<readonly [K, S]> },
  ): Stream<readonly [K, S]>;
  updateStateByKey<K, V, S>(
    this: Stream<readonly [K, V]>,
    f: (values: V[], state: Option<S>) => Option<S>,
    opts: StateOptions & { state?: Schema<S>; initial?: Iterable<readonly [K, S]> } = {},
  ): Stream<readonly [K, S]> {
    checkFn('updateStateByKey', f);
    checkDuration('updateStateByKey', 'ttl', opts.ttl);
    checkStateSchema('updateStateByKey', opts.state);
    const inputs = [{ from: this.id, edge: 'shuffle' as const }];
    const state = this.graph.stateSpec('updateStateByKey', inputs, {}, opts);
    return this.derive('updateStateByKey', { state, hasInitial: opts.initial !== undefined }, { f, initial: opts.initial }, 'shuffle');
  }

  /**
   * Spark's `mapWithState`: `fn(key, value, state, batchTime)` for every record; the
   * returned `some(u)` values form the output. With `timeout`, a key idle that long is
   * called once more with `none` and `state.isTimingOut()`, then dropped. With
   * `state: S.long()` (any {@link Schema}) the state type comes from the schema and
   * checkpoints store the state under it.
   * @example
   * ```ts
   * const sessions = clicks.mapWithState({ fn: trackSession, timeout: minutes(30), name: 'sessions' });
   * sessions.stateSnapshots().print();
   * const sums = pairs.mapWithState({ state: S.long(), fn: (k, v, st) => { st.update((st.exists() ? st.get() : 0) + 1); return O.some(k); } });
   * ```
   */
  mapWithState<K, V, S, U>(
    this: Stream<readonly [K, V]>,
    spec: StateOptions & {
      fn: (key: K, value: Option<V>, state: State<S>, batchTime: number) => Option<U>;
      timeout?: Duration;
      /** The Avro schema of the state (gives its type). */
      state?: Schema<S>;
      initial?: Iterable<readonly [K, NoInfer<S>]>;
    },
  ): MapWithStateStream<K, S, U> {
    checkFn('mapWithState', spec?.fn);
    checkDuration('mapWithState', 'timeout', spec.timeout);
    checkDuration('mapWithState', 'ttl', spec.ttl);
    checkStateSchema('mapWithState', spec.state);
    const inputs = [{ from: this.id, edge: 'shuffle' as const }];
    const state = this.graph.stateSpec('mapWithState', inputs, { timeoutMs: spec.timeout }, spec);
    const id = this.add('mapWithState', { state, timeoutMs: spec.timeout, hasInitial: spec.initial !== undefined }, { f: spec.fn, initial: spec.initial }, 'shuffle', []);
    return new MapWithStateStream<K, S, U>(this.graph, id);
  }

  /**
   * Enriches each record with the table's value for its key; records whose key is not in
   * the table are dropped.
   * @example
   * ```ts
   * payments.joinStatic(customers); // [K, [Payment, Customer]]
   * ```
   */
  joinStatic<K, V, W>(this: Stream<readonly [K, V]>, table: StaticTable<K, W>): Stream<readonly [K, readonly [V, W]]> {
    return this.staticJoin('inner', table as StaticTable<unknown, unknown>);
  }

  /**
   * Enriches each record with `some(value)` from the table, or `none`.
   * @example
   * ```ts
   * payments.leftJoinStatic(customers); // [K, [Payment, Option<Customer>]]
   * ```
   */
  leftJoinStatic<K, V, W>(this: Stream<readonly [K, V]>, table: StaticTable<K, W>): Stream<readonly [K, readonly [V, Option<W>]]> {
    return this.staticJoin('left', table as StaticTable<unknown, unknown>);
  }

  private staticJoin<U>(how: 'inner' | 'left', table: StaticTable<unknown, unknown>): Stream<U> {
    if (!table || typeof table.load !== 'function') throw new PipelineError('joinStatic: expected a StaticTable', { operator: 'staticJoin' });
    const id = this.add('staticJoin', { how, table: table.spec }, undefined, 'forward', []);
    this.graph.tables.set(id, table);
    return new Stream<U>(this.graph, id);
  }
}

/**
 * The output of `mapWithState`, which can also give the state itself.
 *
 * @example
 * ```ts
 * const out = pairs.mapWithState({ fn });
 * out.stateSnapshots(); // Stream<readonly [K, S]>
 * ```
 * @category DSL
 */
export class MapWithStateStream<K, S, U> extends Stream<U> {
  /**
   * Every `[key, state]` after each batch (Spark's `stateSnapshots`).
   * @example
   * ```ts
   * out.stateSnapshots().print();
   * ```
   */
  stateSnapshots(): Stream<readonly [K, S]> {
    return this.derive('stateSnapshots', {});
  }
}

/**
 * A stream whose records carry event time; key it to window it.
 *
 * @example
 * ```ts
 * readings.withEventTime((r) => r.ts, { watermarkDelay: seconds(10) }).keyBy((r) => r.sensor);
 * ```
 * @category Event time
 */
export class EventStream<T> extends Stream<T> {
  /**
   * Partitions the stream by `key` for event-time windows.
   * @example
   * ```ts
   * events.keyBy((e) => e.user).window(session(minutes(30))).count();
   * ```
   */
  keyBy<K>(key: (record: T) => K): KeyedStream<K, T> {
    checkFn('keyBy', key);
    return new KeyedStream<K, T>(this.graph, this.add('keyBy', {}, { f: key }, 'forward', []));
  }
}

/**
 * The result of an event-time window aggregation: one per key and window.
 *
 * @example
 * ```ts
 * // { key: 'sensor-1', start: 0, end: 300000, value: 21.5 }
 * ```
 * @category Event time
 */
export interface Windowed<K, R> {
  readonly key: K;
  /** Window start, inclusive (ms). */
  readonly start: number;
  /** Window end, exclusive (ms). */
  readonly end: number;
  readonly value: R;
}

/**
 * Window results, plus the records that came too late for their window.
 *
 * @example
 * ```ts
 * const avg = keyed.window(sliding(minutes(5), seconds(30))).aggregate(mean);
 * avg.lateRecords().to(lateSink);
 * ```
 * @category Event time
 */
export class WindowedResultStream<K, R, T> extends Stream<Windowed<K, R>> {
  /**
   * Records that arrived after their window closed (watermark past end + allowed
   * lateness). Without this stream they go to the dead-letter output.
   * @example
   * ```ts
   * avg.lateRecords().print();
   * ```
   */
  lateRecords(): Stream<T> {
    return this.derive('lateRecords', {});
  }
}
