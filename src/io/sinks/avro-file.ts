import avro from 'avsc';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { preview, RuntimeError } from '../../errors.js';
import type { Schema } from '../../schema/schema.js';
import type { Sink } from '../connector.js';
import { avroFile as avroFileSource } from '../sources/avro-file.js';
import { committedParts, partFileSink } from './part-files.js';

/**
 * Writes every batch as an Avro object container file into the directory `path`, with
 * the same atomic commit as `Sinks.jsonLines`: `part-<batch time, 13 digits>.avro` per
 * non-empty batch (temp file, fsync, rename), then a line in `_manifest.jsonl`; a batch
 * time already committed is skipped. Every record is checked against `schema` first; one
 * that does not fit fails the batch, naming the field, and nothing of the batch is
 * committed. `codec` is the block compression (`null`, the default, or `deflate`). The
 * files' sync marker is derived from the schema, so the same batch is always the same
 * bytes.
 *
 * @example
 * ```ts
 * import { S, Sinks } from 'sluice';
 * const Reading = S.record('Reading', { sensor: S.string(), ts: S.timestampMillis(), celsius: S.double() });
 * readings.to(Sinks.avroFile('out/readings', Reading));
 * ```
 * @category Connectors
 */
export function avroFile<T>(path: string, schema: Schema<T>, opts: { codec?: 'null' | 'deflate' } = {}): Sink<T> {
  const codec = opts.codec ?? 'null';
  // A sync marker fixed by the schema (not a random one): a batch written again after a crash is the same bytes.
  const syncMarker = createHash('sha256').update(JSON.stringify(schema.avro)).digest().subarray(0, 16);
  return partFileSink<T>({ type: 'avroFile', path, codec, schema: schema.avro }, 'avro', async (records, file) => {
    for (const r of records) {
      const why = schema.check(r);
      if (why !== undefined) throw new RuntimeError(`avroFile ${path}: record ${preview(r)} does not match the schema: ${why}`, { location: path });
    }
    const encoder = new avro.streams.BlockEncoder(schema.avroType(), { codec, syncMarker });
    const chunks: Buffer[] = [];
    encoder.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve, reject) => { encoder.on('end', resolve); encoder.on('error', reject); });
    for (const r of records) encoder.write(r);
    encoder.end();
    await ended;
    await file.writeFile(Buffer.concat(chunks));
  }, schema);
}

/**
 * Every record of the committed parts of an {@link avroFile} sink directory, in batch
 * order, read with `schema` as reader schema when given.
 *
 * @example
 * ```ts
 * // test/io or an example, next to the pipeline that wrote out/readings:
 * const readings = await readAvroDir('out/readings', Reading);
 * ```
 * @category Connectors
 */
export async function readAvroDir<T = unknown>(path: string, schema?: Schema<T>): Promise<T[]> {
  const out: T[] = [];
  for (const part of committedParts(path)) {
    const file = join(path, part.file);
    const reader = avroFileSource(file, schema).open({
      operator: 'readAvroDir',
      deadLetter: (origin, reason) => { throw new RuntimeError(`${origin}: ${reason}`, { location: file }); },
    });
    for (let r = await reader.poll(10_000, true); ; r = await reader.poll(10_000, true)) {
      out.push(...r.records);
      if (r.done) break;
    }
    await reader.close();
  }
  return out;
}
