/**
 * Durable file writes shared by the file sinks: a file is written to a temp name beside
 * it, fsynced and renamed into place, then its directory is fsynced; appends are fsynced.
 *
 * @module
 * @internal
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Fsyncs a directory, so that a rename or unlink in it survives a crash.
 * @example `await syncDir('out/counts')`
 * @internal
 */
export async function syncDir(dir: string): Promise<void> {
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
 * Writes `dir/name` atomically: `fill` writes a temp file `.<name>.<pid>-<random>.tmp`, which
 * is fsynced (then `written` runs), renamed to `name`, and the directory fsynced. A failure
 * removes the temp file.
 *
 * @example
 * ```ts
 * await writeDurable('out/x', 'part-0000000001000.jsonl', (fh) => fh.writeFile('1\n'));
 * ```
 * @internal
 */
export async function writeDurable(dir: string, name: string, fill: (fh: FileHandle) => Promise<void>, written?: () => void): Promise<void> {
  const tmp = join(dir, `${name.startsWith('.') ? '' : '.'}${name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    written?.();
    await rename(tmp, join(dir, name));
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}

/**
 * Appends `text` to `file` in one write and fsyncs it.
 * @example `await appendDurable('out/x/_manifest.jsonl', line + '\n')`
 * @internal
 */
export async function appendDurable(file: string, text: string | Uint8Array): Promise<void> {
  const fh = await open(file, 'a');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
