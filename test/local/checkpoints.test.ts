// Checkpoints on the local runtime (issues 6 and 8): the cluster's layout, a resume equal to an
// uninterrupted run, the cluster's refusals, and checkpoints that move between the runtimes.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as O from 'fp-ts/lib/Option.js';
import { local, millis, pair, Pipeline, seconds, Sinks, Sources } from '../../src/index.js';
import type { Stream } from '../../src/dsl/stream.js';
import { harnessPipeline, runBatches } from '../../src/testing/index.js';
import { declaredAsString, declaredTotals, lines, runningTotals, windowed } from '../cluster/fixtures/pipelines.js';

const fixtures = fileURLToPath(new URL('../cluster/fixtures/pipelines.ts', import.meta.url));
const sorted = (batches: unknown[][]) => batches.map((b) => [...b].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))));
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-local-ckpt-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const totals = () => harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
const totalsRef = { module: fixtures, export: 'harness', args: ['runningTotals'] };

describe('local checkpoints', () => {
  it('write the cluster layout; a run stopped by numBatches resumes at the next batch with the output of one uninterrupted run', async () => {
    const dir = tmp();
    const expected = await runBatches(lines, runningTotals);
    const first = totals();
    await first.pipeline.run({ runtime: local({ checkpointDir: dir }), numBatches: 2 });
    expect(first.out.batches.map(([t]) => t)).toEqual([1000, 2000]);
    expect(readdirSync(join(dir, 'commits')).sort()).toEqual(['1000.json', '2000.json']);
    const commit = JSON.parse(readFileSync(join(dir, 'commits', '2000.json'), 'utf8'));
    expect(commit).toMatchObject({ t: 2000, mode: 'snapshot', zeroTime: 0, complete: false });
    const stateful = first.pipeline.plan().nodes.find((n) => n.kind === 'updateStateByKey') as { state: { name: string } };
    expect(readdirSync(join(dir, 'state', '2000')).sort()).toEqual([stateful.state.name, 'source_0'].sort());
    // One partition: every segment is p0 of 1, the second a delta of the first.
    expect((commit.segments as Array<{ partition: number; partitions: number; file: string }>).map((s) => [s.partition, s.partitions, s.file.split('/')[1]]))
      .toEqual(expect.arrayContaining([[0, 1, '1000'], [0, 1, '2000']]));
    expect(JSON.parse(readFileSync(join(dir, 'offsets', '2000.json'), 'utf8'))).toEqual({ 'source#0': 2 });
    expect(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'))).toMatchObject({ format: 2, pipeline: 'test', keyGroups: 128 });

    const second = totals();
    const { metrics } = await second.pipeline.run({ runtime: local({ checkpointDir: dir }) });
    expect(second.out.batches.map(([t]) => t)).toEqual([3000, 4000]);
    expect(metrics.records['source#0']).toBe(1); // only batches 3 and 4 were read
    expect(sorted([...first.out.batches, ...second.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
    expect(JSON.parse(readFileSync(join(dir, 'commits', '5000.json'), 'utf8'))).toMatchObject({ t: 5000, complete: true });
    // A third run of a completed job does nothing.
    const third = totals();
    await third.pipeline.run({ runtime: local({ checkpointDir: dir }) });
    expect(third.out.batches).toEqual([]);
  });

  it('windows resume with their kept batches; checkpointInterval commits every n-th batch and the last', async () => {
    const input = [['a b'], ['b c'], ['a'], ['c c'], ['b']];
    const expected = await runBatches(input, windowed, { numBatches: 7 });
    const dir = tmp();
    const runs: Array<Array<readonly [number, unknown[]]>> = [];
    for (const numBatches of [3, 5, undefined]) {
      const { pipeline, out } = harnessPipeline([input], windowed as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
      await pipeline.run({ runtime: local({ checkpointDir: dir, checkpointInterval: 2 }), numBatches });
      runs.push(out.batches);
      if (numBatches === 3) expect(readdirSync(join(dir, 'commits')).sort()).toEqual(['2000.json', '3000.json']);
    }
    expect(runs.map((r) => r.map(([t]) => t))).toEqual([[1000, 2000, 3000], [4000, 5000], [6000, 7000]]);
    expect(sorted(runs.flat().map(([, rs]) => rs))).toEqual(sorted(expected));
  });

  it('a run stopped by its abort signal between two checkpoints commits the last batch it ran; the resume goes on from there', async () => {
    const dir = tmp();
    const input = Array.from({ length: 12 }, (_, i) => [`w${i % 3} w${i % 5}`]);
    const expected = await runBatches(input, runningTotals);
    const ctl = new AbortController();
    const first = harnessPipeline([input], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: millis(100) });
    setTimeout(() => ctl.abort(), 450);
    const stopped = await first.pipeline.run({ runtime: local({ checkpointDir: dir, checkpointInterval: 1000 }), pace: 'realtime', signal: ctl.signal });
    expect(stopped.stopped).toBe(true);
    const ran = first.out.batches.map(([t]) => t);
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.length).toBeLessThan(12);
    expect(readdirSync(join(dir, 'commits'))).toEqual([`${ran.at(-1)}.json`]);
    const second = harnessPipeline([input], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: millis(100) });
    const finished = await second.pipeline.run({ runtime: local({ checkpointDir: dir }), pace: 'asap' });
    expect(finished.stopped).toBeUndefined();
    expect(second.out.batches[0][0]).toBe(ran.at(-1)! + 100);
    expect(sorted([...first.out.batches, ...second.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
  });

  it('a job whose source cannot tell its position commits replay points: the resume runs it again from the start and writes only the batches after the commit', async () => {
    const dir = tmp();
    const build = () => {
      const p = Pipeline.create('replayed', { batchInterval: seconds(1) });
      const out = Sinks.collect<readonly [string, number]>();
      async function* gen() { for (const w of ['a', 'b', 'a', 'c', 'a']) yield w; }
      p.source(Sources.fromAsyncIterable(gen(), { bounded: true })).map((w) => pair(w, 1))
        .updateStateByKey<string, number, number>((vs, s) => O.some(vs.reduce((a, b) => a + b, O.getOrElse(() => 0)(s)))).to(out);
      return { p, out };
    };
    const whole = build();
    await whole.p.run({ runtime: local(), maxBatchSize: 1 });
    const a = build();
    await a.p.run({ runtime: local({ checkpointDir: dir }), maxBatchSize: 1, numBatches: 2 });
    expect(JSON.parse(readFileSync(join(dir, 'commits', '2000.json'), 'utf8'))).toMatchObject({ t: 2000, mode: 'replay' });
    expect(readdirSync(dir).sort()).toEqual(['commits', 'metadata.json']);
    const b = build();
    await b.p.run({ runtime: local({ checkpointDir: dir }), maxBatchSize: 1 });
    expect(b.out.batches.map(([t]) => t)).toEqual(whole.out.batches.map(([t]) => t).filter((t) => t > 2000));
    expect([...a.out.batches, ...b.out.batches]).toEqual(whole.out.batches);
  });
});

describe('local checkpoints refuse what the cluster refuses', () => {
  it('another pipeline, a corrupt commit or state file, before anything runs', async () => {
    const foreign = tmp();
    writeFileSync(join(foreign, 'metadata.json'), JSON.stringify({ format: 2, pipeline: 'other-job', planHash: 'x', keyGroups: 128, stateful: [] }));
    const p = totals();
    await expect(p.pipeline.run({ runtime: local({ checkpointDir: foreign }) })).rejects.toThrow(/checkpoint directory .* refused: it belongs to pipeline 'other-job', not 'test'/);

    const dir = tmp();
    await totals().pipeline.run({ runtime: local({ checkpointDir: dir }), numBatches: 2 });
    const commit = JSON.parse(readFileSync(join(dir, 'commits', '2000.json'), 'utf8')) as { segments: Array<{ file: string }> };
    const seg = commit.segments.find((s) => !s.file.includes('source'))!.file;
    appendFileSync(join(dir, seg), 'x');
    const again = totals();
    await expect(again.pipeline.run({ runtime: local({ checkpointDir: dir }) })).rejects.toThrow(/refused: state file .* is corrupt \(\d+ bytes, the commit says \d+\)/);
    expect(again.out.batches).toEqual([]);
    writeFileSync(join(dir, 'commits', '2000.json'), '{"t": 20');
    await expect(totals().pipeline.run({ runtime: local({ checkpointDir: dir }) })).rejects.toThrow(/refused: commits\/2000.json is corrupt/);
  });

  it('an input file changed since the checkpoint, naming the source and the file', async () => {
    const dir = tmp();
    const input = join(tmp(), 'in.txt');
    writeFileSync(input, Array.from({ length: 40 }, (_, i) => `w${i % 7}`).join('\n') + '\n');
    const build = () => {
      const p = Pipeline.create('file-job', { batchInterval: seconds(1) });
      p.source(Sources.textFile(input)).map((w) => pair(w, 1)).reduceByKey((a, b) => a + b).to(Sinks.collect());
      return p;
    };
    await build().run({ runtime: local({ checkpointDir: dir }), maxBatchSize: 10, numBatches: 2 });
    writeFileSync(input, Array.from({ length: 40 }, (_, i) => `w${(i + 3) % 7}`).join('\n') + '\n');
    await expect(build().run({ runtime: local({ checkpointDir: dir }), maxBatchSize: 10 })).rejects.toThrow(/refused: source#0 \(textFile\) reads .*in\.txt, which changed since the checkpoint/);
  });

  it('a declared state schema that cannot read the stored state, naming the operator and both schemas', async () => {
    const dir = tmp();
    const first = harnessPipeline([lines], declaredTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await first.pipeline.run({ runtime: local({ checkpointDir: dir }), numBatches: 2 });
    const node = first.pipeline.plan().nodes.find((n) => n.kind === 'updateStateByKey')!.id;
    const asString = harnessPipeline([lines], declaredAsString as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await expect(asString.pipeline.run({ runtime: local({ checkpointDir: dir }) })).rejects.toThrow(
      new RegExp(`refused: the declared state schema of 'totals' \\(updateStateByKey ${node}\\) cannot read its stored state, written as "long"`),
    );
    expect(asString.out.batches).toEqual([]);
  });
});

describe('a checkpoint moves between the local and the cluster runtime', () => {
  it('written by the local runtime, resumed on the cluster (2 workers: keyed state moves by key group), and the other way round', { timeout: 120_000 }, async () => {
    const expected = await runBatches(lines, runningTotals);
    const localFirst = tmp();
    const a = totals();
    await a.pipeline.run({ runtime: local({ checkpointDir: localFirst }), numBatches: 2 });
    const b = totals();
    await b.pipeline.run({ runtime: 'cluster', workers: 2, worker: totalsRef, checkpointDir: localFirst } as never);
    expect(b.out.batches.map(([t]) => t)).toEqual([3000, 4000]);
    expect(sorted([...a.out.batches, ...b.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));

    const clusterFirst = tmp();
    const c = totals();
    await c.pipeline.run({ runtime: 'cluster', workers: 2, worker: totalsRef, checkpointDir: clusterFirst, numBatches: 2 } as never);
    const d = totals();
    await d.pipeline.run({ runtime: local({ checkpointDir: clusterFirst }) });
    expect(d.out.batches.map(([t]) => t)).toEqual([3000, 4000]);
    expect(sorted([...c.out.batches, ...d.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
  });

  it('window state moves between the runtimes: taken on 2 cluster partitions it resumes on local, taken on local it resumes on 2 cluster partitions', { timeout: 120_000 }, async () => {
    const input = [['a b'], ['b c'], ['a']];
    const ref = { module: fixtures, export: 'harnessOf', args: ['windowed', input] };
    const expected = await runBatches(input, windowed, { numBatches: 5 });
    const harness = () => harnessPipeline([input], windowed as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    const fromCluster = tmp();
    const a = harness();
    await a.pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: fromCluster, numBatches: 2 } as never);
    const b = harness();
    await b.pipeline.run({ runtime: local({ checkpointDir: fromCluster }) });
    expect(sorted([...a.out.batches, ...b.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
    const fromLocal = tmp();
    const c = harness();
    await c.pipeline.run({ runtime: local({ checkpointDir: fromLocal }), numBatches: 2 });
    const d = harness();
    await d.pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: fromLocal } as never);
    expect(sorted([...c.out.batches, ...d.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
  });
});
