import { PipelineError, RuntimeError } from '../../errors.js';
import type { AvroSchemaJson } from '../../ir/nodes.js';
import { avroName, type Schema } from '../../schema/schema.js';
import { sliceBounds, type Source, type SourceContext, type SourceReader } from '../connector.js';
import { recordLimit } from './line-splitter.js';
import { deadLine, lineFileSource, LineReader, linesDone, NONE, readRecords, requireExisting, schemaFitter, skipLines, type LineFormat } from './lines.js';
import { limitSpec, type ReadOptions } from './text-file.js';

/** How one CSV cell becomes a JSON-like value for `schema.fromJSON`. */
type CellConverter = (cell: string) => unknown;

interface Column {
  readonly name: string;
  /** May be absent (a union with null): an empty cell is then no value. */
  readonly nullable: boolean;
  readonly convert: CellConverter;
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const toNumber: CellConverter = (c) => (NUMBER.test(c) ? Number(c) : c);
const toBoolean: CellConverter = (c) => (/^\s*true\s*$/i.test(c) ? true : /^\s*false\s*$/i.test(c) ? false : c);
const asText: CellConverter = (c) => c;

/** Columns of a record schema, with a converter per Avro type; anything a cell cannot hold is refused up front. */
function columnsOf(schema: Schema<unknown>, path: string): Column[] {
  const avro = schema.avro as { type?: unknown; fields?: Array<{ name: string; type: AvroSchemaJson }> };
  if (!avro || typeof avro !== 'object' || avro.type !== 'record' || !Array.isArray(avro.fields)) {
    throw new PipelineError(`csv ${path}: the schema must be a record schema (S.record(...)), got ${JSON.stringify(schema.avro)}`, { location: path });
  }
  return avro.fields.map((f) => {
    let t: unknown = f.type;
    let nullable = false;
    if (Array.isArray(t)) {
      const rest = t.filter((x) => x !== 'null');
      nullable = rest.length < t.length;
      if (rest.length !== 1) throw new PipelineError(`csv ${path}: field ${f.name} is a union of ${JSON.stringify(t)}, which a CSV cell cannot hold`, { location: path });
      t = rest[0];
    }
    const base = typeof t === 'string' ? t : (t as { type?: unknown }).type;
    let convert: CellConverter;
    switch (base) {
      case 'int': case 'long': case 'float': case 'double': convert = toNumber; break;
      case 'boolean': convert = toBoolean; break;
      case 'string': case 'enum': convert = asText; break;
      case 'bytes': case 'fixed': case 'array': case 'map': case 'record': case 'null':
        throw new PipelineError(`csv ${path}: field ${f.name} has type ${JSON.stringify(f.type)}, which a CSV cell cannot hold`, { location: path }, 'read it as a string and parse it in a map()');
      default: convert = asText; // a named type defined elsewhere in the schema: schema.fromJSON decides
    }
    return { name: f.name, nullable, convert };
  });
}

/**
 * Splits CSV lines into cells (RFC 4180, as csv-parse does): fields separated by the
 * delimiter, a field in double quotes may hold the delimiter, `""` for a quote, and line
 * breaks, kept as they are (`\r\n` or `\n`; then the record goes on over several lines).
 * A quote inside an unquoted field is kept as is.
 */
class CsvSplitter {
  private cells: string[] = [];
  private cell = '';
  private quoted = false;
  /** The line break that ended the line a quoted field goes on from: part of the field. */
  private eol = '\n';

  constructor(private readonly delimiter: string) {}

  /** True while a quoted field goes on into the next line. */
  get open(): boolean {
    return this.quoted;
  }

