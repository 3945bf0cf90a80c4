/**
 * The checkpoint directory of a cluster job: `metadata.json` (what job the directory belongs
 * to); per committed batch t, `offsets/<t>.json` (source positions after t),
 * `state/<t>/<name>.bin/p<p>.bin` (each stateful node's state after t, one file per
 * partition, written by the worker that runs the partition) and, last, `commits/<t>.json`,
 * written by the coordinator and listing those files with their sizes. Every file is
 * written to a temporary name, fsynced, renamed, and its directory fsynced. The last 2
 * commits are kept. (Format 1 directories written before per-partition files had one file
 * `state/<t>/<name>.bin` per node, merged by the coordinator; they are still read.)
 *
 * A commit in `snapshot` mode restarts from its state and positions; a commit in `replay`
 * mode (some operator or source cannot snapshot) restarts by replaying the job from its
 * first batch, writing sinks only for batches after the commit.
 *
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RuntimeError } from '../../src/errors.js';
import { STATEFUL_KINDS } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import type { StateSegment } from './protocol.js';
import { decodeState, encodeState, mergeStates, type NodeState, type PartitionState } from './state.js';
import type { ExecutorState } from '../local/executor.js';

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

/** Writes `data` to `dir/name` atomically: temp file, fsync, rename, fsync of the directory. */
export function writeAtomic(dir: string, name: string, data: string | Uint8Array): void {
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, data);
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

/** What `commits/<t>.json` holds. */
export interface Commit {
  readonly t: number;
  /** `snapshot`: state and offsets of t are in the directory; `replay`: restart from the first batch. */
  readonly mode: 'snapshot' | 'replay';
  /** The job's zero time (batch times are zeroTime + k · interval). */
  readonly zeroTime: number;
  /** True when t was the final pass of a drained job: nothing is left to do. */
  readonly complete: boolean;
  readonly committedAt?: string;
  /** Snapshot mode: the state files of this commit (one per node and partition), as the workers wrote them. */
  readonly segments?: ReadonlyArray<StateSegment>;
}

/** What a worker writes for one partition of one node. */
interface SegmentContent {
  readonly node: string;
  readonly partition: number;
  /** Partitions the node had. */
  readonly partitions: number;
  readonly state: ExecutorState;
}

/**
 * Writes one partition's state of `node` after batch `t` to
 * `<dir>/state/<t>/<name>.bin/p<partition>.bin` (temp, fsync, rename, fsync of the
 * directory); run by the worker that holds the partition. Returns what the commit lists.
 */
export function writeSegment(dir: string, plan: Plan, t: number, node: string, partition: number, partitions: number, state: ExecutorState): StateSegment {
  const rel = join('state', String(t), stateFileName(plan, node));
  mkdirSync(join(dir, rel), { recursive: true });
  const bytes = encodeState({ node, partition, partitions, state } satisfies SegmentContent);
  const name = `p${partition}.bin`;
  writeAtomic(join(dir, rel), name, bytes);
  return { node, partition, partitions, file: join(rel, name), bytes: bytes.byteLength };
}

/** A file name for a node's state: its stable state name when it has one, else its id. */
function stateFileName(plan: Plan, node: string): string {
  const n = plan.nodes.find((x) => x.id === node);
  const name = n && 'state' in n ? n.state.name : node;
  return `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.bin`;
}

