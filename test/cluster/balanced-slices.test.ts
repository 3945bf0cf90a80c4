import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Balancer, balancedSources, contiguous, partitionWeights } from '../../runtimes/cluster/balance.js';
import { WorkerPool } from '../../runtimes/cluster/pool.js';
import type { FromWorker, ToWorker } from '../../runtimes/cluster/protocol.js';
import { Pipeline } from '../../src/dsl/pipeline.js';
import { pair } from '../../src/dsl/stream.js';
import { sliceBounds, weightedBounds } from '../../src/io/connector.js';
import * as Sources from '../../src/io/sources/index.js';
import { collect } from '../../src/io/sinks/collect.js';
import { planPhysical } from '../../src/planner/index.js';
import { seconds } from '../../src/time/duration.js';
import * as S from '../../src/schema/index.js';
import { fileTotals, fileUpper, slowWorkerTotals } from './fixtures/file-jobs.js';

const fixtures = fileURLToPath(new URL('./fixtures/file-jobs.ts', import.meta.url));
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-balanced-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('weighted slice bounds', () => {
  it('tile every batch in index order; equal weights give the equal cut', () => {
    for (let n = 0; n < 40; n++) {
      for (const w of [[1, 1], [3, 1], [0, 5], [1, 0, 2], [7, 7, 7], [2, 9, 0, 4], [500, 500, 500, 500], [750, 250]]) {
        const b = w.map((_, i) => weightedBounds(n, w, i));
        expect(b[0][0]).toBe(0);
        expect(b[w.length - 1][1]).toBe(n);
        for (let i = 1; i < w.length; i++) expect(b[i][0]).toBe(b[i - 1][1]);
        for (const [a, z] of b) expect(z).toBeGreaterThanOrEqual(a);
        if (w.every((x) => x === w[0])) expect(b).toEqual(w.map((_, index) => sliceBounds(n, { index, count: w.length })));
      }
    }
    expect([0, 1].map((i) => weightedBounds(100, [3, 1], i))).toEqual([[0, 75], [75, 100]]);
  });

  it('a worker\'s partitions share its weight', () => {
    expect(partitionWeights([600, 400], 4)).toEqual([600, 400, 600, 400]);
  });
});

describe('which sources are balanced', () => {
  const sliced = () => true;
  it('a sliced source whose stage feeds only keyed exchanges, on every worker count that divides its partitions', () => {
    const plan = fileTotals('unused.txt').pipeline.plan();
    expect([...balancedSources(planPhysical(plan, { partitions: 2, sliced: new Set(['source#0']) }), sliced, 2)]).toEqual(['source#0']);
    expect([...balancedSources(planPhysical(plan, { partitions: 4, sliced: new Set(['source#0']) }), sliced, 2)]).toEqual(['source#0']);
    // One worker: nothing to balance; 3 partitions on 2 workers: the workers' shares would not be equal per partition.
    expect(balancedSources(planPhysical(plan, { partitions: 1, sliced: new Set(['source#0']) }), sliced, 1).size).toBe(0);
    expect(balancedSources(planPhysical(plan, { partitions: 3, sliced: new Set(['source#0']) }), sliced, 2).size).toBe(0);
    // Not sliced contiguously (a source sliced by key, or one read by partition 0 only).
    expect(balancedSources(planPhysical(plan, { partitions: 2, sliced: new Set(['source#0']) }), () => false, 2).size).toBe(0);
    expect(balancedSources(planPhysical(plan, { partitions: 2 }), sliced, 2).size).toBe(0);
  });

  it('only sources that cut with sliceBounds (weightedSlices): every built-in contiguous one; not one of one\'s own that cuts itself, nor sources sliced by key', () => {
    const dir = tmp();
    const builtIn = [Sources.textFile('a.txt'), Sources.jsonLines('a.jsonl'), Sources.csv('a.csv', S.record('Row', { a: S.string() })), Sources.avroFile('a.avro'), Sources.fromIterable([1, 2]), Sources.batches([[1], [2]])];
    expect(builtIn.map((s) => contiguous(s as never))).toEqual(builtIn.map(() => true));
    const { weightedSlices: _, ...own } = Sources.textFile('a.txt');
    expect(contiguous(own as never)).toBe(false);
    expect(contiguous(Sources.directory(dir, { format: 'text' }) as never)).toBe(false);
    expect(contiguous(Sources.fromIterable((function* () { yield 1; })()) as never)).toBe(false);
  });

  it('not where the cut decides what a partition writes: a sink in the stage, a forward edge out of it, a round-robin exchange', () => {
    const upper = fileUpper('unused.txt').pipeline.plan();
    expect(balancedSources(planPhysical(upper, { partitions: 2, sliced: new Set(['source#0']) }), sliced, 2).size).toBe(0);
    const rr = Pipeline.create('rr', { batchInterval: seconds(1) });
    rr.source(Sources.textFile('unused.txt')).map((l) => l.length).repartition(2).mapPartitions((xs, p) => xs.map((x) => [p, x])).to(collect());
    expect(balancedSources(planPhysical(rr.plan(), { partitions: 2, sliced: new Set(['source#0']) }), sliced, 2).size).toBe(0);
    const fwd = Pipeline.create('fwd', { batchInterval: seconds(1) });
    const s = fwd.source(Sources.textFile('unused.txt')).map((l) => pair(l, 1));
    s.reduceByKey((a, b) => a + b).union(s.mapValues((v) => v + 1)).to(collect());
    const phys = planPhysical(fwd.plan(), { partitions: 2, sliced: new Set(['source#0']) });
    expect(phys.stages.some((st) => st.inputs.some((i) => i.kind === 'forward'))).toBe(true);
    expect(balancedSources(phys, sliced, 2).size).toBe(0);
  });
});

