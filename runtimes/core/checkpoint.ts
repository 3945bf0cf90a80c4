/**
 * The checkpoint directory of a job, the same for every runtime (the cluster's coordinator
 * and workers, the local runtime's one process), so a checkpoint taken by one resumes on
 * another: `metadata.json` (what job the directory belongs
 * to); per committed batch t, `offsets/<t>.json` (source positions after t),
 * `state/<t>/<name>/p<p>.avro` (a state segment of each stateful node and partition after t,
 * written by the process that runs the partition: full, or a delta of the keys changed since
 * the partition's previous segment; format in `state.ts`) and, last, `commits/<t>.json`,
 * written by the coordinator (the local runtime: its engine) and listing, per node and partition, the chain of segments to
 * restore from (a full one and the deltas after it) with their sizes. Every file is written
 * to a temporary name, fsynced, renamed, and its directory fsynced. The last 2 commits are
 * kept, with every segment they list.
 *
 * A commit in `snapshot` mode restarts from its state and positions; a commit in `replay`
 * mode (some operator or source cannot snapshot) restarts by replaying the job from its
 * first batch, writing sinks only for batches after the commit.
 *
 * @module
 */
import avro from 'avsc';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { RuntimeError } from '../../src/errors.js';
import { STATEFUL_KINDS, type AvroSchemaJson } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import { CorruptSegment, encodeSegment, restoreState, SegmentCodecs, SegmentFile } from './state.js';
import type { ExecutorState } from '../local/executor.js';
import { crashPoint } from '../../src/engine/crash-points.js';

/** Format of the checkpoint directory (2: Avro state segments, incremental). */
export const CHECKPOINT_FORMAT = 2;
/** Most deltas after a full segment before the next segment is full again. */
export const MAX_DELTAS = 64;

/** One partition's state file of one node in a checkpoint, as a worker reports it. */
export interface StateSegment {
  readonly node: string;
  readonly partition: number;
  /** Partitions the node has in this run. */
  readonly partitions: number;
  /** Path relative to the checkpoint directory. */
  readonly file: string;
  readonly bytes: number;
}

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
  /** True when after t every source was drained and no window held data: a resume (without `numBatches`) runs the final pass next, as the uninterrupted run did. */
  readonly drained?: boolean;
  readonly committedAt?: string;
  /** Snapshot mode: the state files of this commit (one per node and partition), as the workers wrote them. */
  readonly segments?: ReadonlyArray<StateSegment>;
}

/** The declared state schema of a node, if any. */
function declaredSchema(plan: Plan, node: string): AvroSchemaJson | undefined {
  const n = plan.nodes.find((x) => x.id === node);
  return n && 'state' in n ? n.state.schema : undefined;
}

/**
 * Writes the state segments of one worker's partitions (one per checkpoint, node and
 * partition) and keeps each partition's chain: a full segment, then deltas while they are
 * fewer than {@link MAX_DELTAS} and smaller together than the full one (then the next is
 * full again: compaction). A writer lives as long as the worker's job, so a restarted job
 * starts with full segments.
 *
 * @example
 * ```ts
 * const w = new StateWriter(dir, plan);
 * const s = ex.snapshot!(w.mode(node, p));
 * segments.push(...w.write(t, node, p, partitions, s));
 * ```
 */
export class StateWriter {
  private readonly chains = new Map<string, { segments: StateSegment[]; full: number; deltas: number; codecs: SegmentCodecs }>();

  constructor(readonly dir: string, readonly plan: Plan) {}

  /** The snapshot mode to ask the executor of `node` in `partition` for. */
  mode(node: string, partition: number): 'full' | 'delta' {
    const c = this.chains.get(`${node}/${partition}`);
    return c && c.segments.length <= MAX_DELTAS && c.deltas < c.full ? 'delta' : 'full';
  }

