/**
 * The checkpoint directory of a cluster job: `metadata.json` (what job the directory belongs
 * to) and `commits/<t>.json`, one per batch whose sink output was written. Every file is
 * written to a temporary name, fsynced, renamed, and the directory fsynced.
 *
 * Recovery replays the job from its first batch and writes sinks only for batches after
 * the last commit (see docs/CLUSTER.md: state snapshots per key group are still to come).
 *
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../../src/errors.js';
import { STATEFUL_KINDS } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';

/** Format of the checkpoint directory. */
export const CHECKPOINT_FORMAT = 1;

/** What `metadata.json` holds. */
export interface CheckpointMetadata {
  readonly format: number;
  readonly pipeline: string;
  readonly planHash: string;
  readonly keyGroups: number;
  readonly stateful: ReadonlyArray<{ readonly node: string; readonly state: string; readonly kind: string; readonly schema?: unknown }>;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Writes `text` to `path` atomically: temp file, fsync, rename, fsync of the directory. */
export function writeAtomic(dir: string, name: string, text: string): void {
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

function metadataOf(plan: Plan, hash: string): CheckpointMetadata {
  const stateful = plan.nodes.flatMap((n) =>
    STATEFUL_KINDS.has(n.kind) && 'state' in n ? [{ node: n.id, state: n.state.name, kind: n.kind, schema: n.state.schema }] : []);
  return { format: CHECKPOINT_FORMAT, pipeline: plan.name, planHash: hash, keyGroups: plan.keyGroups, stateful };
}

/** An open checkpoint directory. */
export class Checkpoints {
  private constructor(readonly dir: string, private last: number | undefined) {}

  /**
   * Opens (or creates) the checkpoint directory of `plan`. Refuses, before anything runs, a
   * directory whose metadata is unreadable, of another pipeline, with other key groups, or
   * whose stateful operators this plan lacks or has with another kind or schema.
   */
  static open(dir: string, plan: Plan, hash: string): Checkpoints {
    const mine = metadataOf(plan, hash);
    mkdirSync(join(dir, 'commits'), { recursive: true });
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, 'metadata.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw refuse(dir, `metadata.json cannot be read: ${(e as Error).message}`);
    }
    if (text === undefined) {
      if (readdirSync(join(dir, 'commits')).some((f) => f.endsWith('.json'))) throw refuse(dir, 'it has commits but no metadata.json');
      writeAtomic(dir, 'metadata.json', JSON.stringify(mine, null, 2) + '\n');
      return new Checkpoints(dir, undefined);
    }
    let theirs: CheckpointMetadata;
    try {
      theirs = JSON.parse(text) as CheckpointMetadata;
      if (!theirs || typeof theirs !== 'object' || typeof theirs.pipeline !== 'string' || !Array.isArray(theirs.stateful)) throw new Error('fields missing');
    } catch (e) {
      throw refuse(dir, `metadata.json is corrupt (${(e as Error).message})`);
    }
    if (theirs.format !== CHECKPOINT_FORMAT) throw refuse(dir, `it is of format ${String(theirs.format)}, this sluice reads format ${CHECKPOINT_FORMAT}`);
    if (theirs.pipeline !== plan.name) throw refuse(dir, `it belongs to pipeline '${theirs.pipeline}', not '${plan.name}'`);
    if (theirs.keyGroups !== plan.keyGroups) {
      throw refuse(dir, `its state is split into ${theirs.keyGroups} key groups, the pipeline into ${plan.keyGroups}`, `create the pipeline with { keyGroups: ${theirs.keyGroups} }`);
    }
    for (const s of theirs.stateful) {
      const now = mine.stateful.find((x) => x.state === s.state);
      if (!now) throw refuse(dir, `its state '${s.state}' (${s.kind} ${s.node}) is not in the pipeline`, 'keep the operator, give it the same { name }, or start from an empty checkpoint directory', s.node);
      if (now.kind !== s.kind) throw refuse(dir, `its state '${s.state}' belongs to a ${s.kind}, in the pipeline to ${now.kind} ${now.node}`, undefined, now.node);
      if (JSON.stringify(now.schema ?? null) !== JSON.stringify(s.schema ?? null)) throw refuse(dir, `the schema of state '${s.state}' changed (${now.node})`, undefined, now.node);
    }
    return new Checkpoints(dir, lastCommit(dir));
  }

  /** Time of the last committed batch, if any. */
  get lastCommitted(): number | undefined {
    return this.last;
  }

  /** Records that batch `t`'s output was written. Keeps the last 2 commits. */
  commit(t: number): void {
    const dir = join(this.dir, 'commits');
    writeAtomic(dir, `${t}.json`, JSON.stringify({ t, committedAt: new Date().toISOString() }) + '\n');
    this.last = t;
    const old = commitTimes(this.dir).filter((x) => x < t).sort((a, b) => b - a).slice(1);
    for (const x of old) rmSync(join(dir, `${x}.json`), { force: true });
  }
}

function refuse(dir: string, why: string, hint = 'point checkpointDir at this job\'s own directory, or at an empty one', operator?: string): RuntimeError {
  return new RuntimeError(`checkpoint directory ${dir} refused: ${why}`, { operator, location: dir }, hint);
}

function commitTimes(dir: string): number[] {
  return readdirSync(join(dir, 'commits'))
    .map((f) => /^(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => Number(m[1]));
}

function lastCommit(dir: string): number | undefined {
  const ts = commitTimes(dir);
  return ts.length ? Math.max(...ts) : undefined;
}
