/**
 * The series of one labelled metric, kept as plain numbers between scrapes: prom-client
 * hashes the label object on every `inc` or `set`, which a batch would pay once per
 * operator and worker. A batch adds to a number found by a key of the caller's; the metric's
 * `collect` (run by prom-client before every read of the registry) hands the figures over.
 * @module
 * @internal
 */
import type { Counter, Gauge, LabelValues } from 'prom-client';

interface Entry<L extends string> {
  readonly labels: LabelValues<L>;
  value: number;
  /** The value prom-client has (counters: the total handed over so far); NaN before the first hand-over. */
  sent: number;
}

/**
 * Figures of one counter or gauge by series key.
 *
 * @example
 * ```ts
 * const records = new Series<'operator'>();
 * const counter = new Counter({ name: 'records_total', help: 'Records', labelNames: ['operator'], collect() { records.toCounter(this); } });
 * records.add('map-1', { operator: 'map-1' }, 100_000); // no hashing here
 * await registry.metrics(); // records_total{operator="map-1"} 100000
 * ```
 * @internal
 */
export class Series<L extends string> {
  private readonly entries = new Map<string, Entry<L>>();

  /** Adds `n` to the series `key` (created, labelled `labels`, when it is new). */
  add(key: string, labels: LabelValues<L>, n: number): void {
    const e = this.entries.get(key);
    if (e) e.value += n;
    else this.entries.set(key, { labels, value: n, sent: NaN });
  }

  /** Sets the series `key` (created, labelled `labels`, when it is new) to `n`. */
  set(key: string, labels: LabelValues<L>, n: number): void {
    const e = this.entries.get(key);
    if (e) e.value = n;
    else this.entries.set(key, { labels, value: n, sent: NaN });
  }

  /** Increments `counter` by what each series gained since the last hand-over. */
  toCounter(counter: Counter<L>): void {
    for (const e of this.entries.values()) {
      // A series never handed over is, even at 0 (it exists from then on).
      const first = Number.isNaN(e.sent);
      if (!first && e.value === e.sent) continue;
      counter.inc(e.labels, e.value - (first ? 0 : e.sent));
      e.sent = e.value;
    }
  }

  /** Sets `gauge` to each series' value that changed since the last hand-over. */
  toGauge(gauge: Gauge<L>): void {
    for (const e of this.entries.values()) {
      if (e.value === e.sent) continue;
      gauge.set(e.labels, e.value);
      e.sent = e.value;
    }
  }
}