  /**
   * Writes `state` (after batch t) to `<dir>/state/<t>/<name>/p<partition>.avro` (temp,
   * fsync, rename, fsync of the directory). Returns the partition's chain, oldest first, for
   * the commit.
   */
  write(t: number, node: string, partition: number, partitions: number, state: ExecutorState): StateSegment[] {
    const key = `${node}/${partition}`;
    let c = this.chains.get(key);
    if (!c) this.chains.set(key, (c = { segments: [], full: 0, deltas: 0, codecs: new SegmentCodecs(node, declaredSchema(this.plan, node)) }));
    const delta = state.delta === true && c.segments.length > 0;
    if (state.delta && !delta) throw new Error(`${node}: a delta snapshot without a full one before it`);
    const rel = join('state', String(t), stateDirName(this.plan, node));
    mkdirSync(join(this.dir, rel), { recursive: true });
    const bytes = encodeSegment({ node, state: stateName(this.plan, node), partition, partitions, t, delta }, state, c.codecs, this.plan.keyGroups);
    const name = `p${partition}.avro`;
    writeAtomic(join(this.dir, rel), name, bytes);
    const seg: StateSegment = { node, partition, partitions, file: join(rel, name), bytes: bytes.byteLength };
    if (delta) { c.segments.push(seg); c.deltas += bytes.byteLength; } else { c.segments = [seg]; c.full = bytes.byteLength; c.deltas = 0; }
    return [...c.segments];
  }
}

/** A node's stable state name when it has one, else its id. */
function stateName(plan: Plan, node: string): string {
  const n = plan.nodes.find((x) => x.id === node);
  return n && 'state' in n ? n.state.name : node;
}

