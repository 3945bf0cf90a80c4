import type { Source } from '../connector.js';
import { openLineSlice } from './line-slices.js';
import { lineFileSource, requireExisting } from './lines.js';

/**
 * The lines of a text file (UTF-8), read as a stream: at most `maxBatchSize` lines per
 * batch and never the whole file in memory (Spark's `textFile`, one file). Bounded.
 *
 * Lines end at `\n` (a trailing `\r` and a leading byte-order mark are dropped); empty
 * lines are records too. A missing file fails the run when it starts, with a
 * `RuntimeError` naming the path. `position()` is the number of lines consumed; opening
 * with that position skips them.
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
export function textFile(path: string): Source<string> {
  const source = lineFileSource<string>({ type: 'textFile', bounded: true, path }, () => ({ line: (text) => text }));
  return {
    ...source,
    // Read in parallel by the cluster runtime: each partition decodes its slice of every batch.
    openSlice(_ctx, slice, resumeFrom) {
      requireExisting('textFile', path);
      return openLineSlice('textFile', path, slice, resumeFrom);
    },
  };
}
