/**
 * Executor state in checkpoints: the state segment files each worker writes for its
 * partitions, Avro-encoded with the wire codec (`src/wire`), one section per key group so
 * that a restore reads only the key groups it owns (and a restart on another partition
 * count moves whole key groups).
 *
 * A segment file:
 *
 * | bytes | content |
 * | --- | --- |
 * | 0–3 | magic `SLST` |
 * | 4–7 | n: length of the header (uint32 LE) |
 * | 8 … 8+n | the header, JSON ({@link SegmentHeader}) |
 * | then | the body: one section per key group with entries, and the `rest` section |
 *
 * A key group's section is three wire-codec buffers, each preceded by its length (uint32
 * LE): the `[key, meta, place]` triples (place: the key's place in the partition's map
 * order, −1 for a key a delta updated in place), the state values (under the declared state schema, or
 * inferred and widened), and the removed keys (a delta only). A buffer carries its Avro
 * schema when it is the first of its schema in the file (the header lists which sections
 * carry schemas, so a reader of some key groups reads those too). The `rest` section is one
 * buffer holding `[shared, local]`. Every section has a CRC-32 in the header.
 *
 * A segment is either full (every key of the partition) or a delta (the keys changed since
 * the previous segment of the same node and partition, and the keys removed); a chain is a
 * full segment and the deltas after it, applied in order.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { AvroSchemaJson, NodeKind } from '../../src/ir/nodes.js';
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import { fromAvroSchema } from '../../src/schema/schema.js';
import { createBatchCodec, type BatchCodec } from '../../src/wire/index.js';
import type { Executor, ExecutorState } from '../local/executor.js';
import { KeyMap } from '../local/keys.js';
import type { KeyedEntry } from '../local/state-store.js';

/** Node kinds whose executors keep something across batches: without a snapshot of each, a restart must replay the job. */
export const KEEPS_STATE: ReadonlySet<NodeKind> = new Set<NodeKind>([
  'source', 'window', 'groupByKeyAndWindow', 'reduceByKeyAndWindow', 'updateStateByKey', 'mapWithState', 'eventWindow',
]);

/**
 * The position a source's snapshot holds: per partition (`local`), the same in every
 * partition for a source read in slices (`shared`), or, for one sliced by key, its slice's
 * positions by key (`{ byKey }`, merged over slices by `mergePositions`). Undefined when
 * the reader cannot tell.
 */
export function sourcePosition(s: ExecutorState): unknown {
  if (s.keyed) return { byKey: Object.fromEntries(s.keyed.map(([k, v]) => [k, v])) };
  return ((s.local ?? s.shared) as { position?: unknown } | undefined)?.position;
}

/** Whether an executor of `kind` can be checkpointed (a source only if its reader can tell its position). */
export function canSnapshot(kind: NodeKind, ex: Executor): boolean {
  if (!KEEPS_STATE.has(kind)) return true;
  if (!ex.snapshot || !ex.restore) return false;
  return kind !== 'source' || sourcePosition(ex.snapshot()) !== undefined;
}

/** Format of segment files. */
export const SEGMENT_FORMAT = 1;
const MAGIC = Buffer.from('SLST', 'latin1');

/** The JSON header of a segment file. */
export interface SegmentHeader {
  readonly format: number;
  readonly node: string;
  /** The operator's state name (checkpoints match files to operators by it). */
  readonly state: string;
  readonly partition: number;
  /** Partitions the node had. */
  readonly partitions: number;
  /** The batch after which the state was taken. */
  readonly t: number;
  /** True: only the keys changed since the previous segment of the chain. */
  readonly delta: boolean;
  /** Avro schema of the state values as written (declared, or inferred), when any were written. */
  readonly schema?: AvroSchemaJson;
  /** Whether `schema` is the operator's declared state schema. */
  readonly declared: boolean;
  /** Key group sections: `[group, offset in the body, length, crc32, carries a schema]`. */
  readonly groups: ReadonlyArray<readonly [number, number, number, number, boolean]>;
  /** The `[shared, local]` section: `[offset, length, crc32]`. */
  readonly rest: readonly [number, number, number];
  /** Whether the partition has partition-local state (which cannot move to another partition count). */
  readonly hasLocal: boolean;
}