describe('the balancer', () => {
  it('gives the faster worker the larger share, within half and one and a half times an equal one, smoothed, not chasing noise', () => {
    const b = new Balancer(2);
    // The first batch of a job is not measured (it holds the job's start).
    b.done(0, 0, 50_000, 400);
    b.done(0, 1, 50_000, 100);
    expect(b.weights()).toBeUndefined();
    b.done(1000, 0, 50_000, 100);
    expect(b.weights()).toBeUndefined(); // until every worker is done with the batch
    b.done(1000, 1, 50_000, 125);
    expect(b.weights()).toEqual([556, 444]);
    // The two now finish together: the smoothed speeds would move the weights by less than 3 %, so they stay.
    b.done(2000, 1, 44_400, 90);
    b.done(2000, 0, 55_600, 112);
    expect(b.weights()).toEqual([556, 444]);
    // Worker 1 turns faster, batch after batch: the weights follow.
    for (const t of [3000, 4000, 5000]) { b.done(t, 0, 55_600, 140); b.done(t, 1, 44_400, 60); }
    const [w0, w1] = b.weights()!;
    expect(w0).toBeLessThan(500);
    expect(w0 + w1).toBe(1000);
    // A batch where a worker read nothing (the end of the input) changes nothing.
    b.done(6000, 0, 0, 5);
    b.done(6000, 1, 0, 4);
    expect(b.weights()).toEqual([w0, w1]);
    // Speeds within noise of each other leave the slices equal.
    const even = new Balancer(2);
    even.done(0, 0, 50_000, 100);
    even.done(0, 1, 50_000, 100);
    even.done(1000, 0, 50_000, 100);
    even.done(1000, 1, 50_000, 104);
    expect(even.weights()).toBeUndefined();
    const slow = new Balancer(2);
    slow.done(0, 0, 50_000, 10);
    slow.done(0, 1, 50_000, 1000);
    expect(slow.weights()).toBeUndefined();
    slow.done(1000, 0, 50_000, 10);
    slow.done(1000, 1, 50_000, 1000);
    expect(slow.weights()).toEqual([750, 250]);
  });
});

describe('balanced slices on the cluster', () => {
  // 4,000 lines of 4 words over 13 words, 200 lines a batch: 20 batches.
  const text = Array.from({ length: 4000 }, (_, i) => [0, 1, 2, 3].map((j) => `w${(i * 7 + j) % 13}`).join(' ')).join('\n') + '\n';
  const sorted = (batches: ReadonlyArray<readonly [number, ReadonlyArray<readonly [string, number]>]>) => batches.map(([t, rs]) => [t, [...rs].sort((a, b) => (a[0] < b[0] ? -1 : 1))]);

  it('a worker made slow reads less of every batch, and the output is the local one batch by batch; balance: false keeps equal slices', async () => {
    const dir = tmp();
    const path = join(dir, 'lines.txt');
    writeFileSync(path, text);
    const local = slowWorkerTotals(path, 0);
    await local.pipeline.run({ pace: 'asap', maxBatchSize: 200 } as never);
    expect(local.out.batches).toHaveLength(21); // and the batch that finds the end of the input

    const pool = WorkerPool.start({ workers: 2, mode: 'module' });
    try {
      for (const balance of [true, false]) {
        // Per batch, the source records each worker read; and the weights the coordinator sent.
        const read = new Map<number, number[]>();
        const listeners = pool.workers.map((w, i) => {
          const f = (m: FromWorker) => { if (m.type === 'done' && m.records['source#0'] !== undefined) (read.get(m.t) ?? read.set(m.t, [0, 0]).get(m.t)!)[i] += m.records['source#0']; };
          w.child.on('message', f);
          return () => w.child.off('message', f);
        });
        const sent: Array<readonly number[] | undefined> = [];
        const send = pool.send.bind(pool);
        pool.send = (i: number, m: ToWorker) => { if (i === 0 && m.type === 'batch') sent.push(m.weights); send(i, m); };
        try {
          const two = slowWorkerTotals(path, 400);
          await two.pipeline.run({ runtime: 'cluster', pool, worker: { module: fixtures, export: 'slowWorkerTotalsPipeline', args: [path, 400] }, pace: 'asap', maxBatchSize: 200, balance } as never);
          expect(sorted(two.out.batches)).toEqual(sorted(local.out.batches));
        } finally {
          listeners.forEach((off) => off());
          pool.send = send;
        }
        const perBatch = [...read.values()].filter(([a, b]) => a + b === 200);
        expect(perBatch).toHaveLength(20);
        if (balance) {
          // Worker 1 spends 400 µs a line more. Batch t + 1 is cut by the weights sent with batch t,
          // from what the coordinator knew of the batches before (not the first, the job's start):
          // from the fifth batch on, or a few later on a loaded machine, worker 1 gets the least it may.
          expect(sent.filter((w) => w !== undefined).length).toBeGreaterThanOrEqual(10);
          expect(perBatch.slice(10)).toEqual(perBatch.slice(10).map(() => [150, 50]));
          expect(perBatch.reduce((n, [a]) => n + a, 0)).toBeGreaterThan(2 * perBatch.reduce((n, [, b]) => n + b, 0));
        } else {
          expect(sent.every((w) => w === undefined)).toBe(true);
          expect(perBatch.every(([a, b]) => a === 100 && b === 100)).toBe(true);
        }
      }
    } finally {
      await pool.close();
    }
  }, 120_000);
});
