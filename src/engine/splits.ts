/**
 * The source split contract of the engine core. A source that can be read in parallel
 * offers splits — a file by byte ranges cut on line boundaries, a directory by file, an
 * in-memory list by chunks, later Kafka topic partitions — each with a serialisable
 * position. The split owned by task p is read only by p; its position after batch t goes
 * into the checkpoint (`offsets/<t>.json`, keyed by source node and split id).
 *
 * A resume must refuse input that changed under it: each split carries a fingerprint of
 * what it reads (for a file: size, mtime and a hash of a prefix), checked before reading.
 *
 * @module
 * @internal
 */

/** What identifies the bytes a split reads, so a resume can tell they did not change. */
export interface InputFingerprint {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Hex SHA-256 of the first `prefixBytes` bytes. */
  readonly prefixHash: string;
  readonly prefixBytes: number;
}

/** A part of a source's input, read by one task. Plain data: it travels to workers and into checkpoints. */
export interface Split {
  /** Stable id within the source (`bytes:0-1048576`, `file:a.txt`, `chunk:3`). */
  readonly id: string;
  /** Where it starts: a byte offset, a file name, a record index. */
  readonly start: unknown;
  /** Where it ends (exclusive), when bounded. */
  readonly end?: unknown;
  readonly fingerprint?: InputFingerprint;
}

/** A split and the position reached in it (undefined: not started). */
export interface SplitPosition {
  readonly split: Split;
  readonly position?: unknown;
}

/** Which of `count` splits partition `p` of `partitions` reads: split i goes to partition `i mod partitions`. */
export function splitsOfPartition<S>(splits: readonly S[], p: number, partitions: number): S[] {
  return splits.filter((_, i) => i % partitions === p);
}
