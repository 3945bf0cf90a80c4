import * as O from 'fp-ts/lib/Option.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline, S, seconds, Sources } from '../../src/index.js';
import type { Plan } from '../../src/ir/plan.js';
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import { Checkpoints, MAX_DELTAS, restorePartition, StateWriter, type RestorePoint } from '../../runtimes/core/checkpoint.js';
import { SegmentFile } from '../../runtimes/core/state.js';
import { KeyedStateStore, snapshotOf, type KeyedEntry } from '../../runtimes/local/state-store.js';

const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-state-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** A plan with one updateStateByKey named `counts`, its state declared with `schema` (or not). */
function planWith(schema?: S.Schema<any>): { plan: Plan; node: string } {
  const p = Pipeline.create('state-segments', { batchInterval: seconds(1) });
  const s = p.source(Sources.batches<readonly [string, number]>([]));
  const opts = schema ? { name: 'counts', state: schema } : { name: 'counts' };
  s.updateStateByKey((vs: number[], st: O.Option<any>) => O.some(vs.length + (O.isSome(st) ? 1 : 0)), opts as never).print();
  const plan = p.plan();
  return { plan, node: plan.nodes.find((n) => n.kind === 'updateStateByKey')!.id };
}

/** A seeded random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `[key, state, meta]` of restored entries (a restore may leave its own marks after them). */
const strip = (es: readonly KeyedEntry[]): KeyedEntry[] => es.map(([k, st, meta]) => [k, st, meta]);

const keyOf = (i: number): unknown => (i % 3 === 0 ? ['k', i] : i % 3 === 1 ? `k${i}` : i);

/** The live store's entries of the key groups a partition owns, in the live map's order (what an uninterrupted run holds). */
function expectedFor(store: KeyedStateStore<{ n: number; seen: number }>, kg: number, p: number, partitions: number): KeyedEntry[] {
  return [...store.entries()]
    .filter(([k]) => partitionOfKeyGroup(keyGroupOf(k, kg), kg, partitions) === p)
    .map(([k, e]) => [k, e.n, e.seen] as KeyedEntry);
}

