/**
 * Shared machinery of the line-oriented file sources (`textFile`, `jsonLines`, `csv`,
 * `directory`): a streaming line reader with bounded memory, and a source built from a
 * per-line format.
 *
 * @module
 * @internal
 */
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { RuntimeError } from '../../errors.js';
import type { SourceSpec } from '../../ir/nodes.js';
import { avroName, type Schema } from '../../schema/schema.js';
import type { PollResult, Source, SourceContext, SourceReader } from '../connector.js';
import { DEFAULT_MAX_RECORD_BYTES, LineSplitter, type BadLine, type Line } from './line-splitter.js';

/** Bytes read from a file at a time; also about the most a reader buffers beyond what was asked for. */
const CHUNK = 64 * 1024;

/**
 * Throws a {@link RuntimeError} naming `path` unless it is an existing file (or directory,
 * with `kind: 'directory'`).
 *
 * @example
 * ```ts
 * requireExisting('textFile', 'data/lines.txt'); // RuntimeError: textFile: cannot read data/lines.txt: no such file
 * ```
 * @internal
 */
export function requireExisting(connector: string, path: string, kind: 'file' | 'directory' = 'file'): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `no such ${kind}` : (e as Error).message;
    throw new RuntimeError(`${connector}: cannot read ${path}: ${why}`, { location: path }, kind === 'file' ? 'check the path; a relative path is resolved against the working directory' : undefined);
  }
  if (isDir !== (kind === 'directory')) {
    throw new RuntimeError(`${connector}: cannot read ${path}: it is ${isDir ? 'a directory' : 'not a directory'}`, { location: path });
  }
}

/**
 * Reads a text file (UTF-8) line by line as a stream, in time linear in the file whatever
 * its line lengths: never more than one chunk (64 KiB) of lines is held beyond what the
 * caller has taken, plus at most `maxRecordBytes` of a line that goes on over chunks. Lines
 * end at `\n`; a trailing `\r` is dropped (unless `keepCR`); a last line without a newline still counts; a
 * byte-order mark at the start of the file is dropped. A line longer than `maxRecordBytes`
 * or not valid UTF-8 comes out as a {@link BadLine}.
 *
 * @example
 * ```ts
 * const r = new LineReader('textFile', 'data/lines.txt');
 * for (;;) { const l = r.shift(); if (l !== undefined) use(l); else if (!(await r.fill())) break; }
 * await r.close();
 * ```
 * @internal
 */
export class LineReader {
  /** Lines handed out by {@link LineReader.shift} so far. */
  lineNumber = 0;
  private stream?: ReadStream;
  private chunks?: AsyncIterator<Buffer>;
  private lines: Line[] = [];
  private at = 0;
  private eof = false;
  private readonly splitter: LineSplitter;

  constructor(private readonly connector: string, readonly path: string, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES, keepCR = false) {
    this.splitter = new LineSplitter(maxRecordBytes, true, keepCR);
  }

  /** The next buffered line, or `undefined` when the buffer is empty (then call {@link LineReader.fill}). */
  shift(): Line | undefined {
    if (this.at >= this.lines.length) return undefined;
    const line = this.lines[this.at++];
    this.lineNumber++;
    return line;
  }

  /** Reads the next chunk into the buffer; resolves false once the file is exhausted and the buffer empty. */
  async fill(): Promise<boolean> {
    while (this.at >= this.lines.length) {
      if (this.eof) return false;
      this.lines = [];
      this.at = 0;
      if (!this.chunks) {
        this.stream = createReadStream(this.path, { highWaterMark: CHUNK });
        this.chunks = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      }
      let n: IteratorResult<Buffer>;
      try {
        n = await this.chunks.next();
      } catch (e) {
        throw new RuntimeError(`${this.connector}: cannot read ${this.path}: ${(e as Error).message}`, { location: this.path }, undefined);
      }
      if (n.done) {
        this.eof = true;
        this.splitter.end(this.lines);
      } else {
        this.splitter.push(n.value, this.lines);
      }
    }
    return true;
  }

  /** Stops reading and releases the file. */
  async close(): Promise<void> {
    this.eof = true;
    this.lines = [];
    this.stream?.destroy();
  }
}

/**
 * How a line-oriented source turns lines into records. One instance per opened reader
 * (it may keep state, e.g. a CSV header or a quoted field that goes on over lines).
 *
 * @example
 * ```ts
 * const text: LineFormat<string> = { line: (text) => text };
 * ```
 * @internal
 */