/** The directory of a node's segments in `state/<t>/`. */
function stateDirName(plan: Plan, node: string): string {
  return stateName(plan, node).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** What a restart restores from: the segments of the last commit, by node id of the restarted plan. */
export interface RestorePoint {
  readonly t: number;
  readonly segments: readonly StateSegment[];
}

/**
 * The state partition `partition` of `node` restores from `point` (read in the worker: only
 * the segments' sections of the key groups the partition owns), or undefined when the
 * commit holds none for the node. Throws naming a corrupt file.
 */
export function restorePartition(dir: string, plan: Plan, point: RestorePoint, node: string, partition: number, partitions: number): ExecutorState | undefined {
  const mine = point.segments.filter((s) => s.node === node);
  if (!mine.length) return undefined;
  const chains = new Map<number, SegmentFile[]>();
  for (const sg of mine) {
    let f: SegmentFile;
    try { f = SegmentFile.open(join(dir, sg.file), sg.bytes); } catch (e) {
      throw refuse(dir, `state file ${sg.file} is corrupt (${(e as Error).message})`, undefined, node);
    }
    const list = chains.get(f.header.partition) ?? [];
    list.push(f);
    chains.set(f.header.partition, list);
  }
  for (const list of chains.values()) list.sort((a, b) => a.header.t - b.header.t);
  try {
    return restoreState(node, [...chains.values()], partition, partitions, plan.keyGroups, declaredSchema(plan, node));
  } catch (e) {
    if (e instanceof CorruptSegment) throw refuse(dir, `state file ${relative(dir, e.path)} is corrupt (${e.message})`, undefined, node);
    throw refuse(dir, `the state of ${node} cannot be restored (${(e as Error).message})`, undefined, node);
  }
}

/** Whether a reader of `reader` can read data written with `writer` (Avro schema resolution); the reason when not. */
function unreadable(reader: AvroSchemaJson, writer: AvroSchemaJson): string | undefined {
  try {
    avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
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
    }
    const cp = new Checkpoints(dir, lastCommit(dir));
    cp.checkSchemas(plan, mine, theirs);
    return cp;
  }

  /**
   * Refuses a declared state schema that cannot read the stored state: the schemas the last
   * commit's segments were written with (or, without one, the schema declared when the
   * directory was created).
   */
  private checkSchemas(plan: Plan, mine: CheckpointMetadata, theirs: CheckpointMetadata): void {
    const segments = this.last?.mode === 'snapshot' ? this.last.segments ?? [] : [];
    for (const now of mine.stateful) {
      if (now.schema === undefined) continue;
      const reader = now.schema as AvroSchemaJson;
      const dirName = stateDirName(plan, now.node);
      const written: AvroSchemaJson[] = [];
      for (const sg of segments) {
        if (basename(dirname(sg.file)) !== dirName) continue;
        try {
          const h = SegmentFile.open(join(this.dir, sg.file), sg.bytes).header;
          if (h.schema !== undefined) written.push(h.schema);
        } catch (e) {
          throw refuse(this.dir, `state file ${sg.file} is corrupt (${(e as Error).message})`, undefined, now.node);
        }
      }
      const before = theirs.stateful.find((x) => x.state === now.state)?.schema as AvroSchemaJson | undefined;
      if (!written.length && before !== undefined) written.push(before);
      for (const w of written) {
        const why = unreadable(reader, w);
        if (why !== undefined) {
          throw refuse(this.dir, `the declared state schema of '${now.state}' (${now.kind} ${now.node}) cannot read its stored state, written as ${JSON.stringify(w)}: ${why}`,
            'declare a state schema that can read the stored one (Avro schema resolution: int → long → double, new fields with defaults), or start from an empty checkpoint directory', now.node);
        }
      }
    }
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
      crashPoint('checkpoint.offsets', c.t);
    }
    const commit: Commit = { ...c, committedAt: new Date().toISOString() };
    writeAtomic(join(this.dir, 'commits'), `${c.t}.json`, JSON.stringify(commit) + '\n');
    crashPoint('checkpoint.committed', c.t);
    this.last = commit;
    const old = commitTimes(this.dir).filter((x) => x < c.t).sort((a, b) => b - a).slice(1);
    for (const x of old) rmSync(join(this.dir, 'commits', `${x}.json`), { force: true });
    // Offsets and state of batches before c.t that are not among the kept commits and hold
    // no segment of their chains: older commits, and files of batches never committed (a
    // coordinator killed before the commit).
    const kept = new Set(commitTimes(this.dir));
    const referenced = new Set<number>();
    for (const k of kept) {
      const kc = k === c.t ? commit : readCommit(this.dir, k);
      for (const sg of kc?.segments ?? []) referenced.add(Number(sg.file.split(/[\\/]/)[1]));
    }
    for (const [sub, re] of [['offsets', /^(\d+)\.json$/], ['state', /^(\d+)$/]] as const) {
      let names: string[] = [];
      try { names = readdirSync(join(this.dir, sub)); } catch { continue; }
      for (const f of names) {
        const m = re.exec(f);
        if (m && Number(m[1]) < c.t && !kept.has(Number(m[1])) && !(sub === 'state' && referenced.has(Number(m[1])))) rmSync(join(this.dir, sub, f), { recursive: true, force: true });
      }
    }
  }

  /**
   * What a restart restores from (snapshot mode): the last commit's segments with the node
   * ids of `plan` (files are matched by state name). Checks, before any worker starts, that
   * every file is there with the size the commit gives and a readable header, and refuses
   * partition-local state (windows' kept batches) on another partition count (`hint`: what
   * the refusal suggests, given the partition count the state was taken with).
   */
  restorePoint(plan: Plan, nodePartitions: Readonly<Record<string, number>>, hint?: (partitions: number) => string): RestorePoint | undefined {
    const c = this.last;
    if (!c || c.mode !== 'snapshot') return undefined;
    const byName = new Map(plan.nodes.map((n) => [stateDirName(plan, n.id), n.id]));
    const segments: StateSegment[] = [];
    for (const sg of c.segments ?? []) {
      const node = byName.get(basename(dirname(sg.file)));
      if (!node) continue;
      let h;
      try {
        h = SegmentFile.open(join(this.dir, sg.file), sg.bytes).header;
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is missing' : (e as Error).message;
        throw refuse(this.dir, `state file ${sg.file} is corrupt (${why})`, undefined, node);
      }
      const now = nodePartitions[node];
      if (h.hasLocal && h.partitions !== now) {
        throw refuse(this.dir, `${node} keeps its state per partition and it was taken with ${h.partitions} partition(s), this run has ${now}`,
          hint?.(h.partitions) ?? `resume with { partitions: ${h.partitions} } (or as many workers), or start from an empty checkpoint directory`, node);
      }
      segments.push({ ...sg, node });
    }
    return { t: c.t, segments };
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

function readCommit(dir: string, t: number): Commit | undefined {
  try { return JSON.parse(readFileSync(join(dir, 'commits', `${t}.json`), 'utf8')) as Commit; } catch { return undefined; }
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
