/**
 * An Avro object container file read in slices, one per partition: each batch of `max`
 * records is cut into `count` contiguous slices (as a line file is, `line-slices.ts`), and
 * the reader of slice `index` decompresses and decodes only the blocks that hold its
 * records. Every reader scans the block headers (a record count, a byte size and the sync
 * marker after the block, checked), none decodes a block it has no record in; a block
 * across two slices is decoded by both. The slices of one batch, concatenated in slice
 * order, are the batch the whole-file reader returns: same records, same dead letters
 * (origin `<path>#<record number>`), same end of input. The position is the number of
 * records of the batches read, the same for every slice and for the whole-file reader.
 *
 * @module
 * @internal
 */
import avro from 'avsc';
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { RuntimeError } from '../../errors.js';
import { sliceBounds, type PollResult, type SourceReader, type SourceSlice } from '../connector.js';
import { readAt } from './line-slices.js';
import { NONE } from './lines.js';

/** What the reader makes of one decoded record (`NONE`: dropped, e.g. a dead letter), given its 1-based record number. */
export type AvroRecordFormat<T> = (value: unknown, recordNumber: number) => T | typeof NONE;

/** How a slice reader decodes the file's records: the writer type and, with a reader schema, the resolver to it. */
export interface AvroReading {
  /** The reader type when a schema is given, else none (records as the writer schema says). */
  readonly readerType?: avro.Type;
  /** Called with the writer type; returns the resolver from it to `readerType`, or throws naming why it cannot be read. */
  resolve?(writer: avro.Type): unknown;
}

const MAGIC = Buffer.from('Obj\x01', 'latin1');
const META = avro.Type.forSchema({ type: 'map', values: 'bytes' });

/** One block of the file: where its data starts, its records and their first record's index (0-based, in the file). */
interface Block {
  readonly data: number;
  readonly size: number;
  readonly count: number;
  readonly first: number;
}

/** A zigzag varint long at `buf[pos]`: its value and the offset after it, or undefined when `buf` ends first. */
function readLong(buf: Buffer, pos: number): { value: number; next: number } | undefined {
  let n = 0;
  let mul = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i];
    n += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) return { value: n % 2 === 0 ? n / 2 : -(n + 1) / 2, next: i + 1 };
  }
  return undefined;
}

/**
 * Reads slice `slice` of every batch of the Avro file `path`.
 *
 * @example
 * ```ts
 * const r = new AvroSliceReader('data.avro', { index: 1, count: 2 }, {}, (v) => v);
 * const { records, done } = await r.poll(1000); // the second half of the first 1000 records
 * ```
 * @internal
 */
export class AvroSliceReader<T> {
  private fh?: FileHandle;
  private fileSize = 0;
  private sync = Buffer.alloc(0);
  private codec = 'null';
  private type?: avro.Type;
  private resolver?: unknown;
  /** Blocks scanned and not yet wholly read, in file order. */
  private blocks: Block[] = [];
  /** File offset of the next block header to scan. */
  private scanAt = 0;
  /** Records in the blocks scanned so far. */
  private scanned = 0;
  private eof = false;
  /** The last block decoded (the next batch's slice may start in it). */
  private decoded?: { block: Block; values: unknown[] };

  constructor(
    private readonly path: string,
    private readonly slice: Pick<SourceSlice, 'index' | 'count' | 'bounds'>,
    private readonly reading: AvroReading,
    private readonly format: AvroRecordFormat<T>,
    /** Records of the batches read (every slice the same): where the next batch starts. */
    private at = 0,
  ) {}

  get position(): number {
    return this.at;
  }

  private fail(why: string): RuntimeError {
    return new RuntimeError(`avroFile: ${this.path}: ${why}`, { location: this.path });
  }

  private read(offset: number, length: number): Promise<Buffer> {
    return readAt(this.fh!, offset, length);
  }

  private async openFile(): Promise<void> {
    try {
      this.fh = await open(this.path, 'r');
      this.fileSize = (await this.fh.stat()).size;
    } catch (e) {
      throw this.fail(`cannot read it: ${(e as Error).message}`);
    }
    let head = await this.read(0, Math.min(this.fileSize, 64 * 1024));
    if (head.length < 4 && MAGIC.subarray(0, head.length).equals(head)) throw this.fail('not a valid Avro object container file: the file ends before the end of its header');
    if (!head.subarray(0, 4).equals(MAGIC)) throw this.fail('not a valid Avro object container file: invalid magic bytes');
    let meta: { value: Record<string, Buffer>; offset: number } = { value: {}, offset: -1 };
    for (;;) {
      meta = META.decode(head, 4) as typeof meta;
      if (meta.offset >= 0 && meta.offset + 16 <= head.length) break;
      if (head.length >= this.fileSize) throw this.fail('not a valid Avro object container file: the file ends before the end of its header');
      head = await this.read(0, Math.min(this.fileSize, head.length * 4));
    }
    this.sync = Buffer.from(head.subarray(meta.offset, meta.offset + 16));
    this.scanAt = meta.offset + 16;
    this.codec = meta.value['avro.codec']?.toString() || 'null';
    if (this.codec !== 'null' && this.codec !== 'deflate') throw this.fail(`not a valid Avro object container file: unknown codec: ${this.codec}`);
    let writer: avro.Type;
    try {
      writer = avro.Type.forSchema(JSON.parse(meta.value['avro.schema']?.toString() ?? 'null'));
    } catch (e) {
      throw this.fail(`not a valid Avro object container file: ${(e as Error).message}`);
    }
    this.type = this.reading.readerType ?? writer;
    this.resolver = this.reading.resolve?.(writer);
  }

