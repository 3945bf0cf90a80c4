/**
 * The checkpoint layout of the engine core: the relative paths every runtime writes and
 * reads, so that a checkpoint taken by one runtime (or one worker count) can be read by
 * another. See docs/ENGINE.md for what each file holds and in which order it is written.
 *
 * @module
 * @internal
 */

/** `metadata.json`: format, pipeline name, plan hash, key groups, stateful operators. */
export const METADATA_FILE = 'metadata.json';

/** `offsets/<t>.json`: source positions after t, by source node (and split). */
export function offsetsFile(t: number): string {
  return `offsets/${t}.json`;
}

/** `commits/<t>.json`: written last; batch t is complete iff it exists. */
export function commitFile(t: number): string {
  return `commits/${t}.json`;
}

/** The directory of the state files of batch t. */
export function stateDir(t: number): string {
  return `state/${t}`;
}

/** The pending (prepared, not committed) output of a sink partition for batch t. */
export function pendingSinkFile(sinkDir: string, partition: number, t: number): string {
  return `${sinkDir}/_pending/p${partition}-t${t}`;
}
