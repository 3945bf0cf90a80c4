import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../../errors.js';
import type { Sink } from '../connector.js';
import { committedParts, partFileSink } from './part-files.js';

/** Characters of JSON gathered before one write to the part file. */
const WRITE_CHUNK = 1 << 20;

/**
 * Writes every batch as JSON lines into the directory `path`, atomically: a non-empty
 * batch becomes `part-<batch time, 13 digits>.jsonl`, written to a temp file beside it,
 * fsynced and renamed into place, then recorded in `_manifest.jsonl` (appended, fsynced).
 * On the cluster runtime each partition of the sink is written by the worker that computes
 * it, as `part-<t>.jsonl` (partition 0) and `part-<t>-p<partition>.jsonl`, and listed in the
 * manifest with the commit of its batch. An empty batch writes nothing. A part already in
 * the manifest is skipped, so a replayed batch is written once (the commit protocol of
 * Spark's file sink). Read the
 * output back with `readJsonLinesDir(path)` (same module). Dead letters of the pipeline go, unless it
 * names a sink for them, to the file `<path>.dlq` beside the directory.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * counts.to(Sinks.jsonLines('out/counts')); // out/counts/part-0000000001000.jsonl, ..., out/counts/_manifest.jsonl
 * ```
 * @category Connectors
 */
export function jsonLines<T>(path: string): Sink<T> {
  return partFileSink<T>({ type: 'jsonLines', path }, 'jsonl', async (records, file) => {
    let text = '';
    for (const r of records) {
      text += (JSON.stringify(r) ?? 'null') + '\n';
      if (text.length >= WRITE_CHUNK) { await file.write(text); text = ''; }
    }
    if (text) await file.write(text);
  });
}

/**
 * Every record of the committed parts of a {@link jsonLines} sink directory, in batch
 * order (parts not in the manifest, e.g. left by a crash, are not read). Throws a
 * `RuntimeError` naming the path when it is not a directory.
 *
 * @example
 * ```ts
 * // test/io or an example, next to the pipeline that wrote out/counts:
 * const counts = readJsonLinesDir<[string, number]>('out/counts');
 * ```
 * @category Connectors
 */
export function readJsonLinesDir<T = unknown>(path: string): T[] {
  const out: T[] = [];
  for (const part of committedParts(path)) {
    const file = join(path, part.file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new RuntimeError(`${path}: the manifest lists batch ${part.batchTime} in ${part.file}, which cannot be read: ${(e as Error).message}`, { location: file });
    }
    text.split('\n').forEach((line, i) => {
      if (line === '') return;
      try {
        out.push(JSON.parse(line) as T);
      } catch (e) {
        throw new RuntimeError(`${file}:${i + 1}: ${(e as Error).message}`, { location: file });
      }
    });
  }
  return out;
}
