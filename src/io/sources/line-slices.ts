/**
 * A line file read in slices, one per partition: each batch of `max` lines is cut into
 * `count` contiguous slices (the same cut as the cluster's `split` exchange), and the
 * reader of slice `index` decodes only its own lines. Every reader scans the file's bytes
 * for line ends (cheap), none decodes the others' lines. The slices of one batch,
 * concatenated in slice order, are exactly the batch a whole-file reader returns: same
 * records, same order, same end of input (a batch with fewer than `max` lines ends it).
 *
 * Lines are as `LineReader` makes them (`LineSplitter` decodes each slice): split at `\n`, a
 * trailing `\r` dropped, a last line without `\n` counted, a UTF-8 byte-order mark at the
 * start dropped. A line that is not text (longer than `maxRecordBytes`, or not valid
 * UTF-8) is recognised by every reader while scanning, so all agree on which lines make a
 * batch of `max` lines. Each line goes through the source's `LineFormat` (`batchByLines`:
 * a batch is `max` text lines, whatever records they give), so a line format that drops
 * or rejects lines (JSON lines) gives the same records and the same dead letters (origin
 * `<path>:<line>`, reason) as the whole-file reader. Each slice owns the lines from the one
 * after the previous slice's last text line to its own last one (the last slice also the
 * lines after the batch's last text line), and sends the dead letters of those lines, in
 * line order: the dead letters of all slices, in slice order, are the whole-file reader's.
 * The position is the number of lines of the batches read, the same for every slice and
 * the same as a whole-file reader's.
 *
 * @module
 * @internal
 */
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { RuntimeError } from '../../errors.js';
import { sliceBounds, type PollResult, type SourceReader, type SourceSlice } from '../connector.js';
import { LineSplitter, type Line } from './line-splitter.js';
import { NONE, type LineFormat } from './lines.js';

/**
 * Bytes `[offset, offset + length)` of an open file, fewer when the file ends first; read
 * into `into` when given (at least `length` bytes: the result is a view of it, valid until
 * it is reused), else into a new buffer.
 *
 * @example
 * ```ts
 * const header = await readAt(fh, 0, 4);
 * ```
 * @internal
 */