/**
 * The codecs of one node's segments in one partition, kept across checkpoints so inferred
 * schemas are compiled once and only widen.
 */
export class SegmentCodecs {
  readonly keys: BatchCodec;
  readonly states: BatchCodec;
  readonly removed: BatchCodec;
  readonly rest: BatchCodec;
  readonly declared: boolean;

  /** `edge` names the operator in codec errors; `schema` is its declared state schema. */
  constructor(edge: string, schema?: AvroSchemaJson) {
    this.declared = schema !== undefined;
    this.keys = createBatchCodec({ edge: `${edge} state keys` });
    this.states = createBatchCodec({ edge: `${edge} state`, declared: schema ? fromAvroSchema(schema) : undefined });
    this.removed = createBatchCodec({ edge: `${edge} removed keys` });
    this.rest = createBatchCodec({ edge: `${edge} shared state` });
  }
}

const SCHEMA_FLAG = 2;
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };

/**
 * Encodes one partition's state of a node as a segment file. `keyed` entries are split into
 * key groups; in a delta, `removed` lists the keys removed since the previous segment.
 */
export function encodeSegment(
  info: Omit<SegmentHeader, 'format' | 'groups' | 'rest' | 'hasLocal' | 'schema' | 'declared'>,
  state: ExecutorState,
  codecs: SegmentCodecs,
  keyGroups: number,
): Buffer {
  const byGroup = new Map<number, { entries: KeyedEntry[]; removed: unknown[] }>();
  const group = (k: unknown) => {
    const g = (state.groupOf ?? keyGroupOf)(k, keyGroups);
    let x = byGroup.get(g);
    if (!x) byGroup.set(g, (x = { entries: [], removed: [] }));
    return x;
  };
  for (const e of state.keyed ?? []) group(e[0]).entries.push(e);
  for (const k of state.removed ?? []) group(k).removed.push(k);
  for (const c of [codecs.keys, codecs.states, codecs.removed, codecs.rest]) c.forget();
  const body: Buffer[] = [];
  let offset = 0;
  const groups: Array<readonly [number, number, number, number, boolean]> = [];
  for (const g of [...byGroup.keys()].sort((a, b) => a - b)) {
    const { entries, removed } = byGroup.get(g)!;
    const kb = codecs.keys.encode(entries.map((e) => [e[0], e[2], e[4] ?? -1]));
    const sb = codecs.states.encode(entries.map((e) => e[1]));
    const rb = codecs.removed.encode(removed);
    const section = Buffer.concat([u32(kb.length), kb, u32(sb.length), sb, u32(rb.length), rb]);
    const carries = ((kb[1] | sb[1] | rb[1]) & SCHEMA_FLAG) !== 0;
    groups.push([g, offset, section.length, crc32(section), carries]);
    body.push(section);
    offset += section.length;
  }
  const rest = codecs.rest.encode([[state.shared, state.local]]);
  body.push(rest);
  const header: SegmentHeader = {
    format: SEGMENT_FORMAT, ...info, schema: codecs.states.schema(), declared: codecs.declared,
    groups, rest: [offset, rest.length, crc32(rest)], hasLocal: state.local !== undefined,
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  return Buffer.concat([MAGIC, u32(h.length), h, ...body]);
}

/** A key removed by a delta. */
const REMOVED = Symbol('removed');

/** A segment file that cannot be read. */
export class CorruptSegment extends Error {
  constructor(readonly path: string, why: string) {
    super(why);
  }
}

/** An open segment file: its header, and reads of its sections. */
export class SegmentFile {
  private constructor(readonly path: string, readonly header: SegmentHeader, private readonly bodyAt: number, readonly size: number) {}

  /** Reads and checks the header of `path` (whose size the commit gives); throws naming what is wrong. */
  static open(path: string, size: number): SegmentFile {
    const fd = openSync(path, 'r');
    try {
      const actual = fstatSync(fd).size;
      if (actual !== size) throw new Error(`${actual} bytes, the commit says ${size}`);
      const head = Buffer.alloc(8);
      if (readSync(fd, head, 0, 8, 0) !== 8 || !head.subarray(0, 4).equals(MAGIC)) throw new Error('not a sluice state segment (bad magic)');
      const n = head.readUInt32LE(4);
      if (8 + n > size) throw new Error(`its header (${n} bytes) runs past the end of the file`);
      const hb = Buffer.alloc(n);
      readSync(fd, hb, 0, n, 8);
      const header = JSON.parse(hb.toString('utf8')) as SegmentHeader;
      if (header.format !== SEGMENT_FORMAT) throw new Error(`segment format ${String(header.format)}, this sluice reads ${SEGMENT_FORMAT}`);
      if (!Array.isArray(header.groups) || !Array.isArray(header.rest)) throw new Error('header fields missing');
      const end = Math.max(header.rest[0] + header.rest[1], ...header.groups.map(([, o, l]) => o + l));
      if (8 + n + end !== size) throw new Error(`${size} bytes, its header describes ${8 + n + end}`);
      return new SegmentFile(path, header, 8 + n, size);
    } finally {
      closeSync(fd);
    }
  }

  /** Reads sections `[offset, length, crc]` of the body. */
  private read(fd: number, [offset, length, crc]: readonly [number, number, number], what: string): Buffer {
    const b = Buffer.alloc(length);
    if (readSync(fd, b, 0, length, this.bodyAt + offset) !== length) throw new Error(`${what}: file cut short`);
    if (crc32(b) !== crc) throw new Error(`${what}: checksum mismatch`);
    return b;
  }

  /**
   * The entries and removed keys of the key groups `want` selects (reading only those
   * sections, plus the ones that carry schemas), and the `[shared, local]` pair.
   */
  load(codecs: SegmentCodecs, want: (g: number) => boolean): { groups: Map<number, { entries: KeyedEntry[]; removed: unknown[] }>; shared: unknown; local: unknown } {
    const fd = openSync(this.path, 'r');
    try {
      const groups = new Map<number, { entries: KeyedEntry[]; removed: unknown[] }>();
      const any = this.header.groups.some(([g]) => want(g));
      for (const [g, off, len, crc, carries] of this.header.groups) {
        const mine = want(g);
        if (!mine && !(any && carries)) continue;
        const b = this.read(fd, [off, len, crc], `key group ${g}`);
        let p = 0;
        const next = (): Buffer => { const n = b.readUInt32LE(p); const x = b.subarray(p + 4, p + 4 + n); p += 4 + n; return x; };
        const keys = codecs.keys.decode(next()) as Array<[unknown, unknown, number]>;
        const states = codecs.states.decode(next());
        const removed = codecs.removed.decode(next());
        if (keys.length !== states.length) throw new Error(`key group ${g}: ${keys.length} keys but ${states.length} states`);
        // An entry of a delta with a place was inserted since the previous segment.
        const delta = this.header.delta;
        if (mine) groups.set(g, { entries: keys.map(([k, meta, place], i) => (place >= 0 ? [k, states[i], meta, delta, place] as const : [k, states[i], meta, false] as const)), removed });
      }
      const [[shared, local]] = codecs.rest.decode(this.read(fd, this.header.rest, 'shared state')) as Array<[unknown, unknown]>;
      return { groups, shared, local };
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * The state partition `partition` (of `partitions`) restores from a node's chains: `chains`
 * holds, per partition of the run that wrote them, the segment files oldest first (a full
 * one, then deltas). Reads only the key groups the partition owns; `shared` comes from the
 * writer's partition 0, `local` from the same partition index (refused when the partition
 * count changed).
 */
export function restoreState(node: string, chains: ReadonlyArray<readonly SegmentFile[]>, partition: number, partitions: number, keyGroups: number, schema?: AvroSchemaJson): ExecutorState {
  const want = (g: number) => partitionOfKeyGroup(g, keyGroups, partitions) === partition;
  // Per chain and key group: the full segment's entries, and the deltas after it folded into
  // one net change per key (in order), applied in one pass over the full entries. Per chain:
  // a key group's entries may come from more than one writer (a window's kept batches are
  // keyed by batch and writer, not routed by key group).
  const byChain: Array<{ groups: Set<number>; base: Map<number, KeyedEntry[]>; net: Map<number, KeyMap<KeyedEntry | typeof REMOVED>> }> = [];
  let shared: unknown;
  let local: unknown;
  for (const chain of chains) {
    const codecs = new SegmentCodecs(node, schema);
    const mine = new Set<number>();
    const base = new Map<number, KeyedEntry[]>();
    const net = new Map<number, KeyMap<KeyedEntry | typeof REMOVED>>();
    byChain.push({ groups: mine, base, net });
    for (const f of chain) {
      const h = f.header;
      if (h.hasLocal && h.partitions !== partitions) {
        throw new Error(`${node}: its state was taken with ${h.partitions} partitions and is kept per partition; it cannot be restored on ${partitions}`);
      }
      if (h.delta === (f === chain[0])) throw new Error(`${f.path}: ${h.delta ? 'a chain starts with a delta' : 'a full segment inside a chain'}`);
      if (!h.groups.some(([g]) => want(g)) && h.partition !== 0 && h.partition !== partition) continue;
      let part: ReturnType<SegmentFile['load']>;
      try { part = f.load(codecs, want); } catch (e) { throw new CorruptSegment(f.path, (e as Error).message); }
      for (const [g, { entries, removed }] of part.groups) {
        mine.add(g);
        if (!h.delta) { base.set(g, entries); continue; }
        let m = net.get(g);
        if (!m) net.set(g, (m = new KeyMap()));
        for (const k of removed) m.set(k, REMOVED);
        for (const e of entries) {
          const before = m.get(e[0]);
          if (e[3]) m.delete(e[0]);
          // An update of a key inserted by an earlier delta is still that insertion (its place).
          m.set(e[0], !e[3] && before !== undefined && before !== REMOVED && before[3] ? [e[0], e[1], e[2], true, before[4]] : e);
        }
      }
      if (h.partition === 0) shared = part.shared;
      if (h.partition === partition) local = part.local;
    }
  }
  // Each chain's entries in their places (the writer's map order), chain after chain.
  const keyed: KeyedEntry[] = [];
  for (const { groups: chainGroups, base, net } of byChain) {
    // Allocated at its final length: writing places out of order into a growing array would
    // turn it into a dictionary (slow for a million keys).
    let last = -1;
    for (const g of chainGroups) {
      for (const e of base.get(g) ?? []) if (e[4] !== undefined && e[4] > last) last = e[4];
      const m = net.get(g);
      if (m) for (const { value: c } of m.values()) if (c !== REMOVED && c[4] !== undefined && c[4] > last) last = c[4];
    }
    const placed = new Array<KeyedEntry | undefined>(last + 1);
    const unplaced: KeyedEntry[] = [];
    const put = (e: KeyedEntry, place: number | undefined) => { if (place === undefined || place < 0) unplaced.push(e); else placed[place] = e; };
    for (const g of chainGroups) {
      const m = net.get(g);
      const entries = base.get(g) ?? [];
      for (const e of entries) {
        const c = m?.get(e[0]);
        if (c === undefined) put(e, e[4]);
        else if (c !== REMOVED && !c[3]) { put([c[0], c[1], c[2]], e[4]); m!.delete(e[0]); }
      }
      if (m) for (const { value: c } of m.values()) if (c !== REMOVED && c[3]) put(c, c[4]);
    }
    for (const e of placed) if (e !== undefined) keyed.push(e);
    for (const e of unplaced) keyed.push(e);
  }
  return { keyed, shared, local };
}