export interface LineFormat<T> {
  /**
   * Turns line `lineNo` (1-based) into a record. Returns {@link NONE} when it yields none:
   * blank, sent to the dead-letter output, a header, or part of a record that goes on.
   */
  line(text: string, lineNo: number): T | typeof NONE;
  /** Line `lineNo` could not be read as text (too long, invalid UTF-8): usually a dead letter ({@link deadLine}). */
  bad(line: BadLine, lineNo: number): void;
  /** A line read earlier to hand to {@link LineFormat.line} again before the next new line (a CSV record given up on). */
  replay?(): { text: string; lineNo: number } | undefined;
  /** A line skipped when resuming (so a format can still read its header). */
  skipped?(text: string, lineNo: number): void;
  /** At end of input: a record still open, or {@link NONE}. */
  end?(): T | typeof NONE;
  /** Lines read but not yet part of a record (a record that goes on over lines, lines to replay). */
  pending?(): number;
  /**
   * A batch of `max` is `max` rows handed to {@link LineFormat.line}, not `max` records: a
   * row is a line, or the lines of a record that goes on over lines (counted when it ends);
   * blank rows, rows sent to the dead-letter output and rows read again count. Then readers
   * of slices of a batch agree on where it ends without converting each other's records
   * (`line-slices.ts`, `csv.ts`), and a reader resumed at a position cuts the same batches.
   */
  readonly batchByLines?: boolean;
  /** True while a record goes on over lines (the line just handed to {@link LineFormat.line} did not end it). */
  open?(): boolean;
}

/** "No record from this line." @example `return blank ? NONE : text` @internal */
export const NONE: unique symbol = Symbol('none');

/**
 * Pulls up to `max` records from `reader` through `format` (fewer only at end of input),
 * or, for a format that batches by lines, the records of up to `max` lines (`taken` of
 * them already used by an earlier file of the same batch; the result says how many are
 * used now). Resolves `done: true` once the file is exhausted.
 *
 * @example
 * ```ts
 * const { records, done } = await readRecords(reader, format, 1000);
 * ```
 * @internal
 */
export async function readRecords<T>(reader: LineReader, format: LineFormat<T>, max: number, out: T[] = [], taken = 0): Promise<PollResult<T> & { taken: number }> {
  const byLines = format.batchByLines === true;
  let lines = taken;
  while ((byLines ? lines : out.length) < max) {
    const again = format.replay?.();
    if (again) {
      const r = format.line(again.text, again.lineNo);
      if (!format.open?.()) lines++;
      if (r !== NONE) out.push(r);
      continue;
    }
    const line = reader.shift();
    if (line === undefined) {
      if (await reader.fill()) continue;
      const last = format.end?.() ?? NONE;
      if (last !== NONE) out.push(last);
      if (format.pending?.()) continue; // the end gave lines back to read again
      return { records: out, done: true, taken: lines };
    }
    if (typeof line !== 'string') { format.bad(line, reader.lineNumber); continue; }
    const r = format.line(line, reader.lineNumber);
    if (!format.open?.()) lines++;
    if (r !== NONE) out.push(r);
  }
  return { records: out, done: false, taken: lines };
}

/**
 * Skips the first `n` lines of `reader`, showing each to `format.skipped`. Resolves false
 * when the file has fewer lines.
 *
 * @example
 * ```ts
 * await skipLines(reader, format, 1200);
 * ```
 * @internal
 */
export async function skipLines<T>(reader: LineReader, format: LineFormat<T>, n: number): Promise<boolean> {
  while (reader.lineNumber < n) {
    const line = reader.shift();
    if (line === undefined) {
      if (await reader.fill()) continue;
      return false;
    }
    if (typeof line === 'string') format.skipped?.(line, reader.lineNumber);
  }
  return true;
}

/**
 * Sends a line that cannot be read as text to the dead-letter output with origin
 * `<path>:<line>`, its reason (naming its byte offset) and its preview or bytes (base64).
 *
 * @example
 * ```ts
 * const fmt: LineFormat<string> = { line: (t) => t, bad: (l, no) => deadLine(ctx, path, l, no) };
 * ```
 * @internal
 */
export function deadLine(ctx: SourceContext, path: string, line: BadLine, lineNo: number): void {
  ctx.deadLetter(`${path}:${lineNo}`, `${line.reason} (the line starts at byte ${line.offset})`, line.raw);
}