describe('keyed state stores and incremental Avro segments', () => {
  it('full then deltas (updates, inserts, removals, re-inserts) restore to the live state in the live order, on 1, 2 and 4 partitions', () => {
    const { plan, node } = planWith();
    const dir = tmp();
    const store = new KeyedStateStore<{ n: number; seen: number }>((e) => [e.n, e.seen]);
    const writer = new StateWriter(dir, plan);
    const rand = rng(7);
    for (let i = 0; i < 3000; i++) store.set(keyOf(i), { n: i, seen: 0 });
    let deltas = 0;
    for (let t = 1; t <= 12; t++) {
      for (let j = 0; j < 60; j++) {
        const k = keyOf(Math.floor(rand() * (rand() < 0.5 ? 40 : 3100))); // a hot set: keys removed and inserted again between snapshots
        const r = rand();
        if (r < 0.15) store.delete(k);
        else if (r < 0.5) store.set(k, { n: j, seen: t });
        else { const e = store.entry(k, () => ({ n: 0, seen: t })); e.value.n += 1; store.changed(k); }
      }
      const s = snapshotOf(store, writer.mode(node, 0));
      if (t === 1) expect(s.delta).toBeUndefined();
      if (s.delta) deltas++;
      const point: RestorePoint = { t: t * 1000, segments: writer.write(t * 1000, node, 0, 1, s) };
      for (const partitions of [1, 2, 4]) {
        const all: KeyedEntry[] = [];
        for (let p = 0; p < partitions; p++) {
          const got = strip(restorePartition(dir, plan, point, node, p, partitions)!.keyed!);
          expect(got).toEqual(expectedFor(store, plan.keyGroups, p, partitions));
          all.push(...got);
        }
        expect(all).toHaveLength(store.size);
      }
    }
    expect(deltas).toBeGreaterThan(5);
  });

  it('deltas hold only the changed keys; the chain is compacted to a full segment when the deltas outgrow it', () => {
    const { plan, node } = planWith(S.long());
    const dir = tmp();
    const store = new KeyedStateStore<{ n: number; seen: number }>((e) => [e.n, e.seen]);
    for (let i = 0; i < 10_000; i++) store.set(`k${i}`, { n: i, seen: 0 });
    const writer = new StateWriter(dir, plan);
    const full = writer.write(1000, node, 0, 1, snapshotOf(store, writer.mode(node, 0)))[0];
    for (let i = 0; i < 100; i++) store.changed(`k${i}`);
    const s = snapshotOf(store, writer.mode(node, 0));
    expect(s.delta).toBe(true);
    expect(s.keyed).toHaveLength(100);
    const [, delta] = writer.write(2000, node, 0, 1, s);
    expect(delta.bytes).toBeLessThan(full.bytes / 10); // 1 % of the keys: the rest is per-section framing
    expect(SegmentFile.open(join(dir, delta.file), delta.bytes).header).toMatchObject({ delta: true, declared: true, schema: 'long' });
    // Change every key twice: the deltas together outgrow the full segment, so the next one is full.
    let t = 3000;
    while (writer.mode(node, 0) === 'delta') {
      for (const [k] of store.entries()) store.changed(k);
      writer.write(t, node, 0, 1, snapshotOf(store, 'delta'));
      t += 1000;
    }
    expect(t).toBeLessThanOrEqual(5000);
    const chain = writer.write(t, node, 0, 1, snapshotOf(store, writer.mode(node, 0)));
    expect(chain).toHaveLength(1);
    expect(SegmentFile.open(join(dir, chain[0].file), chain[0].bytes).header.delta).toBe(false);
    // A run of small deltas is compacted after MAX_DELTAS.
    let small = 0;
    while (writer.mode(node, 0) === 'delta') { writer.write(t += 1000, node, 0, 1, snapshotOf(store, 'delta')); small++; }
    expect(small).toBe(MAX_DELTAS);
  });

  it('a state value that does not fit the declared schema is refused naming the operator', () => {
    const { plan, node } = planWith(S.long());
    const writer = new StateWriter(tmp(), plan);
    const store = new KeyedStateStore<{ n: unknown; seen: number }>((e) => [e.n, e.seen]);
    store.set('a', { n: 'many', seen: 0 });
    expect(() => writer.write(1000, node, 0, 1, snapshotOf(store, 'full'))).toThrow(new RegExp(`${node} state.*does not fit the declared schema`));
  });

  it('entries of one key group written by two partitions (window batches are not routed by key) are all restored, on 1, 2 and 3 partitions', () => {
    const { plan, node } = planWith();
    const dir = tmp();
    const writer = new StateWriter(dir, plan);
    const written = [0, 1].map((p) => Array.from({ length: 300 }, (_, i) => [[i, `writer-${p}`], p * 1000 + i] as KeyedEntry));
    const segments = [0, 1].flatMap((p) => writer.write(1000, node, p, 2, { keyed: written[p] }));
    const point: RestorePoint = { t: 1000, segments };
    const key = (e: KeyedEntry) => JSON.stringify(e[0]);
    for (const partitions of [1, 2, 3]) {
      const all: KeyedEntry[] = [];
      for (let p = 0; p < partitions; p++) all.push(...strip(restorePartition(dir, plan, point, node, p, partitions)!.keyed!));
      expect(all.map(key).sort()).toEqual(written.flat().map(key).sort());
    }
  });

  it('a partition reads only the sections of its own key groups', () => {
    const { plan, node } = planWith();
    const dir = tmp();
    const store = new KeyedStateStore<{ n: number; seen: number }>((e) => [e.n, e.seen]);
    for (let i = 0; i < 2000; i++) store.set(`k${i}`, { n: i, seen: 0 });
    const [seg] = new StateWriter(dir, plan).write(1000, node, 0, 1, snapshotOf(store, 'full'));
    const f = SegmentFile.open(join(dir, seg.file), seg.bytes);
    // Damage a section of partition 1's key groups (of 2) that carries no schema.
    const victim = f.header.groups.find(([g, , , , carries]) => !carries && partitionOfKeyGroup(g, plan.keyGroups, 2) === 1)!;
    const bytes = readFileSync(join(dir, seg.file));
    const bodyAt = bytes.length - (f.header.rest[0] + f.header.rest[1]);
    bytes[bodyAt + victim[1] + 8] ^= 0xff;
    writeFileSync(join(dir, seg.file), bytes);
    const point = { t: 1000, segments: [seg] };
    expect(strip(restorePartition(dir, plan, point, node, 0, 2)!.keyed!)).toEqual(expectedFor(store, plan.keyGroups, 0, 2));
    expect(() => restorePartition(dir, plan, point, node, 1, 2)).toThrow(new RegExp(`state file .*p0\\.avro is corrupt \\(key group ${victim[0]}: checksum mismatch\\)`));
  });

  it('refuses a resume whose declared state schema cannot read the stored state, naming the operator', () => {
    const dir = tmp();
    const before = planWith(S.long());
    const cp = Checkpoints.open(dir, before.plan, 'h');
    const store = new KeyedStateStore<{ n: number; seen: number }>((e) => [e.n, e.seen]);
    store.set('a', { n: 1, seen: 0 });
    const segments = new StateWriter(dir, before.plan).write(1000, before.node, 0, 1, snapshotOf(store, 'full'));
    cp.commit({ t: 1000, mode: 'snapshot', zeroTime: 0, complete: false, segments }, before.plan, {});
    const asString = planWith(S.string());
    expect(() => Checkpoints.open(dir, asString.plan, 'h')).toThrow(
      new RegExp(`refused: the declared state schema of 'counts' \\(updateStateByKey ${asString.node}\\) cannot read its stored state, written as "long"`),
    );
    // long → double is a promotion Avro readers make; an undeclared state reads anything.
    expect(() => Checkpoints.open(dir, planWith(S.double()).plan, 'h')).not.toThrow();
    expect(() => Checkpoints.open(dir, planWith().plan, 'h')).not.toThrow();
  });
});