  /** Scans the next block header and checks its sync marker; false at the end of the file. */
  private async scanBlock(): Promise<boolean> {
    if (this.scanAt >= this.fileSize) { this.eof = true; return false; }
    const head = await this.read(this.scanAt, 20);
    const count = readLong(head, 0);
    const size = count && readLong(head, count.next);
    if (!count || !size || count.value < 0 || size.value < 0) throw this.fail(`not a valid Avro object container file: a block header at byte ${this.scanAt} is cut short or corrupt`);
    const data = this.scanAt + size.next;
    if (data + size.value + 16 > this.fileSize) throw this.fail(`not a valid Avro object container file: the file ends inside a block (block at byte ${this.scanAt}; truncated?)`);
    const sync = await this.read(data + size.value, 16);
    if (!sync.equals(this.sync)) throw this.fail(`not a valid Avro object container file: invalid sync marker after the block at byte ${this.scanAt}`);
    this.blocks.push({ data, size: size.value, count: count.value, first: this.scanned });
    this.scanned += count.value;
    this.scanAt = data + size.value + 16;
    return true;
  }

  /** The records of a block, decoded (the last one is kept). */
  private async values(block: Block): Promise<unknown[]> {
    if (this.decoded?.block === block) return this.decoded.values;
    let buf = await this.read(block.data, block.size);
    if (this.codec === 'deflate') {
      try { buf = inflateRawSync(buf); } catch (e) { throw this.fail(`not a valid Avro object container file: ${(e as Error).message}`); }
    }
    const values: unknown[] = new Array(block.count);
    let pos = 0;
    for (let i = 0; i < block.count; i++) {
      const r = this.type!.decode(buf, pos, this.resolver as never);
      if (r.offset < 0) throw this.fail(`not a valid Avro object container file: truncated block (block of ${block.count} records at byte ${block.data})`);
      values[i] = r.value;
      pos = r.offset;
    }
    this.decoded = { block, values };
    return values;
  }

  /** The next batch of up to `max` records, this reader's slice of it. */
  async poll(max: number): Promise<PollResult<T>> {
    if (!this.fh) await this.openFile();
    while (!this.eof && this.scanned < this.at + max) await this.scanBlock();
    const n = Math.min(max, this.scanned - this.at);
    if (n < 0) throw this.fail(`cannot resume after record ${this.at}: the file has only ${this.scanned} records`);
    const [from, to] = sliceBounds(n, this.slice);
    const a = this.at + from;
    const b = this.at + to;
    const records: T[] = [];
    for (const block of this.blocks) {
      if (block.first >= b) break;
      if (block.first + block.count <= a) continue;
      const values = await this.values(block);
      for (let i = Math.max(a, block.first); i < Math.min(b, block.first + block.count); i++) {
        const r = this.format(values[i - block.first], i + 1);
        if (r !== NONE) records.push(r);
      }
    }
    this.at += n;
    this.blocks = this.blocks.filter((x) => x.first + x.count > this.at);
    const done = this.eof && this.scanned === this.at;
    if (done) await this.close();
    return { records, done };
  }

  async close(): Promise<void> {
    this.decoded = undefined;
    await this.fh?.close();
    this.fh = undefined;
    this.eof = true;
  }
}

/**
 * A reader of slice `slice` of the Avro file `path`, resuming after `resumeFrom` records (a
 * position of this or of a whole-file reader).
 *
 * @example
 * ```ts
 * const r = openAvroSlice('data.avro', { index: 0, count: 2 }, {}, (v) => v, 4000);
 * ```
 * @internal
 */
export function openAvroSlice<T>(path: string, slice: SourceSlice, reading: AvroReading, format: AvroRecordFormat<T>, resumeFrom: unknown): SourceReader<T> {
  const reader = new AvroSliceReader(path, slice, reading, format, typeof resumeFrom === 'number' ? resumeFrom : 0);
  return {
    poll: (max) => reader.poll(max),
    position: () => reader.position,
    close: () => reader.close(),
  };
}
