import type { Schema } from '../../schema/schema.js';
import type { Source } from '../connector.js';
import { jsonLineFormat, lineFileSource } from './lines.js';

/**
 * A file of JSON values, one per line (JSON Lines), read as a stream. Bounded.
 *
 * Blank lines are skipped. A line that is not valid JSON, or that does not fit `schema`
 * when one is given, goes to the dead-letter output with origin `<path>:<line number>`
 * and a reason such as `does not match schema Reading: field celsius: expected double,
 * got "hot"`; the job goes on with the next line. With a schema, records are converted by
 * `schema.fromJSON` (ISO-8601 text becomes epoch millis for timestamp fields, and so on).
 * `position()` is the number of lines consumed.
 *
 * @example
 * ```ts
 * import { Pipeline, S, Sources, Sinks, seconds } from 'sluice';
 * const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
 * const p = Pipeline.create('readings', { batchInterval: seconds(1) });
 * p.source(Sources.jsonLines('data/readings.jsonl', Reading)).filter((r) => r.celsius > 30).to(Sinks.jsonLines('out/hot'));
 * await p.run();
 * ```
 * @category Connectors
 */
export function jsonLines<T = unknown>(path: string, schema?: Schema<T>): Source<T> {
  return lineFileSource<T>({ type: 'jsonLines', bounded: true, path }, (ctx) => jsonLineFormat(ctx, path, schema), schema);
}
