import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { harnessPipeline, runBatches } from '../../src/testing/index.js';
import { seconds } from '../../src/time/duration.js';
import type { Stream } from '../../src/dsl/stream.js';
import { crashLines, crashingTotals, lateCrashLines, declaredAsString, declaredTotals, lines, runningTotals, sessions, windowed } from './fixtures/pipelines.js';

const fixtures = fileURLToPath(new URL('./fixtures/pipelines.ts', import.meta.url));
const sorted = (batches: unknown[][]) => batches.map((b) => [...b].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))));
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-cluster-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('cluster recovery', () => {
  it('a worker SIGKILLed mid-batch: workers restart, the job replays, the output is the local one, each batch written once', async () => {
    const markers = tmp();
    const expected = await runBatches(crashLines, crashingTotals(markers, 1));
    const { pipeline, out } = harnessPipeline([crashLines], crashingTotals(markers, 1) as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await pipeline.run({ runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'crashingHarness', args: [markers, 1] } } as never);
    expect(readdirSync(markers)).toHaveLength(1);
    expect(out.batches.map(([t]) => t)).toEqual([1000, 2000, 3000, 4000]);
    expect(sorted(out.batches.map(([, rs]) => rs))).toEqual(sorted(expected));
  });

  it('after a worker SIGKILL the run summary counts every batch and record once, as a clean run; the restart and the replayed batch are logged at info', async () => {
    const markers = tmp();
    const clean = harnessPipeline([lateCrashLines], crashingTotals(markers, 0) as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    const { metrics: expected } = await clean.pipeline.run({ runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'crashingHarness', args: [markers, 0, lateCrashLines] } } as never);
    expect(expected.batches).toBe(4);
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    try {
      const { pipeline } = harnessPipeline([lateCrashLines], crashingTotals(markers, 1) as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
      const { metrics } = await pipeline.run({ runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'crashingHarness', args: [markers, 1, lateCrashLines] } } as never);
      expect(readdirSync(markers)).toHaveLength(1);
      expect(metrics).toEqual(expected);
    } finally {
      spy.mockRestore();
    }
    // Logs are JSON lines off a terminal (src/observe/log.ts): their messages, one a line.
    const logged = lines.join('').split('\n').map((l) => { try { return (JSON.parse(l) as { msg: string }).msg; } catch { return l; } }).join('\n');
    expect(logged).toMatch(/\[coordinator\] worker [01] crashed \(killed by SIGKILL\) while running .* in batch 3000: restarting the workers \(attempt 2 of batch 3000\), replaying from the first batch\n/);
    expect(logged).toMatch(/\[coordinator batch 1000\] replayed after a recovery: its sinks and dead letters were written before and are not written again\n/);
  });

  it('a batch that crashes its worker every time stops the job after 3 attempts, naming the batch, worker and operators', async () => {
    const markers = tmp();
    const { pipeline } = harnessPipeline([crashLines], crashingTotals(markers, 99) as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    const run = pipeline.run({ runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'crashingHarness', args: [markers, 99] } } as never);
    await expect(run).rejects.toThrow(/^batch 2000 failed 3 times \(worker [01] crashed \(killed by SIGKILL\) while running stage-0\/p[01] \[source#0, map#1, flatMap#2, map#3\]\); giving up/);
    expect(readdirSync(markers)).toHaveLength(3);
  });

  it('a run restarted with the same checkpointDir writes only the batches after the last commit', async () => {
    const dir = tmp();
    const expected = await runBatches(lines, runningTotals);
    const ref = { module: fixtures, export: 'harness', args: ['runningTotals'] };
    const first = harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await first.pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: dir, numBatches: 2 } as never);
    expect(first.out.batches.map(([t]) => t)).toEqual([1000, 2000]);
    expect(readdirSync(join(dir, 'commits')).sort()).toEqual(['1000.json', '2000.json']);
    expect(JSON.parse(readFileSync(join(dir, 'commits', '2000.json'), 'utf8'))).toMatchObject({ t: 2000, mode: 'snapshot', zeroTime: 0, complete: false });
    expect(JSON.parse(readFileSync(join(dir, 'offsets', '2000.json'), 'utf8'))).toEqual({ 'source#0': 2 });
    const stateful = first.pipeline.plan().nodes.find((n) => n.kind === 'updateStateByKey') as { state: { name: string } };
    expect(readdirSync(join(dir, 'state', '2000')).sort()).toEqual([stateful.state.name, 'source_0'].sort());
    // Resume on 1 worker and 3 partitions: the keyed state moves by key group.
    const second = harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    const { metrics } = await second.pipeline.run({ runtime: 'cluster', workers: 1, partitions: 3, worker: ref, checkpointDir: dir } as never);
    expect(second.out.batches.map(([t]) => t)).toEqual([3000, 4000]);
    expect(metrics.records['source#0']).toBe(1); // only batches 3 and 4 were read: ['a'] after the empty one
    expect(sorted([...first.out.batches, ...second.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
    expect(readdirSync(join(dir, 'commits')).sort()).toEqual(['4000.json', '5000.json']);
    expect(JSON.parse(readFileSync(join(dir, 'commits', '5000.json'), 'utf8'))).toMatchObject({ t: 5000, complete: true });
    // A third run of a completed job does nothing.
    const third = harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await third.pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: dir } as never);
    expect(third.out.batches).toEqual([]);
  });

  it('refuses a corrupt or foreign checkpoint directory before starting any worker', async () => {
    const ref = { module: fixtures, export: 'harness', args: ['runningTotals'] };
    const corrupt = tmp();
    writeFileSync(join(corrupt, 'metadata.json'), '{"format": 1, "pipel');
    const p = harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>).pipeline;
    await expect(p.run({ runtime: 'cluster', workers: 1, worker: ref, checkpointDir: corrupt } as never)).rejects.toThrow(/checkpoint directory .* refused: metadata.json is corrupt/);
    const foreign = tmp();
    writeFileSync(join(foreign, 'metadata.json'), JSON.stringify({ format: 2, pipeline: 'other-job', planHash: 'x', keyGroups: 128, stateful: [] }));
    await expect(p.run({ runtime: 'cluster', workers: 1, worker: ref, checkpointDir: foreign } as never)).rejects.toThrow(RuntimeError);
    await expect(p.run({ runtime: 'cluster', workers: 1, worker: ref, checkpointDir: foreign } as never)).rejects.toThrow(/refused: it belongs to pipeline 'other-job', not 'test'/);
    const lost = tmp();
    writeFileSync(join(lost, 'metadata.json'), JSON.stringify({ format: 2, pipeline: 'test', planHash: 'x', keyGroups: 128, stateful: [{ node: 'mapWithState#4', state: 'sessions', kind: 'mapWithState' }] }));
    await expect(p.run({ runtime: 'cluster', workers: 1, worker: ref, checkpointDir: lost } as never)).rejects.toThrow(/refused: its state 'sessions' \(mapWithState mapWithState#4\) is not in the pipeline/);
  });
});

describe('cluster checkpoints', () => {
  it('a worker SIGKILLed mid-batch with a checkpointDir resumes from the last commit instead of replaying', async () => {
    const markers = tmp();
    const dir = tmp();
    const expected = await runBatches(crashLines, crashingTotals(markers, 1));
    const { pipeline, out } = harnessPipeline([crashLines], crashingTotals(markers, 1) as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    const { metrics } = await pipeline.run({ runtime: 'cluster', workers: 2, checkpointDir: dir, worker: { module: fixtures, export: 'crashingHarness', args: [markers, 1] } } as never);
    expect(readdirSync(markers)).toHaveLength(1);
    expect(out.batches.map(([t]) => t)).toEqual([1000, 2000, 3000, 4000]);
    expect(sorted(out.batches.map(([, rs]) => rs))).toEqual(sorted(expected));
    expect(metrics.records['source#0']).toBe(6); // every batch's records once, batch 1 (committed before the crash) included
  });

  it('windows resume with their kept batches and give the local result', async () => {
    const dir = tmp();
    const input = [['a b'], ['b c'], ['a'], ['c c'], ['b']];
    // The last run is bounded (no numBatches): it goes on until the 3 s window holding the last batch has fired.
    const expected = await runBatches(input, windowed, { numBatches: 7 });
    const ref = { module: fixtures, export: 'harnessOf', args: ['windowed', input] };
    const runs: Array<Array<readonly [number, unknown[]]>> = [];
    for (const numBatches of [2, 4, undefined]) {
      const { pipeline, out } = harnessPipeline([input], windowed as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
      await pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: dir, numBatches } as never);
      runs.push(out.batches);
    }
    expect(runs.map((r) => r.map(([t]) => t))).toEqual([[1000, 2000], [3000, 4000], [5000, 6000, 7000]]);
    expect(sorted(runs.flat().map(([, rs]) => rs))).toEqual(sorted(expected));
  });

  it('resumes window state on another partition count (2 → 4 → 1 partitions) and gives the local result', async () => {
    const dir = tmp();
    const input = [['a b'], ['b c'], ['a'], ['c c'], ['b']];
    const expected = await runBatches(input, windowed, { numBatches: 7 });
    const ref = { module: fixtures, export: 'harnessOf', args: ['windowed', input] };
    const runs: Array<Array<readonly [number, unknown[]]>> = [];
    for (const [numBatches, partitions] of [[2, 2], [4, 4], [undefined, 1]] as const) {
      const { pipeline, out } = harnessPipeline([input], windowed as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
      await pipeline.run({ runtime: 'cluster', workers: 2, partitions, worker: ref, checkpointDir: dir, numBatches } as never);
      runs.push(out.batches);
    }
    expect(runs.map((r) => r.map(([t]) => t))).toEqual([[1000, 2000], [3000, 4000], [5000, 6000, 7000]]);
    expect(sorted(runs.flat().map(([, rs]) => rs))).toEqual(sorted(expected));
  });
});

describe('cluster checkpoints of event-time windows', () => {
  it('session windows with lateness resume with their open windows and watermark, and give the local result', async () => {
    const dir = tmp();
    const input = [['a@100', 'b@500'], ['a@1500', 'c@2000'], ['b@4000', 'a@900'], ['a@7000', 'b@1000'], ['c@9000'], ['a@20000']];
    const expected = await runBatches(input, sessions);
    const ref = { module: fixtures, export: 'harnessOf', args: ['sessions', input] };
    const stitched: Array<readonly [number, unknown[]]> = [];
    let from = 0;
    for (const numBatches of [2, 4, undefined]) {
      const { pipeline, out } = harnessPipeline([input], sessions as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
      await pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: dir, numBatches } as never);
      // A run stopped by numBatches flushes its windows in an uncommitted final pass, as the local runtime does: not part of the job's output.
      const until = numBatches === undefined ? Infinity : numBatches * 1000;
      stitched.push(...out.batches.filter(([t]) => t > from && t <= until));
      from = until;
      if (numBatches !== undefined) expect(JSON.parse(readFileSync(join(dir, 'commits', `${until}.json`), 'utf8')).mode).toBe('snapshot');
    }
    expect(stitched.map(([, rs]) => rs)).toEqual(expected);
  });
});

describe('cluster checkpoints written by the workers', () => {
  it('each worker writes its partitions\' state files; the commit lists them with their sizes, and a resume on another partition count gives the local output', async () => {
    const dir = tmp();
    const expected = await runBatches(lines, runningTotals);
    const ref = { module: fixtures, export: 'harness', args: ['runningTotals'] };
    const first = harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await first.pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: dir, numBatches: 2 } as never);
    const stateful = first.pipeline.plan().nodes.find((n) => n.kind === 'updateStateByKey') as { id: string; state: { name: string } };
    const commit = JSON.parse(readFileSync(join(dir, 'commits', '2000.json'), 'utf8')) as { segments: Array<{ node: string; partition: number; partitions: number; file: string; bytes: number }> };
    const mine = commit.segments.filter((s) => s.node === stateful.id);
    // Each partition's chain: the full segment of batch 1, then the delta of batch 2.
    expect(mine.map((s) => [s.partition, s.partitions, s.file])).toEqual([
      [0, 2, join('state', '1000', stateful.state.name, 'p0.avro')],
      [1, 2, join('state', '1000', stateful.state.name, 'p1.avro')],
      [0, 2, join('state', '2000', stateful.state.name, 'p0.avro')],
      [1, 2, join('state', '2000', stateful.state.name, 'p1.avro')],
    ]);
    for (const s of commit.segments) expect(statSync(join(dir, s.file)).size).toBe(s.bytes);
    expect(readdirSync(join(dir, 'state')).sort()).toEqual(['1000', '2000']);
    // A truncated state file is refused, naming it.
    const victim = join(dir, mine[3].file);
    const bytes = readFileSync(victim);
    writeFileSync(victim, bytes.subarray(0, bytes.length - 1));
    const broken = harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await expect(broken.pipeline.run({ runtime: 'cluster', workers: 1, worker: ref, checkpointDir: dir } as never)).rejects.toThrow(/refused: state file .*p1\.avro is corrupt/);
    // A flipped byte inside a key group's section is found by its checksum when the worker reads it.
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 20] ^= 0xff;
    writeFileSync(victim, flipped);
    await expect(broken.pipeline.run({ runtime: 'cluster', workers: 1, worker: ref, checkpointDir: dir } as never)).rejects.toThrow(/refused: state file .*p1\.avro is corrupt \(.*checksum mismatch\)/);
    writeFileSync(victim, bytes);
    const second = harnessPipeline([lines], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    await second.pipeline.run({ runtime: 'cluster', workers: 1, partitions: 3, worker: ref, checkpointDir: dir } as never);
    expect(second.out.batches.map(([t]) => t)).toEqual([3000, 4000]);
    expect(sorted([...first.out.batches, ...second.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
    const last = JSON.parse(readFileSync(join(dir, 'commits', '5000.json'), 'utf8')) as { segments: Array<{ node: string; partitions: number }> };
    // Chains of 3 partitions: full after batch 3 (the first checkpoint of the resumed job), deltas after 4 and 5.
    expect(last.segments.filter((s) => s.node === stateful.id).map((s) => [s.partitions, (s as unknown as { file: string }).file.split(/[\\/]/)[1]])).toEqual(
      ['3000', '4000', '5000'].flatMap((t) => [[3, t], [3, t], [3, t]]),
    );
  });

  it('checkpointInterval commits every N batches, the last batch of a run and the final pass; a resume gives the local output', async () => {
    const dir = tmp();
    const input = [['a b'], ['b c'], ['a'], ['c c'], ['b'], ['a c'], ['b']];
    const expected = await runBatches(input, runningTotals);
    const ref = { module: fixtures, export: 'harnessOf', args: ['runningTotals', input] };
    const build = () => harnessPipeline([input], runningTotals as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    const first = build();
    await first.pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: dir, numBatches: 3, checkpointInterval: 2 } as never);
    expect(readdirSync(join(dir, 'commits')).sort()).toEqual(['2000.json', '3000.json']);
    const second = build();
    await second.pipeline.run({ runtime: 'cluster', workers: 2, worker: ref, checkpointDir: dir, checkpointInterval: 4 } as never);
    expect(second.out.batches.map(([t]) => t)).toEqual([4000, 5000, 6000, 7000]);
    // Batch 4 was a checkpoint (4 % 4 = 0); the final pass of the drained job is always committed.
    expect(readdirSync(join(dir, 'commits')).sort()).toEqual(['4000.json', '8000.json']);
    expect(readdirSync(join(dir, 'state')).sort()).toEqual(['4000', '8000']);
    expect(sorted([...first.out.batches, ...second.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
    await expect(build().pipeline.run({ runtime: 'cluster', workers: 1, worker: ref, checkpointDir: tmp(), checkpointInterval: 0 } as never)).rejects.toThrow(/checkpointInterval must be a positive integer/);
  });

  it('a worker SIGKILLed before the first commit of a checkpointInterval: the job is run again from its start and each batch is written once', async () => {
    const markers = tmp();
    const dir = tmp();
    const expected = await runBatches(crashLines, crashingTotals(markers, 1));
    const { pipeline, out } = harnessPipeline([crashLines], crashingTotals(markers, 1) as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
    const { metrics } = await pipeline.run({ runtime: 'cluster', workers: 2, checkpointDir: dir, checkpointInterval: 3, worker: { module: fixtures, export: 'crashingHarness', args: [markers, 1] } } as never);
    expect(readdirSync(markers)).toHaveLength(1);
    expect(out.batches.map(([t]) => t)).toEqual([1000, 2000, 3000, 4000]);
    expect(sorted(out.batches.map(([, rs]) => rs))).toEqual(sorted(expected));
    expect(metrics.records['source#0']).toBe(6); // the attempt that finished read every line from batch 1: nothing was committed before the crash in batch 2
  });
});

describe('cluster checkpoints with a declared state schema', () => {
  it('resumes from Avro segments written under the declared schema; refuses a resume whose declared schema cannot read them, naming the operator', async () => {
    const dir = tmp();
    const expected = await runBatches(lines, declaredTotals);
    const build = (f: (s: Stream<string>) => Stream<unknown>, name: string) => ({
      ...harnessPipeline([lines], f as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) }),
      ref: { module: fixtures, export: 'harness', args: [name] },
    });
    const first = build(declaredTotals, 'declaredTotals');
    await first.pipeline.run({ runtime: 'cluster', workers: 2, worker: first.ref, checkpointDir: dir, numBatches: 2 } as never);
    const node = first.pipeline.plan().nodes.find((n) => n.kind === 'updateStateByKey')!.id;
    const asString = build(declaredAsString, 'declaredAsString');
    await expect(asString.pipeline.run({ runtime: 'cluster', workers: 2, worker: asString.ref, checkpointDir: dir } as never)).rejects.toThrow(
      new RegExp(`refused: the declared state schema of 'totals' \\(updateStateByKey ${node}\\) cannot read its stored state, written as "long"`),
    );
    expect(asString.out.batches).toEqual([]);
    const second = build(declaredTotals, 'declaredTotals');
    await second.pipeline.run({ runtime: 'cluster', workers: 3, worker: second.ref, checkpointDir: dir } as never);
    expect(second.out.batches.map(([t]) => t)).toEqual([3000, 4000]);
    expect(sorted([...first.out.batches, ...second.out.batches].map(([, rs]) => rs))).toEqual(sorted(expected));
  });
});
