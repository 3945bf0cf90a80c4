import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError, RuntimeError } from '../../errors.js';
import type { Schema } from '../../schema/schema.js';
import type { Source, SourceContext, SourceReader } from '../connector.js';
import { recordLimit } from './line-splitter.js';
import { jsonLineFormat, LineReader, linesDone, readRecords, requireExisting, skipLines, textLineFormat, type LineFormat } from './lines.js';
import { limitSpec, type ReadOptions } from './text-file.js';

/**
 * Where a {@link directory} source is: the files it is done with (read, or present at the
 * start and ignored) and, when a batch ended inside a file, that file and the lines of it
 * consumed.
 *
 * @example
 * ```ts
 * const pos: DirectoryPosition = { files: ['a.txt', 'b.txt'], current: { name: 'c.txt', lines: 120 } };
 * ```
 * @category Connectors
 */
export interface DirectoryPosition {
  readonly files: string[];
  readonly current?: { readonly name: string; readonly lines: number };
}

interface Current<T> {
  readonly name: string;
  readonly reader: LineReader;
  readonly format: LineFormat<T>;
}

/**
 * Options of {@link directory}.
 * @example
 * ```ts
 * const opts: DirectoryOptions<string> = { format: 'text', pattern: /\.log$/ };
 * ```
 * @category Connectors
 */
export type DirectoryOptions<T> =
  | ({ format: 'text'; pattern?: RegExp; includeExisting?: boolean } & ReadOptions)
  | ({ format: 'jsonl'; schema?: Schema<T>; pattern?: RegExp; includeExisting?: boolean } & ReadOptions);

/**
 * Watches a directory for new files, as Spark's `textFileStream`: each poll picks up the
 * files that appeared since the last one, oldest first (by modification time, then name),
 * and reads them as new records: lines (`format: 'text'`) or JSON values, one per line
 * (`format: 'jsonl'`, with an optional schema; bad lines go to the dead-letter output with
 * origin `<file>:<line>`). Unbounded: the source never ends by itself.
 *
 * Files must appear whole: write them elsewhere and move (rename) them into the directory;
 * a file is read once and later changes to it are not seen. Files present when the source
 * opens are ignored unless `includeExisting` is set. Names starting with `.` or `_` (temp
 * files, markers) are skipped, as are names not matching `pattern` and subdirectories.
 * A batch reads at most `maxBatchSize` lines (blank lines and lines sent to the dead-letter
 * output included); a file larger than that is read over several batches, streamed. A poll returns what is there now, never waiting for files.
 * A line longer than `maxRecordBytes` (default 4 MiB) or not valid UTF-8 goes to the
 * dead-letter output with origin `<file>:<line>` (see `Sources.textFile`).
 *
 * On the cluster runtime every partition reads its own files, in parallel: a file belongs to
 * the partition that owns its name's key group (as a key of keyed state does), so each file
 * is read once, by one partition, in the batch in which that partition finds it; a batch
 * holds what the partitions found. Each partition's position is kept by file
 * ({@link DirectoryFiles}), so a resume on another number of workers (or on the local
 * runtime) gives every partition the files it owns now and reads each file's rest once.
 *
 * `position()` is a `DirectoryPosition` (`{ files, current? }`); opening with it skips the files named there
 * (and the consumed lines of the current one) and reads every other file in the directory,
 * including those that arrived while the job was down. It names every file seen, so it
 * grows with the number of files.
 *
 * @example
 * ```ts
 * import { Pipeline, Sources, seconds } from 'sluice';
 * const p = Pipeline.create('logs', { batchInterval: seconds(10) });
 * p.source(Sources.directory('incoming', { format: 'text', pattern: /\.log$/ })).filter((l) => l.includes('ERROR')).print();
 * await p.run({ pace: 'realtime' });
 * ```
 * @category Connectors
 */
