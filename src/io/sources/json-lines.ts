import type { Schema } from '../../schema/schema.js';
import type { Source } from '../connector.js';
import { recordLimit } from './line-splitter.js';
import { openLineSlice } from './line-slices.js';
import { jsonLineFormat, lineFileSource, requireExisting } from './lines.js';
import { limitSpec, type ReadOptions } from './text-file.js';

/**
 * A file of JSON values, one per line (JSON Lines), read as a stream. Bounded.
 *
 * A batch reads at most `maxBatchSize` lines: blank lines are skipped and lines that go to
 * the dead-letter output give no record, so they make the batch smaller (as Kafka's
 * offsets do; every worker of the cluster runtime then cuts the batch at the same line
 * without parsing the others' lines, and reads only its own slice of it). A line that is not valid JSON, or that does not fit `schema`
 * when one is given, goes to the dead-letter output with origin `<path>:<line number>`
 * and a reason such as `does not match schema Reading: field celsius: expected double,
 * got "hot"`; the job goes on with the next line. With a schema, records are converted by
 * `schema.fromJSON` (ISO-8601 text becomes epoch millis for timestamp fields, and so on).
 * `position()` is the number of lines consumed. A line longer than `maxRecordBytes`
 * (default 4 MiB) or not valid UTF-8 goes to the dead-letter output too (see
 * `Sources.textFile`); a number a schema field cannot hold (`1e400` for a double) is a misfit.
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
export function jsonLines<T = unknown>(path: string, schema?: Schema<T>, opts: ReadOptions = {}): Source<T> {
  const max = recordLimit(`jsonLines ${path}`, opts.maxRecordBytes);
  const source = lineFileSource<T>({ type: 'jsonLines', bounded: true, path, ...limitSpec(opts) }, { maxRecordBytes: max }, (ctx) => jsonLineFormat(ctx, path, schema), schema);
  return {
    ...source,
    // Its slices may be uneven: openSlice cuts with sliceBounds (the cluster balances them).
    weightedSlices: true,
    // Read in parallel by the cluster runtime: each partition parses its slice of every batch.
    openSlice(ctx, slice, resumeFrom) {
      requireExisting('jsonLines', path);
      return openLineSlice('jsonLines', path, slice, max, jsonLineFormat(ctx, path, schema), resumeFrom);
    },
  };
}
