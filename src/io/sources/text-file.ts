import type { Source } from '../connector.js';
import { recordLimit } from './line-splitter.js';
import { openLineSlice } from './line-slices.js';
import { lineFileSource, requireExisting, textLineFormat } from './lines.js';

/**
 * The record-size option of the sources that read bytes.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * const opts: ReadOptions = { maxRecordBytes: 64 * 1024 };
 * Sources.textFile('data/lines.txt', opts);
 * ```
 * @category Connectors
 */
export interface ReadOptions {
  /**
   * The most bytes one record may have (a line; a CSV record over several lines), default
   * 4 MiB (4 194 304). A longer one goes to the dead-letter output with its origin
   * (`<file>:<line>`, and its byte offset) and its first 1 KiB, and reading goes on with
   * the next record; memory stays bounded by this size, not by the line.
   */
  readonly maxRecordBytes?: number;
}

/**
 * The lines of a text file (UTF-8), read as a stream: at most `maxBatchSize` lines per
 * batch and never the whole file in memory (Spark's `textFile`, one file). Bounded.
 *
 * Lines end at `\n` (a trailing `\r` and a leading byte-order mark are dropped); empty
 * lines are records too. A missing file fails the run when it starts, with a
 * `RuntimeError` naming the path. `position()` is the number of lines consumed; opening
 * with that position skips them.
 *
 * Nothing is lost or altered silently: a line longer than `maxRecordBytes` (default 4 MiB)
 * goes to the dead-letter output with origin `<path>:<line>` and its first 1 KiB; a line
 * that is not valid UTF-8 goes there with its bytes in base64 (the reason says so). Reading
 * takes time linear in the file whatever its line lengths.
 *
 * @example
 * ```ts
 * import { Pipeline, Sources, seconds } from 'sluice';
 * const p = Pipeline.create('lines', { batchInterval: seconds(1) });
 * p.source(Sources.textFile('data/lines.txt')).map((l) => l.length).print();
 * await p.run({ maxBatchSize: 10_000 });
 * ```
 * @category Connectors
 */
export function textFile(path: string, opts: ReadOptions = {}): Source<string> {
  const max = recordLimit(`textFile ${path}`, opts.maxRecordBytes);
  const source = lineFileSource<string>({ type: 'textFile', bounded: true, path, ...limitSpec(opts) }, { maxRecordBytes: max }, (ctx) => textLineFormat(ctx, path));
  return {
    ...source,
    // Its slices may be uneven: openSlice cuts with sliceBounds (the cluster balances them).
    weightedSlices: true,
    // Read in parallel by the cluster runtime: each partition decodes its slice of every batch.
    openSlice(ctx, slice, resumeFrom) {
      requireExisting('textFile', path);
      return openLineSlice('textFile', path, slice, max, textLineFormat(ctx, path), resumeFrom);
    },
  };
}

/** `{ maxRecordBytes }` for a source's spec when it was given, else nothing. @example `limitSpec({ maxRecordBytes: 10 }) // { maxRecordBytes: 10 }` @internal */
export function limitSpec(opts: ReadOptions): { maxRecordBytes?: number } {
  return opts.maxRecordBytes === undefined ? {} : { maxRecordBytes: opts.maxRecordBytes };
}