export function directory(dir: string, opts: { format: 'text'; pattern?: RegExp; includeExisting?: boolean } & ReadOptions): Source<string>;
export function directory<T = unknown>(dir: string, opts: { format: 'jsonl'; schema?: Schema<T>; pattern?: RegExp; includeExisting?: boolean } & ReadOptions): Source<T>;
export function directory<T>(dir: string, opts: DirectoryOptions<T>): Source<T> {
  if (opts?.format !== 'text' && opts?.format !== 'jsonl') {
    throw new PipelineError(`directory ${dir}: format must be 'text' or 'jsonl', got ${JSON.stringify((opts as { format?: unknown } | undefined)?.format)}`, { location: dir });
  }
  const schema = opts.format === 'jsonl' ? opts.schema : undefined;
  const pattern = opts.pattern;
  const max = recordLimit(`directory ${dir}`, opts.maxRecordBytes);
  const formatFor = (ctx: SourceContext, path: string): LineFormat<T> =>
    opts.format === 'text' ? (textLineFormat(ctx, path) as LineFormat<unknown> as LineFormat<T>) : jsonLineFormat<T>(ctx, path, schema);

  /**
   * A reader of the files `owns` accepts. `pos`: where to resume (a `DirectoryPosition`, the
   * older list of names, or the by-file record of a slice); `byFile`: `position()` is that record.
   */
  const reader = (ctx: SourceContext, owns: (name: string) => boolean, pos: unknown, byFile: boolean): SourceReader<T> => {
    requireExisting('directory', dir, 'directory');
    const list = (): string[] => {
      try {
        return readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isFile() && !/^[._]/.test(e.name) && (!pattern || pattern.test(e.name)) && owns(e.name))
          .map((e) => e.name);
      } catch (e) {
        throw new RuntimeError(`directory: cannot list ${dir}: ${(e as Error).message}`, { operator: ctx.operator, location: dir });
      }
    };
    const start = resumePoint(pos);
    /** Files done with: read whole, or there at the start and ignored. */
    const seen = new Set<string>(start ? start.done.filter(owns) : opts.includeExisting ? [] : list());
    /** Files a stopped run had begun: name and lines consumed, resumed first. */
    const partial = (start?.partial ?? []).filter(([name]) => owns(name));
    const queue: string[] = [];
    let current: Current<T> | undefined;

    const openFile = (name: string): Current<T> => {
      const path = join(dir, name);
      return (current = { name, reader: new LineReader('directory', path, max), format: formatFor(ctx, path) });
    };

    const openNext = async (): Promise<boolean> => {
      const resumeIn = partial.shift();
      if (resumeIn) {
        const [name, lines] = resumeIn;
        const c = openFile(name);
        await skipLines(c.reader, c.format, lines);
        return true;
      }
      if (!queue.length) {
        const fresh = list().filter((n) => !seen.has(n));
        const mtime = new Map(fresh.map((n) => [n, statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0]));
        fresh.sort((a, b) => mtime.get(a)! - mtime.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
        queue.push(...fresh);
      }
      const name = queue.shift();
      if (name === undefined) return false;
      openFile(name);
      return true;
    };

    const reading = (): Array<[string, number]> => [
      ...(current ? [[current.name, linesDone(current.reader, current.format)] as [string, number]] : []),
      ...partial,
    ];
    return {
      async poll(max) {
        const out: T[] = [];
        let taken = 0;
        while (taken < max) {
          if (!current && !(await openNext())) break;
          const c = current!;
          const r = await readRecords(c.reader, c.format, max, out, taken);
          taken = r.taken;
          if (!r.done) break;
          seen.add(c.name);
          current = undefined;
          await c.reader.close();
        }
        return { records: out, done: false };
      },
      position: (): DirectoryPosition | DirectoryFiles => {
        if (byFile) {
          const files: Record<string, { done: boolean; lines: number }> = {};
          for (const name of seen) files[name] = { done: true, lines: 0 };
          for (const [name, lines] of reading()) files[name] = { done: false, lines };
          return files;
        }
        const [first] = reading();
        return { files: [...seen], ...(first ? { current: { name: first[0], lines: first[1] } } : {}) };
      },
      close: () => current?.reader.close(),
    };
  };

  return {
    spec: { type: 'directory', bounded: false, path: dir, format: opts.format, ...(pattern ? { pattern: pattern.source } : {}), includeExisting: !!opts.includeExisting, ...limitSpec(opts) },
    ...(schema ? { schema } : {}),
    slicing: 'byKey',
    open: (ctx, resumeFrom) => reader(ctx, () => true, resumeFrom, false),
    openSlice: (ctx, slice, resumeFrom) => reader(ctx, slice.owns ?? (() => true), resumeFrom, true),
  };
}

/**
 * Where the slices of a {@link directory} source are, file by file (a slice's position,
 * keyed by file name so that a resume on another number of slices gives each slice its own
 * files): `done` for a file read whole or ignored, else the lines of it consumed.
 *
 * @example
 * ```ts
 * const pos: DirectoryFiles = { 'a.txt': { done: true, lines: 0 }, 'c.txt': { done: false, lines: 120 } };
 * ```
 * @category Connectors
 */
export type DirectoryFiles = Record<string, { readonly done: boolean; readonly lines: number }>;

/** The files done with and the files begun, from any position a directory reader gave. */
function resumePoint(pos: unknown): { done: string[]; partial: Array<[string, number]> } | undefined {
  if (pos === undefined || pos === null) return undefined;
  if (Array.isArray(pos)) return { done: pos as string[], partial: [] };
  const p = pos as Partial<DirectoryPosition>;
  if (Array.isArray(p.files)) return { done: p.files, partial: p.current ? [[p.current.name, p.current.lines]] : [] };
  const byFile = Object.entries(pos as DirectoryFiles);
  return { done: byFile.filter(([, f]) => f.done).map(([n]) => n), partial: byFile.filter(([, f]) => !f.done).map(([n, f]) => [n, f.lines]) };
}