export async function readAt(fh: FileHandle, offset: number, length: number, into?: Buffer): Promise<Buffer> {
  const bytes = into ?? Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(bytes, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return bytes.subarray(0, got);
}

/** Bytes read at a time while scanning for line ends. */
const CHUNK = 1024 * 1024;

/** Which slice of every batch a reader takes: index (0-based) and count, and the runtime's bounds when it balances the slices. */
export type LineSlice = Pick<SourceSlice, 'index' | 'count' | 'bounds'>;

/**
 * Reads slice `slice` of every batch of `path`'s lines, through `format`.
 *
 * @example
 * ```ts
 * const r = new LineSliceReader('textFile', 'words.txt', { index: 1, count: 2 }, 4 * 2 ** 20, textLineFormat(ctx, 'words.txt'));
 * const { records, done } = await r.poll(20_000); // the second half of the first 20 000 lines
 * ```
 * @internal
 */
export class LineSliceReader<T> {
  private fh?: FileHandle;
  /**
   * What the scan holds: `buf` is a view of `store`, which is reused from chunk to chunk (a
   * new buffer for every chunk and every batch's slice adds up to twice the file in external
   * memory, and V8 answers each 64 MiB of it with a full collection).
   */
  private store = Buffer.alloc(0);
  private buf = Buffer.alloc(0);
  /** Reused for the bytes of this slice of a batch (the decoded lines are copies). */
  private sliceBytes = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private bufStart = 0;
  /** File offset where the next line starts. */
  private at = 0;
  private fileEnd = false;
  private lines = 0;
  /** Start and end offsets, and line numbers, of the text lines of the batch being cut. */
  private starts = new Float64Array(0);
  private ends = new Float64Array(0);
  private numbers = new Float64Array(0);
  /** Bytes up to this file offset are known to be valid UTF-8. */
  private validTo = 0;
  /** Bytes up to this file offset were checked as one block. */
  private checkedTo = 0;
  private opened = false;

  constructor(
    private readonly connector: string,
    private readonly path: string,
    private readonly slice: LineSlice,
    private readonly maxRecordBytes: number,
    private readonly format: LineFormat<T>,
  ) {}

  /** Lines of the batches read so far (every slice reports the same). */
  get position(): number {
    return this.lines;
  }

  private async openFile(): Promise<void> {
    this.opened = true;
    try {
      this.fh = await open(this.path, 'r');
    } catch (e) {
      throw new RuntimeError(`${this.connector}: cannot read ${this.path}: ${(e as Error).message}`, { location: this.path });
    }
    await this.more();
    if (this.buf.length >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.at = 3;
  }

  /** Reads the next chunk after what `buf` holds, dropping what lies before `at`; false at end of file. */
  private async more(): Promise<boolean> {
    if (this.fileEnd) return false;
    const keep = this.buf.subarray(Math.max(0, this.at - this.bufStart));
    let next = this.store;
    // Grows for a long line; after one, goes back to a small buffer rather than keep its size.
    if (next.length < keep.length + CHUNK || (next.length > 4 * CHUNK && keep.length + CHUNK <= next.length / 4)) {
      next = Buffer.allocUnsafe(next.length < keep.length + CHUNK ? Math.max(keep.length + CHUNK, 2 * next.length) : keep.length + CHUNK);
    }
    keep.copy(next, 0); // within one buffer an overlapping copy, which Buffer#copy allows
    this.store = next;
    const from = this.bufStart + this.buf.length;
    let n: number;
    try {
      ({ bytesRead: n } = await this.fh!.read(next, keep.length, CHUNK, from));
    } catch (e) {
      throw new RuntimeError(`${this.connector}: cannot read ${this.path}: ${(e as Error).message}`, { location: this.path });
    }
    this.bufStart = from - keep.length;
    this.buf = next.subarray(0, keep.length + n);
    if (n === 0) this.fileEnd = true;
    return n > 0;
  }

  /** Where the line at `at` ends when the buffer holds its `\n`: the offset after it; else -1. Synchronous: the per-line path of `poll`. */
  private lineEndInBuffer(): number {
    const i = this.buf.indexOf(10, this.at - this.bufStart);
    if (i < 0) return -1;
    if (this.bufStart + i >= this.checkedTo) {
      // One check for every whole line the buffer holds from here (lines end at '\n', a character
      // boundary); when it fails, isRecord checks those lines one by one.
      const last = this.buf.lastIndexOf(10);
      this.checkedTo = this.bufStart + last + 1;
      if (isUtf8(this.buf.subarray(this.at - this.bufStart, last))) this.validTo = this.checkedTo;
    }
    return this.bufStart + i + 1;
  }

  /** Finds where the line at `at` ends, reading more of the file as needed; returns the offset after its `\n` (or the end of file), or -1 when no line is left. */
  private async lineEnd(): Promise<number> {
    let searchFrom = this.at - this.bufStart;
    for (;;) {
      if (this.buf.indexOf(10, searchFrom) >= 0) return this.lineEndInBuffer();
      searchFrom = this.buf.length;
      const before = this.bufStart;
      if (!(await this.more())) {
        const end = this.bufStart + this.buf.length;
        return end > this.at ? end : -1;
      }
      searchFrom -= this.bufStart - before;
    }
  }

  /** Skips `n` lines (a resume); false when the file has fewer. */
  async skip(n: number): Promise<boolean> {
    if (!this.opened) await this.openFile();
    while (this.lines < n) {
      const end = await this.lineEnd();
      if (end < 0) return false;
      this.at = end;
      this.lines++;
    }
    return true;
  }

  /** Whether the line `[from, end)` (with its `\n`) is a record: not longer than maxRecordBytes, valid UTF-8. */
  private isRecord(from: number, end: number): boolean {
    let e = end;
    const buf = this.buf;
    const base = this.bufStart;
    if (e > from && buf[e - 1 - base] === 10) e--;
    if (e > from && buf[e - 1 - base] === 13) e--;
    if (e - from > this.maxRecordBytes) return false;
    return end <= this.validTo || isUtf8(this.buf.subarray(from - this.bufStart, e - this.bufStart));
  }

  /** The next batch of up to `max` text lines, the records of this reader's slice of it. */
  async poll(max: number): Promise<PollResult<T>> {
    if (!this.opened) await this.openFile();
    if (this.starts.length < max) { this.starts = new Float64Array(max); this.ends = new Float64Array(max); this.numbers = new Float64Array(max); }
    const { starts, ends, numbers } = this;
    const batchFrom = this.at;
    const firstLine = this.lines + 1;
    let n = 0;
    let done = false;
    while (n < max) {
      const from = this.at;
      let end = this.lineEndInBuffer();
      if (end < 0) end = await this.lineEnd();
      if (end < 0) { done = true; break; }
      this.lines++;
      // lineEnd may have moved the buffer, but never past `from`.
      if (this.isRecord(from, end)) { starts[n] = from; ends[n] = end; numbers[n++] = this.lines; }
      this.at = end;
    }
    const { index, count } = this.slice;
    const [a, b] = sliceBounds(n, this.slice);
    // This slice's lines: after the previous slice's last text line, up to its own last one (the last slice: to the batch's end).
    const from = a === 0 ? batchFrom : ends[a - 1];
    const to = index === count - 1 ? this.at : a === b ? from : ends[b - 1];
    if (from >= to) return { records: [], done };
    return { records: await this.decode(from, to, a === 0 ? firstLine : numbers[a - 1] + 1), done };
  }

  /** Reads `[from, to)` (whose first line is line `lineNo`), splits it as the whole-file reader does and puts each line through the format. */
  private async decode(from: number, to: number, lineNo: number): Promise<T[]> {
    const lines: Line[] = [];
    const splitter = new LineSplitter(this.maxRecordBytes);
    if (this.sliceBytes.length < to - from) this.sliceBytes = Buffer.allocUnsafe(to - from);
    splitter.push(await readAt(this.fh!, from, to - from, this.sliceBytes), lines);
    splitter.end(lines);
    const records: T[] = [];
    for (const line of lines) {
      if (typeof line === 'string') {
        const r = this.format.line(line, lineNo);
        if (r !== NONE) records.push(r);
      } else {
        this.format.bad({ ...line, offset: line.offset + from }, lineNo);
      }
      lineNo++;
    }
    return records;
  }

  async close(): Promise<void> {
    this.fileEnd = true;
    await this.fh?.close();
    this.fh = undefined;
  }
}

/**
 * A reader of slice `slice` of `path`'s lines through `format`, resuming after
 * `resumeFrom` lines (a position of this or of a whole-file reader).
 *
 * @example
 * ```ts
 * const r = openLineSlice('textFile', 'words.txt', { index: 0, count: 2 }, 4 * 2 ** 20, textLineFormat(ctx, 'words.txt'), 40_000);
 * ```
 * @internal
 */
export function openLineSlice<T>(connector: string, path: string, slice: LineSlice, maxRecordBytes: number, format: LineFormat<T>, resumeFrom: unknown): SourceReader<T> {
  if (!format.batchByLines) throw new RuntimeError(`${connector}: ${path} cannot be read in slices: its batches are not cut by lines`, { location: path });
  const skip = typeof resumeFrom === 'number' ? resumeFrom : 0;
  const reader = new LineSliceReader(connector, path, slice, maxRecordBytes, format);
  let started = skip === 0;
  return {
    async poll(max) {
      if (!started) {
        started = true;
        if (!(await reader.skip(skip))) {
          throw new RuntimeError(`${connector}: cannot resume ${path} after line ${skip}: the file has only ${reader.position} lines`, { location: path }, 'the file changed since the checkpoint; start without resuming');
        }
      }
      return reader.poll(max);
    },
    position: () => (started ? reader.position : skip),
    close: () => reader.close(),
  };
}