  /** Feeds one line (with its `\r`, if any): the row's cells when it is complete, `undefined` when a quoted field goes on. Throws on malformed input. */
  feed(text: string): string[] | undefined {
    const d = this.delimiter;
    const crlf = text.charCodeAt(text.length - 1) === 13;
    const line = crlf ? text.slice(0, -1) : text;
    let i = 0;
    if (this.quoted) this.cell += this.eol;
    for (;;) {
      if (this.quoted) {
        const q = line.indexOf('"', i);
        if (q < 0) { this.cell += line.slice(i); this.eol = crlf ? '\r\n' : '\n'; return undefined; }
        this.cell += line.slice(i, q);
        if (line[q + 1] === '"') { this.cell += '"'; i = q + 2; continue; }
        this.quoted = false;
        i = q + 1;
        if (i === line.length) return this.row();
        if (!line.startsWith(d, i)) {
          const column = this.cells.length + 1;
          this.reset();
          throw new Error(`unexpected ${JSON.stringify(line[i])} after the closing quote of column ${column}`);
        }
        this.cells.push(this.cell);
        this.cell = '';
        i += d.length;
      }
      // At the start of a field.
      if (line[i] === '"') { this.quoted = true; i++; continue; }
      const next = line.indexOf(d, i);
      if (next < 0) { this.cell = line.slice(i); return this.row(); }
      this.cells.push(line.slice(i, next));
      i = next + d.length;
    }
  }

  /** Forgets a row in progress. */
  reset(): void {
    this.cells = [];
    this.cell = '';
    this.quoted = false;
  }

  private row(): string[] {
    const r = [...this.cells, this.cell];
    this.reset();
    return r;
  }
}

/** A line read again after the record it was part of was given up on. */
interface Replayed {
  readonly text: string;
  readonly lineNo: number;
}

/** What reading a CSV file's lines gives, in order: a row's cells (from line `start`, as the file has them), or a dead letter. */
type CsvEvent =
  | { readonly cells: string[]; readonly start: number; readonly raw: string }
  | { readonly dead: readonly [origin: string, reason: string, raw: string] };

/** The CSV line format; `finish` turns a row's cells into a record (or a dead letter). */
interface CsvFormat<T> extends LineFormat<T> {
  finish(cells: string[], start: number, rawText: string): T | typeof NONE;
}

/**
 * The CSV format over `ctx`. With `defer`, its `line` gives no records: the rows and the
 * dead letters of reading the lines (malformed quoting, lines that are not text) go to
 * `defer` in order, and `finish` makes a row a record later (a slice reader finishes only
 * its own rows; the header is read either way).
 */
function csvFormat<T>(ctx: SourceContext, path: string, schema: Schema<T>, columns: Column[], header: boolean, delimiter: string, maxRecordBytes: number, defer?: (e: CsvEvent) => void): CsvFormat<T> {
  const split = new CsvSplitter(delimiter);
  /** Where the dead letters of reading lines go. */
  const lineCtx: SourceContext = defer ? { operator: ctx.operator, deadLetter: (origin, reason, raw) => defer({ dead: [origin, reason, raw] }) } : ctx;
  const fit = schemaFitter(ctx, schema);
  const name = avroName(schema.avro);
  /** Column index of each schema field (-1: not in the file), set from the header or by position. */
  let index: number[] | undefined = header ? undefined : columns.map((_, i) => i);
  let width = columns.length;
  /** Lines of the record being read, from line `start`; `bytes` of them while a quoted field goes on. */
  let raw: string[] = [];
  let start = 0;
  let bytes = 0;
  /** Lines to read again (`queue[qi]` next): those after a quote that never closed. */
  let queue: Replayed[] = [];
  let qi = 0;
  /** Lines as the dead-letter output keeps them: as in the file, without the last line's `\r`. */
  const asRaw = (lines: string[]) => lines.join('\n').replace(/\r$/, '');

  const readHeader = (cells: string[], lineNo: number) => {
    const names = cells.map((c) => c.trim());
    index = columns.map((c) => names.indexOf(c.name));
    const missing = columns.filter((c, i) => index![i] < 0 && !c.nullable).map((c) => c.name);
    if (missing.length) {
      throw new RuntimeError(
        `csv: ${path}:${lineNo}: the header (${names.join(delimiter)}) has no column for required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of schema ${name}`,
        { operator: ctx.operator, location: path },
        'fix the header, make those fields S.optional, or pass { header: false } to read columns in schema order',
      );
    }
    width = names.length;
  };

  /**
   * Gives up on a quoted field that does not close (within maxRecordBytes, or by the end of
   * the file): its first line goes to the dead-letter output and the lines after it are
   * read again as new records, so one stray quote costs one line, not the rest of the file.
   */
  const unclosed = (why: string) => {
    const lines = raw;
    split.reset();
    raw = [];
    lineCtx.deadLetter(`${path}:${start}`, `malformed CSV: the quoted field opened on line ${start} ${why}; reading goes on at line ${start + 1}`, asRaw(lines.slice(0, 1)));
    queue = [...lines.slice(1).map((text, i) => ({ text, lineNo: start + 1 + i })), ...queue.slice(qi)];
    qi = 0;
  };

  const row = (text: string, lineNo: number): T | typeof NONE => {
    if (!split.open) {
      if (text.trim() === '') return NONE;
      raw = [];
      start = lineNo;
      bytes = 0;
    }
    raw.push(text);
    let cells: string[] | undefined;
    try {
      cells = split.feed(text);
    } catch (e) {
      if (raw.length > 1) unclosed(`is closed on line ${lineNo} by a quote followed by something else: ${(e as Error).message}`);
      else lineCtx.deadLetter(`${path}:${start}`, `malformed CSV: ${(e as Error).message}`, asRaw(raw));
      return NONE;
    }
    if (!cells) {
      bytes += Buffer.byteLength(text) + 1;
      if (bytes > maxRecordBytes) unclosed(`is not closed within maxRecordBytes (${maxRecordBytes} bytes)`);
      return NONE;
    }
    if (!index) { readHeader(cells, start); return NONE; }
    if (defer) { defer({ cells, start, raw: asRaw(raw) }); return NONE; }
    return finish(cells, start, asRaw(raw));
  };

  const finish = (cells: string[], start: number, rawText: string): T | typeof NONE => {
    if (cells.length !== width) {
      ctx.deadLetter(`${path}:${start}`, `expected ${width} columns${header ? ' (as in the header)' : ''}, got ${cells.length}`, rawText);
      return NONE;
    }
    const obj: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const cell = index![i] < 0 ? '' : cells[index![i]];
      obj[c.name] = cell === '' && c.nullable ? null : c.convert(cell);
    });
    return fit(obj, `${path}:${start}`, rawText);
  };

  return {
    line: row,
    finish,
    bad(line, lineNo) {
      if (split.open) {
        split.reset();
        lineCtx.deadLetter(`${path}:${start}`, `malformed CSV: the record that starts on line ${start} is cut by line ${lineNo}, which cannot be read (see its dead letter)`, asRaw(raw));
        raw = [];
      }
      deadLine(lineCtx, path, line, lineNo);
    },
    replay: () => (qi < queue.length ? queue[qi++] : undefined),
    skipped(text, lineNo) {
      if (!index) row(text, lineNo);
    },
    end() {
      if (split.open) unclosed('is not closed by the end of the file');
      return NONE;
    },
    pending: () => (split.open ? raw.length : 0) + queue.length - qi,
    open: () => split.open,
    batchByLines: true,
  };
}