/**
 * The plain-text format: every line is a record; a line that is not text goes to the
 * dead-letter output ({@link deadLine}).
 *
 * @example
 * ```ts
 * const fmt = textLineFormat(ctx, 'data/lines.txt');
 * ```
 * @internal
 */
export function textLineFormat(ctx: SourceContext, path: string): LineFormat<string> {
  return { line: (text) => text, bad: (line, lineNo) => deadLine(ctx, path, line, lineNo), batchByLines: true };
}

/** Lines of `reader` that are part of emitted (or rejected) records. @example `linesDone(reader, format)` @internal */
export function linesDone<T>(reader: LineReader, format: LineFormat<T>): number {
  return reader.lineNumber - (format.pending?.() ?? 0);
}

/**
 * A bounded source over the lines of one file, read as a stream. `position()` is the
 * number of lines consumed; `open(ctx, n)` skips `n` lines and goes on from there.
 *
 * @example
 * ```ts
 * const src = lineFileSource({ type: 'textFile', bounded: true, path }, { maxRecordBytes: DEFAULT_MAX_RECORD_BYTES }, (ctx) => textLineFormat(ctx, path));
 * ```
 * @internal
 */
export function lineFileSource<T>(spec: SourceSpec & { path: string }, read: { maxRecordBytes: number; keepCR?: boolean }, format: (ctx: SourceContext) => LineFormat<T>, schema?: Schema<T>): Source<T> {
  const path = spec.path;
  return {
    spec,
    ...(schema ? { schema } : {}),
    open(ctx, resumeFrom): SourceReader<T> {
      requireExisting(spec.type, path);
      const skip = typeof resumeFrom === 'number' ? resumeFrom : 0;
      const reader = new LineReader(spec.type, path, read.maxRecordBytes, read.keepCR);
      const fmt = format(ctx);
      let started = skip === 0;
      let done = false;
      return {
        async poll(max) {
          if (done) return { records: [], done };
          if (!started) {
            started = true;
            if (!(await skipLines(reader, fmt, skip))) {
              throw new RuntimeError(`${spec.type}: cannot resume ${path} after line ${skip}: the file has only ${reader.lineNumber} lines`, { operator: ctx.operator, location: path }, 'the file changed since the checkpoint; start without resuming');
            }
          }
          const r = await readRecords(reader, fmt, max);
          if (r.done) { done = true; await reader.close(); }
          return r;
        },
        position: () => (started ? linesDone(reader, fmt) : skip),
        close: () => reader.close(),
      };
    },
  };
}

/**
 * Converts values with `schema.fromJSON`; a value that does not fit goes to the dead-letter
 * output (with `raw`, or what `raw()` returns: computed only for a misfit) with reason `does not match schema <name>: <what is wrong, naming the field>`.
 *
 * @example
 * ```ts
 * const fit = schemaFitter(ctx, Reading);
 * fit({ sensor: 'a' }, 'readings.jsonl:3', line); // NONE; dead letter "does not match schema Reading: field ts: missing"
 * ```
 * @internal
 */
export function schemaFitter<T>(ctx: SourceContext, schema: Schema<T>): (value: unknown, origin: string, raw: string | (() => string)) => T | typeof NONE {
  const name = avroName(schema.avro);
  return (value, origin, raw) => {
    try {
      return schema.fromJSON(value);
    } catch (e) {
      ctx.deadLetter(origin, `does not match schema ${name}: ${(e as Error).message}`, typeof raw === 'string' ? raw : raw());
      return NONE;
    }
  };
}

/**
 * The JSON-lines format: one JSON value a line, blank lines skipped, a line that does not
 * parse or does not fit `schema` sent to the dead-letter output with origin `<path>:<line>`.
 *
 * @example
 * ```ts
 * const fmt = jsonLineFormat<Reading>(ctx, 'readings.jsonl', Reading);
 * fmt.line('{"sensor":"a"}', 1); // NONE, and a dead letter "does not match schema Reading: field ts: missing"
 * ```
 * @internal
 */
export function jsonLineFormat<T>(ctx: SourceContext, path: string, schema?: Schema<T>): LineFormat<T> {
  const fit = schema && schemaFitter(ctx, schema);
  return {
    line(text, lineNo) {
      if (text.trim() === '') return NONE;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        ctx.deadLetter(`${path}:${lineNo}`, `invalid JSON: ${(e as Error).message}`, text);
        return NONE;
      }
      return fit ? fit(value, `${path}:${lineNo}`, text) : (value as T);
    },
    bad: (line, lineNo) => deadLine(ctx, path, line, lineNo),
    batchByLines: true,
  };
}
