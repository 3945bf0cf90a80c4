// The task contract is enough to write a runtime: a few lines here place every task of a
// physical plan in this process, deliver its exchange parts in producer order, checkpoint
// through `prepare` and restore on another partition count, and give what the local runtime
// gives, batch by batch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as O from 'fp-ts/lib/Option.js';
import { afterAll, describe, expect, it } from 'vitest';
import { Pipeline, Sinks, Sources, pair, seconds, tumbling, type Windowed } from '../../src/index.js';
import type { EdgeBatch, TaskInput } from '../../src/engine/task.js';
import { planPhysical } from '../../src/planner/index.js';
import { keyGroupOf, partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import type { RestorePoint, StateSegment } from '../../runtimes/core/checkpoint.js';
import { restorePartition, StateWriter } from '../../runtimes/core/checkpoint.js';
import { StageTask, taskPlan } from '../../runtimes/core/stage-task.js';
import { TaskDeadLetters } from '../../runtimes/core/task-dead-letters.js';
import { createEnv } from '../../runtimes/local/engine.js';
import type { Executor, Env } from '../../runtimes/local/executor.js';
import { executors } from '../../runtimes/local/ops/index.js';
import type { IRNode } from '../../src/ir/nodes.js';
import type { RunMetrics } from '../../src/runtime.js';
import type { DeadLetter } from '../../src/io/connector.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-task-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INPUT = [
  ['a b a', '{"t":1}', 'c a'],
  ['b b', 'x', 'a'],
  [],
  ['c c c', 'a b', 'bad'],
  ['b', 'a a a a'],
  ['c', 'd d'],
];

/** Word counts, running counts, an event-time window over the words' lengths, a global count, dead letters. */
function job() {
  const deadLetters = Sinks.collect<DeadLetter>();
  const p = Pipeline.create('tasks', { batchInterval: seconds(1), keyGroups: 16, deadLetters });
  const lines = p.source(Sources.batches<string>(INPUT));
  const words = lines.map((l) => { if (l === 'bad') throw new Error('a bad line'); return l; }, { onError: 'deadLetter' }).flatMap((l) => l.split(' '));
  const pairs = words.map((w) => pair(w, 1));
  const counts = Sinks.collect<readonly [string, number]>();
  const running = Sinks.collect<readonly [string, number]>();
  const windows = Sinks.collect<Windowed<string, number>>();
  const totals = Sinks.collect<number>();
  pairs.reduceByKey((a, b) => a + b).to(counts);
  pairs.updateStateByKey<string, number, number>((vs, st) => O.some(vs.length + O.getOrElse(() => 0)(st))).to(running);
  words
    .map((w) => ({ w, ts: (w.charCodeAt(0) - 96) * 1500 })) // '{' is late after 'd'
    .withEventTime((r) => r.ts, { watermarkDelay: seconds(1) })
    .keyBy((r) => r.w)
    .window(tumbling(seconds(2)))
    .count()
    .to(windows);
  lines.count().to(totals);
  return { p, sinks: { counts, running, windows, totals }, deadLetters };
}

/** Every sink's batches as `[batch index, sorted records]` (partition order is the runtime's). */
type Output = Record<string, Array<[number, string[]]>>;

const letterText = (d: DeadLetter) => `${d.batchTime} ${d.origin}: ${d.reason} ${d.raw}`;

async function onLocal(batches: number): Promise<{ out: Output; deadLetters: string[] }> {
  const { p, sinks, deadLetters } = job();
  await p.run({ numBatches: batches });
  const out = Object.fromEntries(Object.entries(sinks).map(([name, s]) => [name, s.batches.map(([t, rs]) => [t / 1000, rs.map((r) => JSON.stringify(r)).sort()])])) as Output;
  return { out, deadLetters: deadLetters.records().map(letterText) };
}

/**
 * Runs `job()` on `partitions` partitions from batch `from` to `to` (1-based) and the final
 * pass, every task in this process; `restore` is a checkpoint to start from, `checkpointAt` a batch after which
 * to take one. Returns the sinks' batches, the dead letters and the checkpoint taken.
 */