/**
 * Slice `slice` of every batch of a CSV file: every reader reads every line of the batch
 * and splits it into rows (so all agree on where records start and end, quoted fields over
 * lines and malformed quoting included), then converts and checks only its own contiguous
 * part of the batch's rows and dead letters, in order: the parts of a batch, concatenated
 * in slice order, are the whole-file reader's batch and dead letters.
 */
function csvSlice<T>(ctx: SourceContext, path: string, format: (defer: (e: CsvEvent) => void) => CsvFormat<T>, maxRecordBytes: number, slice: { readonly index: number; readonly count: number }, resumeFrom: unknown): SourceReader<T> {
  const skip = typeof resumeFrom === 'number' ? resumeFrom : 0;
  const reader = new LineReader('csv', path, maxRecordBytes, true);
  let events: CsvEvent[] = [];
  const fmt = format((e) => events.push(e));
  let started = skip === 0;
  return {
    async poll(max) {
      if (!started) {
        started = true;
        if (!(await skipLines(reader, fmt, skip))) {
          throw new RuntimeError(`csv: cannot resume ${path} after line ${skip}: the file has only ${reader.lineNumber} lines`, { operator: ctx.operator, location: path }, 'the file changed since the checkpoint; start without resuming');
        }
      }
      events = [];
      const { done } = await readRecords(reader, fmt, max);
      const [a, b] = sliceBounds(events.length, slice);
      const records: T[] = [];
      for (let i = a; i < b; i++) {
        const e = events[i];
        if ('dead' in e) { ctx.deadLetter(...e.dead); continue; }
        const r = fmt.finish(e.cells, e.start, e.raw);
        if (r !== NONE) records.push(r);
      }
      if (done) await reader.close();
      return { records, done };
    },
    position: () => (started ? linesDone(reader, fmt) : skip),
    close: () => reader.close(),
  };
}

