/**
 * Fingerprints of a source's input file, so that a resume from a checkpoint can refuse a
 * file that changed under it (a shuffled file of the same size would otherwise resume at
 * the same line number and silently give other output).
 *
 * @module
 * @internal
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { InputFingerprint } from './splits.js';

/** Bytes hashed at the start of a file. */
const PREFIX = 1024 * 1024;

const cache = new Map<string, InputFingerprint>();

/**
 * Size, modification time and the SHA-256 of the first MiB of `path`; undefined when the
 * file cannot be read. Cached while size and mtime stay the same.
 *
 * @example
 * ```ts
 * const f = fingerprintFile('data/words.txt'); // { path, size, mtimeMs, prefixHash, prefixBytes }
 * ```
 */
export function fingerprintFile(path: string): InputFingerprint | undefined {
  let st;
  try { st = statSync(path); } catch { return undefined; }
  if (!st.isFile()) return undefined;
  const known = cache.get(path);
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known;
  const f: InputFingerprint = { path, size: st.size, mtimeMs: st.mtimeMs, ...prefixHash(path, Math.min(st.size, PREFIX)) };
  cache.set(path, f);
  return f;
}

function prefixHash(path: string, bytes: number): { prefixHash: string; prefixBytes: number } {
  const buf = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  let got = 0;
  try {
    while (got < bytes) {
      const n = readSync(fd, buf, got, bytes - got, got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return { prefixHash: createHash('sha256').update(buf.subarray(0, got)).digest('hex'), prefixBytes: got };
}

/**
 * Why the file `then` fingerprinted is not the same input now, or undefined when a resume
 * may go on. A file that grew (appended to) with the same first bytes may resume; one that
 * is missing, shorter, rewritten with the same size (another modification time), or whose
 * first bytes differ may not.
 *
 * @example
 * ```ts
 * const why = inputChanged(checkpointed); // 'it has the same size but was modified …' or undefined
 * ```
 */
export function inputChanged(then: InputFingerprint): string | undefined {
  let st;
  try { st = statSync(then.path); } catch { return 'it is missing'; }
  if (st.size < then.size) return `it is shorter (${st.size} bytes, was ${then.size})`;
  if (st.size === then.size && st.mtimeMs !== then.mtimeMs) {
    return `it has the same size but was modified at ${new Date(st.mtimeMs).toISOString()} (was ${new Date(then.mtimeMs).toISOString()})`;
  }
  if (prefixHash(then.path, then.prefixBytes).prefixHash !== then.prefixHash) return `its first ${then.prefixBytes} bytes differ`;
  return undefined;
}