async function onTasks(partitions: number, from: number, to: number, restore?: { point: RestorePoint; dir: string }, checkpointAt?: number) {
  const { p } = job();
  const plan = p.plan();
  const bindings = p.bindings();
  const phys = planPhysical(plan, { partitions });
  const table = executors({ maxBatchSize: 1000, wait: true });
  const kg = phys.keyGroups;
  let now = 0;
  const writer = new StateWriter(join(dir, `ck-${partitions}-${from}`), plan);
  const tasks = phys.stages.flatMap((stage) => Array.from({ length: stage.partitions }, (_, q) => {
    const dead = new TaskDeadLetters(() => now);
    const base = createEnv(plan, bindings, 0, 1, (o, r, raw) => dead.add(o, r, raw));
    const env: Env = { ...base, owns: (id, key) => partitionOfKeyGroup(keyGroupOf(key, kg), kg, phys.nodePartitions[id]) === q };
    const tp = taskPlan(phys, stage, q);
    const execs = tp.nodes.map(({ id }) => { const n = env.node(id); return (table[n.kind] as (n: IRNode, env: Env) => Executor)(n, env); });
    return { tp, task: new StageTask({ ...tp, execs, env, dead, keyGroups: kg, table, stateWriter: () => writer, partitionsOf: (id) => phys.nodePartitions[id] }) };
  }));
  if (restore) for (const { task } of tasks) task.restore((node) => restorePartition(restore.dir, plan, restore.point, node, task.id.partition, phys.nodePartitions[node]));
  for (const { task } of tasks) await task.open();
  const out: Output = {};
  const deadLetters: string[] = [];
  let checkpoint: { point: RestorePoint; dir: string } | undefined;
  const sinkName = (id: string) => ['counts', 'running', 'windows', 'totals'][plan.nodes.filter((n) => n.kind === 'sink').findIndex((n) => n.id === id)];
  // Batches from..to, then the end-of-input pass (as the local runtime's after numBatches).
  for (let k = from; k <= to + 1; k++) {
    const final = k > to;
    const t = (now = k * 1000);
    const metrics: RunMetrics = { batches: 0, records: {}, deadLetters: 0, lateRecords: 0 };
    const parts: EdgeBatch[] = [];
    const batches = new Map<string, ReadonlyMap<string, unknown[] | undefined>>();
    const sinks = new Map<string, unknown[][]>();
    // Stages are in topological order: every producer of a task ran before it.
    for (const { tp, task } of tasks) {
      const inputs: TaskInput[] = tp.forwardIn.map((f) => ({ edge: f.from, records: batches.get(`${f.stage}/${task.id.partition}`)!.get(f.from) }));
      for (const e of tp.exchangesIn) {
        const mine = parts.filter((x) => x.edge === e.id && x.to === task.id.partition).sort((x, y) => x.from - y.from);
        expect(mine.map((x) => x.from)).toEqual([...Array(e.fromPartitions).keys()]); // one part from every producer, empty ones included
        const defined = mine.filter((x) => x.records !== undefined);
        inputs.push({ edge: e.id, records: defined.length ? defined.flatMap((x) => x.records!) : undefined, maxEventTime: Math.max(...mine.map((x) => x.maxEventTime ?? -Infinity)) });
      }
      const o = await task.process(t, inputs, { final, metrics });
      batches.set(`${tp.id.stage}/${tp.id.partition}`, o.batches);
      parts.push(...o.parts);
      for (const s of o.sinks) if (s.records) sinks.set(s.sink, [...(sinks.get(s.sink) ?? []), s.records]);
    }
    for (const [id, rs] of sinks) (out[sinkName(id)] ??= []).push([k, rs.flat().map((r) => JSON.stringify(r)).sort()]);
    for (const { task } of tasks) deadLetters.push(...task.takeDeadLetters().map(letterText));
    if (k === checkpointAt) {
      const segments: StateSegment[] = tasks.flatMap(({ task }) => task.prepare(t, true).state);
      checkpoint = { point: { t, segments }, dir: join(dir, `ck-${partitions}-${from}`) };
    }
  }
  for (const { task } of tasks) await task.close();
  return { out, deadLetters, checkpoint };
}

describe('StageTask: a runtime written against the task contract', () => {
  for (const partitions of [1, 2, 3]) {
    it(`on ${partitions} partition(s), every task in one process: what the local runtime writes, batch by batch, and the same dead letters`, async () => {
      const local = await onLocal(6);
      const { out, deadLetters } = await onTasks(partitions, 1, 6);
      expect(out).toEqual(local.out);
      expect(local.out.counts.map(([k]) => k)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(local.out.windows.length).toBeGreaterThan(1);
      // The same letters; within a batch, partitions may send theirs in another order.
      expect(deadLetters.sort()).toEqual(local.deadLetters.sort());
      expect(deadLetters.filter((d) => /a bad line/.test(d))).toEqual([expect.stringMatching(/^4000 /)]);
      expect(deadLetters.filter((d) => /late record/.test(d)).length).toBeGreaterThan(0);
    });
  }

  it('prepare writes the tasks\' state segments; restored on another partition count the job goes on as one uninterrupted run', async () => {
    const { out: local } = await onLocal(6);
    const first = await onTasks(2, 1, 6, undefined, 3);
    expect(first.checkpoint!.point.segments.length).toBeGreaterThan(0);
    expect(new Set(first.checkpoint!.point.segments.map((s) => s.partition))).toEqual(new Set([0, 1]));
    const resumed = await onTasks(3, 4, 6, first.checkpoint);
    const after = Object.fromEntries(Object.entries(local).map(([name, bs]) => [name, bs.filter(([k]) => k >= 4)]));
    expect(resumed.out).toEqual(after);
  });
});

describe('TaskDeadLetters', () => {
  it('letters of a poll ahead of batch t wait for t; the batch that runs meanwhile keeps its own', () => {
    let now = 1000;
    let counted = 0;
    const dead = new TaskDeadLetters(() => now, () => { counted++; });
    dead.add('src', 'bad line', 'x');
    dead.pollingAhead(2000);
    dead.add('src', 'read early', 'y'); // a source polling batch 2000 while 1000 ends
    dead.add('op', 'failed in 1000', 'z', 1000); // an operator of the batch still running
    expect(dead.take().map((d) => [d.batchTime, d.reason, d.raw])).toEqual([[1000, 'bad line', 'x'], [1000, 'failed in 1000', 'z']]);
    now = 2000;
    dead.beginBatch();
    dead.add('op', 'failed in 2000', 'w', 2000);
    expect(dead.take().map((d) => [d.batchTime, d.reason])).toEqual([[2000, 'read early'], [2000, 'failed in 2000']]);
    expect(dead.take()).toEqual([]);
    expect(counted).toBe(4);
  });
});
