/**
 * Splits a byte stream into lines in time linear in its length, whatever the line
 * lengths, holding at most one record's worth of bytes (`maxRecordBytes`) of a line that
 * goes on over chunks. A line longer than that, or one that is not valid UTF-8, comes out
 * as a {@link BadLine} (its origin, a reason, and a preview or its bytes in base64) instead
 * of text, and splitting goes on with the next line.
 *
 * @module
 * @internal
 */
import { isUtf8 } from 'node:buffer';

/** The default most bytes one record (a line; a CSV record over several lines) may have: 4 MiB. @internal */
export const DEFAULT_MAX_RECORD_BYTES = 4 * 2 ** 20;

/** Bytes of a too-long record kept as its preview. */
const PREVIEW_BYTES = 1024;

const LF = 0x0a;
/**
 * Bytes of whole lines decoded and split at once: the whole-file readers' chunk size, so a
 * batch read in slices (one chunk of several MiB) gives strings of the same shape.
 */
const BLOCK_BYTES = 64 * 1024;
const CR = 0x0d;

/**
 * A line that cannot be handed out as text.
 *
 * @example
 * ```ts
 * const bad: BadLine = { offset: 120, reason: 'invalid UTF-8 at byte 3 of the line; raw holds the line\'s bytes in base64', raw: 'YWL/Yw==' };
 * ```
 * @internal
 */
export interface BadLine {
  /** Byte offset of the line's first byte in the stream. */
  readonly offset: number;
  /** Why it is not text, e.g. `record of 52428800 bytes is longer than maxRecordBytes (4194304); raw holds its first 1024 bytes`. */
  readonly reason: string;
  /** What the dead letter keeps: a preview (valid UTF-8 text) or, for invalid UTF-8, the bytes in base64. */
  readonly raw: string;
}

/** A line as text, or a line that went wrong. @example `typeof l === 'string' ? use(l) : deadLetter(l)` @internal */
export type Line = string | BadLine;

/**
 * Checks a `maxRecordBytes` option: a positive integer, or the default when absent.
 *
 * @example
 * ```ts
 * recordLimit('textFile data.txt', undefined); // 4194304
 * ```
 * @internal
 */
export function recordLimit(where: string, max: unknown): number {
  if (max === undefined) return DEFAULT_MAX_RECORD_BYTES;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    throw new RangeError(`${where}: maxRecordBytes must be a positive integer (bytes), got ${String(max)}`);
  }
  return max;
}

/** What a dead letter keeps of a preview: the text when it is valid UTF-8, else the bytes in base64 (nothing silently altered). */
function rawOf(bytes: Buffer): { raw: string; base64: boolean } {
  return isUtf8(bytes) ? { raw: bytes.toString('utf8'), base64: false } : { raw: bytes.toString('base64'), base64: true };
}

/** Index of the first byte that starts an invalid UTF-8 sequence (a byte-wise scan; only for lines already known to be invalid). */
function firstInvalid(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > b.length || !isUtf8(b.subarray(i, i + n))) return i;
    i += n;
  }
  return b.length;
}

/** The first `n` bytes of `b` cut back to a whole UTF-8 character. */
function headOf(b: Buffer, n: number): Buffer {
  if (b.length <= n) return b;
  let end = n;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--; // do not cut inside a character
  return b.subarray(0, end);
}

/**
 * The splitter. Feed it chunks with {@link LineSplitter.push} and finish with
 * {@link LineSplitter.end}; each appends the lines it completed to `out`. Lines end at
 * `\n`, a trailing `\r` is dropped (unless `keepCR`), a last line without a newline still counts and (with
 * `bom`) a UTF-8 byte-order mark at the start is dropped.
 *
 * @example
 * ```ts
 * const s = new LineSplitter(4 * 2 ** 20, true);
 * const out: Line[] = [];
 * s.push(Buffer.from('a\nb'), out); s.end(out); // out: ['a', 'b']
 * ```
 * @internal
 */
export class LineSplitter {
  /** Pieces of the line that goes on into the next chunk (none once it is too long). */
  private pieces: Buffer[] = [];
  /** Bytes of that line so far (all of them, kept or not). */
  private partialBytes = 0;
  /** Its first bytes, kept once it is known to be too long. */
  private preview: Buffer | undefined;
  /** Stream offset of the first byte of the chunk being pushed. */
  private offset = 0;
  /** Stream offset of the first byte of the line that goes on. */
  private lineStart = 0;
  /** Its last byte so far (a `\r` there is not part of the line). */
  private lastByte = 0;
  private atStart: boolean;

  /** With `keepCR` a trailing `\r` stays on the line (CSV keeps it inside a quoted field). */
  constructor(private readonly maxRecordBytes: number, bom = false, private readonly keepCR = false) {
    this.atStart = bom;
  }

