import avro from 'avsc';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { RuntimeError } from '../../errors.js';
import { avroName, type Schema } from '../../schema/schema.js';
import type { Source, SourceContext, SourceReader } from '../connector.js';
import { openAvroSlice, type AvroRecordFormat } from './avro-slices.js';
import { NONE, requireExisting, schemaFitter } from './lines.js';

/** An avsc value as plain data: record instances become plain objects; Buffers stay. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (!v || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

/**
 * What a record of the file becomes: plain data, checked against `schema` when there is one
 * (a record that does not fit goes to the dead letters as `<path>#<record number>`).
 */
function recordFormat<T>(ctx: SourceContext, path: string, schema?: Schema<T>): AvroRecordFormat<T> {
  const fit = schema && schemaFitter(ctx, schema);
  return (v, recordNumber) => {
    const value = plain(v);
    if (!fit) return value as T;
    return fit(value, `${path}#${recordNumber}`, () => JSON.stringify(value, (_k, x) => (x && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('base64') : x)));
  };
}

/**
 * Why a decoder that reached the end of its input did not end cleanly: avsc's
 * BlockDecoder ends quietly on a file cut short, so look at what it was left holding
 * (internals of avsc 5.7, pinned in package.json).
 */
function cutShort(decoder: object): string | undefined {
  const d = decoder as { _syncMarker?: Buffer | null; _tap?: { buf: Buffer; pos: number } };
  if (!('_syncMarker' in d) || !d._tap) return undefined;
  if (!d._syncMarker) return 'the file ends before the end of its header';
  if (d._tap.buf.length > d._tap.pos) return `the file ends inside a block (${d._tap.buf.length - d._tap.pos} bytes left over; truncated?)`;
  return undefined;
}

/**
 * Records of an Avro object container file, decoded as a stream (avsc `BlockDecoder`,
 * paused whenever a batch is full, so memory stays bounded). Bounded.
 *
 * Without `schema` the records come as the writer schema describes them (plain objects;
 * optional fields as `null`). With `schema` it is the reader schema: the file's writer
 * schema is resolved against it (Avro schema resolution: added fields with defaults,
 * promoted numbers, ...), and every record is checked and converted by
 * `schema.fromJSON`; a record that does not fit goes to the dead-letter output with origin
 * `<path>#<record number>`. A missing file, a file that is not an Avro container, a
 * corrupt block or a writer schema that cannot be read as `schema` fails the run with a
 * `RuntimeError` naming the path. A batch is `maxBatchSize` records of the file (those
 * sent to the dead letters count), and `position()` is the number of records consumed. The
 * cluster runtime reads the file in slices, one per partition: every partition scans the
 * block headers and decodes only the blocks that hold its share of each batch (codecs
 * `null` and `deflate`, as the whole-file reader).
 *
 * @example
 * ```ts
 * import { Pipeline, S, Sources, seconds } from 'sluice';
 * const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
 * const p = Pipeline.create('avro', { batchInterval: seconds(1) });
 * p.source(Sources.avroFile('data/readings.avro', Reading)).map((r) => r.celsius).print();
 * await p.run();
 * ```
 * @category Connectors
 */
export function avroFile<T = unknown>(path: string, schema?: Schema<T>): Source<T> {
  return {
    spec: { type: 'avroFile', bounded: true, path },
    ...(schema ? { schema } : {}),
    open(ctx, resumeFrom): SourceReader<T> {
      requireExisting('avroFile', path);
      const skip = typeof resumeFrom === 'number' ? resumeFrom : 0;
      const format = recordFormat(ctx, path, schema);
      const readerName = schema && avroName(schema.avro);
      let unreadable: string | undefined;
      const fail = (why: string) => new RuntimeError(`avroFile: ${path}: ${why}`, { operator: ctx.operator, location: path });
      let decoder: InstanceType<typeof avro.streams.BlockDecoder> | undefined;
      let records: AsyncIterator<unknown> | undefined;
      let count = 0;
      let done = false;
      const next = async (): Promise<IteratorResult<unknown>> => {
        if (!records) {
          decoder = new avro.streams.BlockDecoder({
            ...(schema ? { readerSchema: schema.avroType() } : {}),
            // Called with the writer schema before any record: say clearly when it cannot be read as `schema`.
            parseHook: (writer) => {
              const w = avro.Type.forSchema(writer);
              if (schema) {
                try { schema.avroType().createResolver(w); } catch (e) { unreadable = (e as Error).message; throw e; }
              }
              return w;
            },
          });
          // pipeline() destroys the decoder when the file stream fails, so read errors surface below.
          pipeline(createReadStream(path), decoder, () => {});
          records = decoder[Symbol.asyncIterator]();
        }
        let n: IteratorResult<unknown>;
        try {
          n = await records.next();
        } catch (e) {
          throw fail(unreadable !== undefined
            ? `its writer schema cannot be read as ${readerName}: ${unreadable}`
            : `not a valid Avro object container file: ${(e as Error).message}`);
        }
        if (n.done) {
          const truncated = cutShort(decoder!);
          if (truncated) throw fail(`not a valid Avro object container file: ${truncated}`);
        }
        return n;
      };
      return {
        async poll(max) {
          const out: T[] = [];
          while (!done && count < skip) {
            if ((await next()).done) throw new RuntimeError(`avroFile: cannot resume ${path} after record ${skip}: the file has only ${count} records`, { operator: ctx.operator, location: path });
            count++;
          }
          // A batch is `max` records of the file, those sent to the dead letters included (as a line file's is `max` lines).
          for (let read = 0; !done && read < max; read++) {
            const n = await next();
            if (n.done) { done = true; break; }
            count++;
            const r = format(n.value, count);
            if (r !== NONE) out.push(r);
          }
          if (done) decoder?.destroy();
          return { records: out, done };
        },
        position: () => Math.max(count, skip),
        close() { decoder?.destroy(); },
      };
    },
    // Its slices may be uneven: openSlice cuts with sliceBounds (the cluster balances them).
    weightedSlices: true,
    // Read in parallel by the cluster runtime: each partition decodes the blocks of its slice of every batch.
    openSlice(ctx, slice, resumeFrom) {
      requireExisting('avroFile', path);
      const readerName = schema && avroName(schema.avro);
      const resolve = schema && ((writer: avro.Type) => {
        try {
          return schema.avroType().createResolver(writer);
        } catch (e) {
          throw new RuntimeError(`avroFile: ${path}: its writer schema cannot be read as ${readerName}: ${(e as Error).message}`, { operator: ctx.operator, location: path });
        }
      });
      return openAvroSlice(path, slice, schema ? { readerType: schema.avroType(), resolve } : {}, recordFormat(ctx, path, schema), resumeFrom);
    },
  };
}