/**
 * A CSV file read as a stream into records of a record schema. Bounded.
 *
 * Parsing follows RFC 4180: fields in double quotes may hold the delimiter, line breaks
 * and `""` for a quote. With `header` (the default) the first non-blank line names the
 * columns and fields are matched by name (extra columns are ignored; a required field
 * without a column fails the run with a `RuntimeError`); without it columns are taken in
 * the schema's field order. Cells are converted by the field's type: numbers for
 * int/long/float/double (and timestamp-millis, which also takes ISO-8601 text),
 * `true`/`false` for booleans, text otherwise; an empty cell is no value for an optional
 * (or nullable) field. Blank lines are skipped.
 *
 * A row with the wrong number of cells, malformed quoting or a value that does not fit the
 * schema goes to the dead-letter output with origin `<path>:<line>`, the reason and the
 * raw line(s); the job goes on. A quoted field that goes on over lines but is not closed
 * within `maxRecordBytes` (default 4 MiB) or by the end of the file, or whose closing quote
 * is followed by something other than a delimiter, is reported at the line where it opened
 * (that line goes to the dead-letter output) and the lines after it are read again as new
 * rows, so a stray quote costs one line, not the rest of the file. A line that is too long or not
 * valid UTF-8 goes to the dead-letter output as in `Sources.textFile`. `position()` is the
 * number of lines consumed.
 *
 * A batch reads at most `maxBatchSize` rows (the header, blank lines, rows sent to the
 * dead-letter output and lines read again after a stray quote count; a record over several
 * lines counts once), so it holds at most that many records. On the cluster runtime every worker reads every line of
 * the batch and splits it into rows, so all agree on where records start and end, and each
 * converts and checks only its own part of the batch's rows: the records and dead letters
 * are the local runtime's.
 *
 * @example
 * ```ts
 * import { Pipeline, S, Sources, seconds } from 'sluice';
 * const Trade = S.record('Trade', { symbol: S.string(), price: S.double(), qty: S.int(), note: S.optional(S.string()) });
 * const p = Pipeline.create('trades', { batchInterval: seconds(1) });
 * p.source(Sources.csv('data/trades.csv', Trade, { delimiter: ';' })).map((t) => t.price * t.qty).print();
 * await p.run();
 * ```
 * @category Connectors
 */
export function csv<T>(path: string, schema: Schema<T>, opts: { header?: boolean; delimiter?: string } & ReadOptions = {}): Source<T> {
  const header = opts.header ?? true;
  const delimiter = opts.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
    throw new PipelineError(`csv ${path}: delimiter must be a non-empty string without quotes or line breaks, got ${JSON.stringify(delimiter)}`, { location: path });
  }
  const max = recordLimit(`csv ${path}`, opts.maxRecordBytes);
  const columns = columnsOf(schema as Schema<unknown>, path);
  const source = lineFileSource<T>({ type: 'csv', bounded: true, path, header, delimiter, ...limitSpec(opts) }, { maxRecordBytes: max, keepCR: true }, (ctx) => csvFormat(ctx, path, schema, columns, header, delimiter, max), schema);
  return {
    ...source,
    // Its slices may be uneven: openSlice cuts with sliceBounds (the cluster balances them).
    weightedSlices: true,
    // Read in parallel by the cluster runtime: each partition converts and checks its part of every batch's rows.
    openSlice(ctx, slice, resumeFrom) {
      requireExisting('csv', path);
      return csvSlice(ctx, path, (defer) => csvFormat(ctx, path, schema, columns, header, delimiter, max, defer), max, slice, resumeFrom);
    },
  };
}