  /** Splits one chunk; lines it completes are appended to `out`. */
  push(chunk: Buffer, out: Line[]): void {
    let start = 0;
    if (this.atStart) {
      this.atStart = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3; // spreadsheet exports
    }
    const first = chunk.indexOf(LF, start);
    if (first < 0) {
      this.append(chunk, start, chunk.length);
    } else {
      if (this.partialBytes > 0) {
        this.append(chunk, start, first);
        this.flush(out);
        start = first + 1;
      }
      const last = chunk.lastIndexOf(LF);
      if (last >= start) this.lines(chunk, start, last, out);
      this.append(chunk, last + 1, chunk.length);
    }
    this.offset += chunk.length;
  }

  /** Ends the stream: a last line without a newline still counts. */
  end(out: Line[]): void {
    if (this.partialBytes > 0) this.flush(out);
  }

  /** Adds bytes `[s, e)` of `chunk` to the line that goes on. */
  private append(chunk: Buffer, s: number, e: number): void {
    if (e <= s) return;
    const n = e - s;
    if (this.partialBytes === 0) this.lineStart = this.offset + s;
    this.lastByte = chunk[e - 1];
    // One byte of room for a `\r` that is dropped; `one()` checks the line itself.
    if (this.preview === undefined && this.partialBytes + n > this.maxRecordBytes + (this.keepCR ? 0 : 1)) {
      const all = [...this.pieces, chunk.subarray(s, e)];
      this.preview = Buffer.from(headOf(Buffer.concat(all, Math.min(this.partialBytes + n, PREVIEW_BYTES + 4)), PREVIEW_BYTES));
      this.pieces = [];
    } else if (this.preview === undefined) {
      this.pieces.push(chunk.subarray(s, e));
    }
    this.partialBytes += n;
  }

  /** Hands out the line made of the pieces. */
  private flush(out: Line[]): void {
    const at = this.lineStart;
    if (this.preview !== undefined) {
      const cr = this.lastByte === CR && !this.keepCR ? 1 : 0;
      const bytes = this.partialBytes - cr;
      out.push(this.tooLong(at, bytes, this.preview.length > bytes ? this.preview.subarray(0, bytes) : this.preview));
    } else {
      const b = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.partialBytes);
      out.push(this.one(b, 0, b.length, at));
    }
    this.pieces = [];
    this.preview = undefined;
    this.partialBytes = 0;
  }

  /**
   * The whole lines in `chunk[s, e)` (separated by `\n`, `e` at a `\n`), a block of whole
   * lines at a time: a block of at most {@link BLOCK_BYTES} (and maxRecordBytes) that is valid
   * UTF-8 is decoded once and split, so no line in it can be too long; a block that is not
   * valid, or a line longer than a block, is split line by line (`one` checks each line).
   */
  private lines(chunk: Buffer, s: number, e: number, out: Line[]): void {
    const block = Math.min(this.maxRecordBytes, BLOCK_BYTES);
    for (let a = s; a <= e; ) {
      const cut = e - a <= block ? e : chunk.lastIndexOf(LF, a + block);
      if (cut >= a && isUtf8(chunk.subarray(a, cut))) {
        this.text(chunk, a, cut, out);
        a = cut + 1;
        continue;
      }
      // Line by line up to the block's end (each line checked once), or the one line longer than a block.
      const to = cut >= a ? cut : Math.min(e, chunk.indexOf(LF, a));
      for (; a <= to; ) {
        let b = chunk.indexOf(LF, a);
        if (b < 0 || b > e) b = e;
        out.push(this.one(chunk, a, b, this.offset + a));
        a = b + 1;
      }
    }
  }

  /** The lines of `chunk[s, e)`, known to be valid UTF-8 and shorter than maxRecordBytes: one decode, one split. */
  private text(chunk: Buffer, s: number, e: number, out: Line[]): void {
    const parts = chunk.toString('utf8', s, e).split('\n');
    if (this.keepCR) { for (let i = 0; i < parts.length; i++) out.push(parts[i]); return; }
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      out.push(p.charCodeAt(p.length - 1) === 13 ? p.slice(0, -1) : p);
    }
  }

  /** Line `chunk[s, e)` (without its `\n`) that starts at stream offset `at`. */
  private one(chunk: Buffer, s: number, e: number, at: number): Line {
    if (e > s && chunk[e - 1] === CR && !this.keepCR) e--;
    const n = e - s;
    if (n > this.maxRecordBytes) return this.tooLong(at, n, headOf(chunk.subarray(s, e), PREVIEW_BYTES));
    const line = chunk.subarray(s, e);
    if (isUtf8(line)) return line.toString('utf8');
    const bad = firstInvalid(line);
    return { offset: at, reason: `invalid UTF-8 at byte ${bad} of the line; raw holds the line's ${n} bytes in base64`, raw: line.toString('base64') };
  }

  private tooLong(at: number, bytes: number, head: Buffer): BadLine {
    const { raw, base64 } = rawOf(head);
    return { offset: at, reason: `record of ${bytes} bytes is longer than maxRecordBytes (${this.maxRecordBytes}); raw holds its first ${head.length} bytes${base64 ? ' in base64 (they are not valid UTF-8)' : ''}`, raw };
  }
}
