/**
 * Digests of in-memory input, so that a resume from a checkpoint can refuse records that
 * changed since (a job module that now builds other arrays would otherwise resume at the
 * same position and silently give other output).
 *
 * @module
 * @internal
 */
import { createHash, type Hash } from 'node:crypto';
import { serialize } from 'node:v8';

/**
 * The digest of the records before a position, for a source whose records before position
 * `to`, from position `from`, are `between(from, to)` (in groups: a group's size is part of
 * the digest, so `[[1], [2]]` and `[[1, 2]]` differ). Records are serialised one by one with
 * v8's structured clone (values, not identities), as SHA-256 (hex). Computed when asked, and
 * incrementally: positions asked for in increasing order hash each record once. Undefined
 * for a position that is not a number, or when a record cannot be serialised (a function, a
 * symbol): then no resume check is made.
 *
 * @example
 * ```ts
 * const digest = prefixDigests((from, to) => input.slice(from, to)); // one group a batch
 * digest(2); // 'a3f…': the first two batches
 * ```
 * @internal
 */
export function prefixDigests(between: (from: number, to: number) => Iterable<readonly unknown[]>): (position: unknown) => string | undefined {
  let hash: Hash = createHash('sha256');
  let at = 0;
  let failed = false;
  return (position) => {
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) return undefined;
    if (position < at) { hash = createHash('sha256'); at = 0; failed = false; }
    if (failed) return undefined;
    try {
      for (const group of between(at, position)) {
        hash.update(`[${group.length}]`);
        for (const r of group) hash.update(serialize(r));
      }
    } catch {
      failed = true;
      return undefined;
    }
    at = position;
    return hash.copy().digest('hex');
  };
}