/** An open checkpoint directory. */
export class Checkpoints {
  private constructor(readonly dir: string, private last: Commit | undefined) {}

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
    const shared = theirs.stateful.find((s, i) => theirs.stateful.findIndex((x) => x.state === s.state) !== i);
    if (shared) {
      const owners = theirs.stateful.filter((x) => x.state === shared.state).map((x) => x.node).join(', ');
      throw refuse(dir, `its operators ${owners} share the state name '${shared.state}', so their state cannot be told apart`, 'start from an empty checkpoint directory (the pipeline now gives each operator its own state name)', shared.node);
    }
    for (const s of theirs.stateful) {
      const now = mine.stateful.find((x) => x.state === s.state);
      if (!now) throw refuse(dir, `its state '${s.state}' (${s.kind} ${s.node}) is not in the pipeline`, 'keep the operator, give it the same { name }, or start from an empty checkpoint directory', s.node);
      if (now.kind !== s.kind) throw refuse(dir, `its state '${s.state}' belongs to a ${s.kind}, in the pipeline to ${now.kind} ${now.node}`, undefined, now.node);
      if (JSON.stringify(now.schema ?? null) !== JSON.stringify(s.schema ?? null)) throw refuse(dir, `the schema of state '${s.state}' changed (${now.node})`, undefined, now.node);
    }
    return new Checkpoints(dir, lastCommit(dir));
  }

  /** The last commit, if any. */
  get lastCommit(): Commit | undefined {
    return this.last;
  }

  /**
   * Commits batch `c.t`. In snapshot mode the workers have already written their state files
   * (listed in `c.segments`); this makes their directories durable, writes the offsets
   * (`positions`: each source's position after t) and then the commit file. Keeps the last
   * 2 commits.
   */
  commit(c: Omit<Commit, 'committedAt'>, plan: Plan, positions?: Record<string, unknown>): void {
    if (c.segments) {
      const stateDir = join(this.dir, 'state', String(c.t));
      mkdirSync(stateDir, { recursive: true });
      for (const d of new Set(c.segments.map((x) => dirname(join(this.dir, x.file))))) fsyncDir(d);
      fsyncDir(stateDir);
      fsyncDir(join(this.dir, 'state'));
      const offsets: Record<string, unknown> = {};
      for (const n of plan.nodes) if (n.kind === 'source') offsets[n.id] = positions?.[n.id];
      mkdirSync(join(this.dir, 'offsets'), { recursive: true });
      writeAtomic(join(this.dir, 'offsets'), `${c.t}.json`, JSON.stringify(offsets) + '\n');
    }
    const commit: Commit = { ...c, committedAt: new Date().toISOString() };
    writeAtomic(join(this.dir, 'commits'), `${c.t}.json`, JSON.stringify(commit) + '\n');
    this.last = commit;
    const old = commitTimes(this.dir).filter((x) => x < c.t).sort((a, b) => b - a).slice(1);
    for (const x of old) rmSync(join(this.dir, 'commits', `${x}.json`), { force: true });
    // Offsets and state of batches before c.t that are not among the kept commits: older
    // commits, and files of batches never committed (a coordinator killed before the commit).
    const kept = new Set(commitTimes(this.dir));
    for (const [sub, re] of [['offsets', /^(\d+)\.json$/], ['state', /^(\d+)$/]] as const) {
      let names: string[] = [];
      try { names = readdirSync(join(this.dir, sub)); } catch { continue; }
      for (const f of names) {
        const m = re.exec(f);
        if (m && Number(m[1]) < c.t && !kept.has(Number(m[1]))) rmSync(join(this.dir, sub, f), { recursive: true, force: true });
      }
    }
  }

  /** The state of every node at the last commit (snapshot mode), by node id of `plan` (files are matched by state name). */
  loadState(plan: Plan): Record<string, NodeState> {
    const c = this.last;
    if (!c || c.mode !== 'snapshot') return {};
    const dir = join(this.dir, 'state', String(c.t));
    const out: Record<string, NodeState> = {};
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    } catch (e) {
      throw refuse(this.dir, `commit ${c.t} has no state directory (${(e as Error).message})`);
    }
    if (c.segments) {
      // Per-partition files written by the workers: matched to this plan's nodes by state name, merged by key group.
      const byName = new Map(plan.nodes.map((n) => [stateFileName(plan, n.id), n.id]));
      const parts: PartitionState[] = [];
      const partitions: Record<string, number> = {};
      for (const sg of c.segments) {
        const name = basename(dirname(sg.file));
        const node = byName.get(name);
        if (!node) continue;
        let content: SegmentContent;
        try {
          const bytes = readFileSync(join(this.dir, sg.file));
          if (bytes.byteLength !== sg.bytes) throw new Error(`${bytes.byteLength} bytes, the commit says ${sg.bytes}`);
          content = decodeState<SegmentContent>(bytes);
        } catch (e) {
          throw refuse(this.dir, `state file ${sg.file} is corrupt (${(e as Error).message})`, undefined, node);
        }
        parts.push({ node, partition: content.partition, state: content.state });
        partitions[node] = content.partitions;
      }
      return mergeStates(parts, partitions, plan.keyGroups);
    }
    for (const n of plan.nodes) {
      const f = stateFileName(plan, n.id);
      if (!files.includes(f)) continue;
      try {
        out[n.id] = decodeState<{ state: NodeState }>(readFileSync(join(dir, f))).state;
      } catch (e) {
        throw refuse(this.dir, `state file state/${c.t}/${f} is corrupt (${(e as Error).message})`, undefined, n.id);
      }
    }
    return out;
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

function lastCommit(dir: string): Commit | undefined {
  const ts = commitTimes(dir);
  if (!ts.length) return undefined;
  const t = Math.max(...ts);
  try {
    const c = JSON.parse(readFileSync(join(dir, 'commits', `${t}.json`), 'utf8')) as Commit;
    if (c.t !== t || (c.mode !== 'snapshot' && c.mode !== 'replay') || typeof c.zeroTime !== 'number') throw new Error('fields missing');
    return c;
  } catch (e) {
    throw refuse(dir, `commits/${t}.json is corrupt (${(e as Error).message})`);
  }
}
