/**
 * The commit protocol of the file sinks (as Spark's file sink): `path` is a directory;
 * each non-empty batch of each sink partition becomes one part file,
 * `part-<batch time, 13 digits>.<ext>` (partition 0) or `part-<t>-p<partition>.<ext>`.
 * A part counts only once `_manifest.jsonl` lists it; a part already listed is not written
 * again, so replaying a batch after a crash leaves exactly one copy of it.
 *
 * Two phases ({@link CommittableSink}), so that each partition is written by the process
 * that computes it:
 * - prepare (every partition): temp file, fsync, rename to the pending name
 *   `.pending-<t>-p<partition>-n<records>.<ext>`, fsync of the directory;
 * - commit up to t (one process): each pending part of a batch ≤ t is hard-linked to its
 *   final name, the directory fsynced, their lines appended to the manifest in (t,
 *   partition) order in one write and fsynced, then the pending names are removed. At every
 *   instant a prepared part is either under its pending name (which carries its record
 *   count) or listed, so a commit cut short by a crash is finished by the next one;
 * - recover: commit up to the last commit record, then delete every other pending part,
 *   temp file and unlisted part.
 * In one process (the local runtime) a batch is prepared under its final name and
 * committed at once.
 *
 * @module
 * @internal
 */
import { mkdirSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { link, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { appendDurable, syncDir, writeDurable } from './durable.js';
import { RuntimeError } from '../../errors.js';
import { claimExisting } from '../claim.js';
import type { SinkSpec } from '../../ir/nodes.js';
import type { Schema } from '../../schema/schema.js';
import type { Sink, SinkWriter } from '../connector.js';
import type { CommittableSink, CommittableSinkPartition } from '../../engine/commit-sink.js';
import { crashPoint } from '../../engine/crash-points.js';

/** File name of the manifest of committed batches. @example `join(dir, MANIFEST)` @internal */
const MANIFEST = '_manifest.jsonl';

/** File naming the checkpoint directory of the run that writes the directory (when it keeps one). */
const OWNER = '_checkpoint';

/** Files of a sink directory that the sink wrote: parts, temp parts, the manifest and the owner marker. */
const OURS = /^(part-\d{13}(-p\d+)?\..+|\.(part|pending)-.*\.tmp|\.pending-.*|_manifest\.jsonl|_checkpoint)$/;

/** A prepared part: batch time, partition, record count, extension. */
const PENDING = /^\.pending-(\d{13})-p(\d+)-n(\d+)\.([^.]+)$/;
/** A part under its final name: batch time, partition (absent for 0). */
const FINAL = /^part-(\d{13})(?:-p(\d+))?\.[^.]+$/;
/** A temp file of a write cut short. */
const TEMP = /^\.(part|pending)-.*\.tmp$/;

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

/** The part file name of a batch of a partition. @example `partName(2000, 1, 'jsonl') // 'part-0000000002000-p1.jsonl'` @internal */
function partName(batchTime: number, partition: number, ext: string): string {
  return `part-${String(batchTime).padStart(13, '0')}${partition ? `-p${partition}` : ''}.${ext}`;
}

/** The partition of a part file name (0 for `part-<t>.<ext>`). */
function partitionOf(file: string): number {
  return Number(FINAL.exec(file)?.[2] ?? 0);
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
 * The committed parts of a sink directory, one per batch time and partition, in (batch
 * time, partition) order: the order of the records of one uninterrupted run.
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
  const byFile = new Map<string, ManifestEntry>();
  for (const e of readManifest(dir).entries) if (!byFile.has(e.file)) byFile.set(e.file, e);
  return [...byFile.values()].sort((a, b) => a.batchTime - b.batchTime || partitionOf(a.file) - partitionOf(b.file));
}

/**
 * The committable side of a part-file sink in `dir` (see the module comment).
 *
 * @example
 * ```ts
 * const c = partFiles('out/x', 'jsonl', encode);
 * await c.partition({ operator: 'sink#3' }, 1).prepare(2000, records);
 * await c.commit(2000);
 * ```
 * @internal
 */
function partFiles<T>(dir: string, ext: string, encode: (records: readonly T[], file: FileHandle) => Promise<void>): CommittableSink<T> & {
  /** Writes batch t of a partition under `name` (temp, fsync, rename, fsync of the directory). */
  write(t: number, records: readonly T[], name: string): Promise<void>;
  /** Appends committed entries to the manifest (one write, fsynced), after cutting off a torn last line. */
  list(entries: readonly ManifestEntry[], t: number): Promise<void>;
} {
  // The committer is the only writer of the manifest: what it listed, while the file has the length it left.
  let known: { length: number; files: Set<string> } | undefined;
  const listedFiles = (): Set<string> => {
    let length = -1;
    try { length = statSync(join(dir, MANIFEST)).size; } catch { /* none yet */ }
    if (known?.length !== length) {
      const { entries, cleanLength } = readManifest(dir);
      if (cleanLength >= 0) truncateSync(join(dir, MANIFEST), (length = cleanLength));
      known = { length, files: new Set(entries.map((e) => e.file)) };
    }
    return known.files;
  };
  const self = {
    async write(t: number, records: readonly T[], name: string): Promise<void> {
      await writeDurable(dir, name, (fh) => encode(records, fh), () => crashPoint('sink.prepare.written', t));
      crashPoint('sink.prepare.renamed', t);
    },
    async list(entries: readonly ManifestEntry[], t: number): Promise<void> {
      if (!entries.length) return;
      const files = listedFiles(); // also cuts off a torn last line
      const text = entries.map((e) => JSON.stringify(e) + '\n').join('');
      await appendDurable(join(dir, MANIFEST), text);
      for (const e of entries) files.add(e.file);
      known = { length: Math.max(known!.length, 0) + Buffer.byteLength(text), files };
      crashPoint('sink.commit.manifest', t);
    },
    partition(ctx: { readonly operator: string }, partition: number): CommittableSinkPartition<T> {
      mkdirOut(dir, ctx.operator);
      // Parts visible when this partition opened (a replay after a restart does not write them again).
      const listed = new Set(readManifest(dir).entries.map((e) => e.file));
      return {
        async prepare(t, records) {
          if (records.length === 0 || listed.has(partName(t, partition, ext))) return;
          await self.write(t, records, `.pending-${String(t).padStart(13, '0')}-p${partition}-n${records.length}.${ext}`);
        },
      };
    },
    async commit(t: number): Promise<void> {
      const pending = (await readdir(dir)).flatMap((f) => {
        const m = PENDING.exec(f);
        return m && Number(m[1]) <= t ? [{ f, t: Number(m[1]), p: Number(m[2]), records: Number(m[3]), ext: m[4] }] : [];
      }).sort((a, b) => a.t - b.t || a.p - b.p);
      if (!pending.length) return;
      const listed = listedFiles();
      const entries: ManifestEntry[] = [];
      for (const x of pending) {
        const file = partName(x.t, x.p, x.ext);
        if (listed.has(file)) continue;
        // A final name not listed is a link of this same pending part left by a commit cut short.
        await unlink(join(dir, file)).catch(() => {});
        await link(join(dir, x.f), join(dir, file));
        entries.push({ batchTime: x.t, file, records: x.records });
      }
      if (entries.length) {
        await syncDir(dir);
        crashPoint('sink.commit.linked', t);
        await self.list(entries, t);
      }
      for (const x of pending) await unlink(join(dir, x.f));
      await syncDir(dir);
      crashPoint('sink.commit.cleaned', t);
    },
    async recover(committed: number | undefined): Promise<void> {
      mkdirOut(dir, 'recovery');
      if (committed !== undefined) await self.commit(committed);
      const listed = listedFiles();
      for (const f of await readdir(dir)) {
        if (TEMP.test(f) || PENDING.test(f) || (FINAL.test(f) && !listed.has(f))) await unlink(join(dir, f));
      }
      await syncDir(dir);
    },
  };
  return self;
}

/** Creates the output directory, or fails naming the sink and the path. */
function mkdirOut(dir: string, operator: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new RuntimeError(`${operator}: cannot create the output directory ${dir}: ${(e as Error).message}`, { operator, location: dir }, 'a file sink writes a directory of part files; give it a directory path');
  }
}

/**
 * A sink that writes each non-empty batch of each partition as one part file under the
 * directory `path`, with the commit protocol described in this module. `encode` writes a
 * batch's records to an open temp file. Its `open()` (one process: the local runtime, or a
 * callback) prepares each batch under its final name and commits it at once; the cluster
 * runtime uses its `committable` side.
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
): Sink<T> & { readonly committable: CommittableSink<T> } {
  const dir = spec.path;
  const files = partFiles(dir, ext, encode);
  return {
    spec,
    ...(schema ? { schema } : {}),
    committable: files,
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
      // Temp and pending files left by a crashed run were never committed.
      for (const f of readdirSync(dir)) if (TEMP.test(f) || PENDING.test(f)) unlinkSync(join(dir, f));
      const manifest = readManifest(dir);
      // A last line cut short by a crash was never committed: cut it off before appending.
      if (manifest.cleanLength >= 0) truncateSync(join(dir, MANIFEST), manifest.cleanLength);
      const committed = new Set(manifest.entries.map((e) => e.batchTime));
      return {
        async write(records, batchTime) {
          if (records.length === 0 || committed.has(batchTime)) return;
          // One process: prepared under the final name (unlisted, so not yet visible), then committed.
          const file = partName(batchTime, 0, ext);
          await files.write(batchTime, records, file);
          await files.list([{ batchTime, file, records: records.length }], batchTime);
          committed.add(batchTime);
        },
        close() {},
      };
    },
  };
}
