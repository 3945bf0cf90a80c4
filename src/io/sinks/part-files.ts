/**
 * The commit protocol of the file sinks (as Spark's file sink): `path` is a directory;
 * each non-empty batch becomes one part file `part-<batch time, 13 digits>.<ext>`,
 * written to a temp file in the same directory, fsynced and renamed into place; then its
 * batch time is appended (and fsynced) to `_manifest.jsonl`. A part counts only once it is
 * in the manifest, and a batch time already there is not written again, so replaying a
 * batch after a crash leaves exactly one copy of it.
 *
 * @module
 * @internal
 */
import { mkdirSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RuntimeError } from '../../errors.js';
import { claimExisting } from '../claim.js';
import type { SinkSpec } from '../../ir/nodes.js';
import type { Schema } from '../../schema/schema.js';
import type { Sink, SinkWriter } from '../connector.js';

/** File name of the manifest of committed batches. @example `join(dir, MANIFEST)` @internal */
const MANIFEST = '_manifest.jsonl';

/** File naming the checkpoint directory of the run that writes the directory (when it keeps one). */
const OWNER = '_checkpoint';

/** Files of a sink directory that the sink wrote: parts, temp parts, the manifest and the owner marker. */
const OURS = /^(part-\d{13}\..+|\.part-.*\.tmp|_manifest\.jsonl|_checkpoint)$/;

/**
 * One line of `_manifest.jsonl`: a committed batch.
 * @example
 * ```ts
 * const e: ManifestEntry = { batchTime: 2000, file: 'part-0000000002000.jsonl', records: 3 };
 * ```
 * @internal
 */
export interface ManifestEntry {
  readonly batchTime: number;
  readonly file: string;
  readonly records: number;
}

/** The part file name of a batch. @example `partName(2000, 'jsonl') // 'part-0000000002000.jsonl'` @internal */
function partName(batchTime: number, ext: string): string {
  return `part-${String(batchTime).padStart(13, '0')}.${ext}`;
}

/**
 * The manifest's entries in file order. A last line without its newline (an append cut
 * short by a crash) does not count; any other unreadable line is an error naming the
 * manifest. `cleanLength` is the byte length up to the last newline when the file does not
 * end with one, else -1.
 *
 * @example
 * ```ts
 * const { entries } = readManifest('out/counts');
 * ```
 * @internal
 */
function readManifest(dir: string): { entries: ManifestEntry[]; cleanLength: number } {
  const file = join(dir, MANIFEST);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], cleanLength: -1 };
    throw new RuntimeError(`cannot read ${file}: ${(e as Error).message}`, { location: file });
  }
  // Only lines ended by a newline count: the newline is written last, in the same append.
  const lines = text.split('\n');
  const torn = lines.pop()!;
  const entries: ManifestEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const e = JSON.parse(line) as ManifestEntry;
      if (typeof e.batchTime !== 'number' || typeof e.file !== 'string') throw new Error('expected { batchTime, file, records }');
      entries.push(e);
    } catch (err) {
      throw new RuntimeError(`${file}:${i + 1}: corrupt manifest line: ${(err as Error).message}`, { location: file });
    }
  });
  return { entries, cleanLength: torn === '' ? -1 : Buffer.byteLength(text) - Buffer.byteLength(torn) };
}

/**
 * The committed parts of a sink directory, one per batch time, in batch-time order.
 *
 * @example
 * ```ts
 * for (const e of committedParts('out/counts')) console.log(e.batchTime, e.file);
 * ```
 * @internal
 */
export function committedParts(dir: string): ManifestEntry[] {
  let isDir = false;
  try { isDir = statSync(dir).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new RuntimeError(`cannot read sink output ${dir}: no such directory`, { location: dir });
  const byTime = new Map<number, ManifestEntry>();
  for (const e of readManifest(dir).entries) if (!byTime.has(e.batchTime)) byTime.set(e.batchTime, e);
  return [...byTime.values()].sort((a, b) => a.batchTime - b.batchTime);
}

async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Not every platform can fsync a directory (Windows); the rename is still atomic.
  } finally {
    await fh?.close();
  }
}

/**
 * A sink that writes each non-empty batch as one part file under the directory `path`,
 * with the commit protocol described in this module. `encode` writes a batch's records to
 * an open temp file.
 *
 * @example
 * ```ts
 * const sink = partFileSink<string>({ type: 'lines', path: 'out/x' }, 'txt', async (rs, fh) => { await fh.writeFile(rs.join('\n')); });
 * ```
 * @internal
 */
export function partFileSink<T>(
  spec: SinkSpec & { path: string },
  ext: string,
  encode: (records: readonly T[], file: FileHandle) => Promise<void>,
  schema?: Schema<T>,
): Sink<T> {
  const dir = spec.path;
  return {
    spec,
    ...(schema ? { schema } : {}),
    claim(ctx) {
      let entries: string[] = [];
      try { entries = readdirSync(dir); } catch { /* absent: nothing to refuse */ }
      if (ctx.checkpointDir !== undefined) mkdirSync(dir, { recursive: true });
      const holds = entries.some((f) => f !== OWNER);
      claimExisting(ctx, 'the output directory', dir, join(dir, OWNER), holds, () => {
        for (const f of entries) if (OURS.test(f)) unlinkSync(join(dir, f));
      });
    },
    open(ctx): SinkWriter<T> {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new RuntimeError(`${ctx.operator} (${spec.type}): cannot create the output directory ${dir}: ${(e as Error).message}`, { operator: ctx.operator, location: dir }, `${spec.type} writes a directory of part files; give it a directory path`);
      }
      // Temp files left by a crashed run were never committed.
      for (const f of readdirSync(dir)) if (/^\.part-.*\.tmp$/.test(f)) unlinkSync(join(dir, f));
      const manifest = readManifest(dir);
      // A last line cut short by a crash was never committed: cut it off before appending.
      if (manifest.cleanLength >= 0) truncateSync(join(dir, MANIFEST), manifest.cleanLength);
      const committed = new Set(manifest.entries.map((e) => e.batchTime));
      return {
        async write(records, batchTime) {
          if (records.length === 0 || committed.has(batchTime)) return;
          const name = partName(batchTime, ext);
          const tmp = join(dir, `.${name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
          try {
            const fh = await open(tmp, 'wx');
            try {
              await encode(records, fh);
              await fh.sync();
            } finally {
              await fh.close();
            }
            await rename(tmp, join(dir, name));
          } catch (e) {
            await unlink(tmp).catch(() => {});
            throw e;
          }
          await syncDir(dir);
          const entry: ManifestEntry = { batchTime, file: name, records: records.length };
          const mf = await open(join(dir, MANIFEST), 'a');
          try {
            await mf.write(JSON.stringify(entry) + '\n');
            await mf.sync();
          } finally {
            await mf.close();
          }
          committed.add(batchTime);
        },
        close() {},
      };
    },
  };
}
