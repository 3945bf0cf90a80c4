/**
 * The conformance suite on the cluster runtime, with 1, 2 and 4 partitions on
 * min(partitions, 2) worker processes, and with 2 partitions checkpointing every batch. One pool of workers per partition count serves every
 * case: each case is a job whose workers rebuild the case's pipeline from its module path
 * and name (./case-pipeline.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { WorkerPool, type ClusterRunOptions } from '../../runtimes/cluster/index.js';
import type { Stream } from '../../src/dsl/stream.js';
import { harnessPipeline, runBatches, runBatches2, type RunBatchesOptions } from '../../src/testing/index.js';
import { millis } from '../../src/time/duration.js';
import { runConformance, type CaseRef } from '../conformance/run.js';

const adapter = fileURLToPath(new URL('./case-pipeline.ts', import.meta.url));
const pools = new Map<number, WorkerPool>();

/**
 * Cases that cannot run on the cluster, with the reason. (None so far: every node kind is
 * supported; a kind the cluster cannot run must also leave `clusterRuntime.supports`, so
 * that running it fails before start.)
 */
export const UNSUPPORTED: Record<string, string> = {};

function poolFor(partitions: number): WorkerPool {
  let pool = pools.get(partitions);
  if (!pool || !pool.alive) {
    pool = WorkerPool.start({ workers: Math.min(partitions, 2), mode: 'module' });
    pools.set(partitions, pool);
  }
  return pool;
}

afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.close()));
});

const checkpointRoot = mkdtempSync(join(tmpdir(), 'sluice-conformance-'));
afterAll(() => rmSync(checkpointRoot, { recursive: true, force: true }));
let runs = 0;

/** 1, 2 and 4 partitions; then 2 partitions checkpointing every batch (every stateful executor snapshots, nothing may change). */
for (const [partitions, checkpoints] of [[1, false], [2, false], [4, false], [2, true]] as const) {
  const runner = ({ module, case: c }: CaseRef): Promise<unknown[][]> => {
    const opts: RunBatchesOptions = {
      batchInterval: millis(c.batchIntervalMs ?? 1000),
      numBatches: c.numBatches,
      partitions: c.partitions,
      runtime: 'cluster',
      clusterPartitions: partitions,
      pool: poolFor(partitions),
      worker: { module: adapter, export: 'casePipeline', args: [module, c.name] },
      checkpointDir: checkpoints ? join(checkpointRoot, String(++runs)) : undefined,
    };
    if (c.input2) return runBatches2(c.input, c.input2, (a, b) => c.build(a, b), opts);
    return runBatches(c.input, (a) => c.build(a), opts);
  };
  await runConformance(runner, {
    runtime: `cluster, ${partitions} partition${partitions > 1 ? 's' : ''}${checkpoints ? ', checkpointing' : ''}`,
    skip: ({ area, case: c }) => UNSUPPORTED[`${area}/${c.name}`] ?? false,
  });
}

/**
 * Every case stopped halfway (numBatches) and resumed from its checkpoint directory by a
 * second run: the output of the batches each run committed, stitched by batch time, must
 * be the case's output — every stateful executor restores what it snapshotted.
 */
async function stopAndResume({ module, case: c }: CaseRef): Promise<unknown[][]> {
  const interval = c.batchIntervalMs ?? 1000;
  const total = c.numBatches ?? Math.max(c.input.length, c.input2?.length ?? 0);
  const half = Math.floor(total / 2);
  const dir = join(checkpointRoot, `resume-${++runs}`);
  const stitched: unknown[][] = [];
  for (const [numBatches, from, to] of [[half, 0, half * interval], [total, half * interval, Infinity]] as const) {
    const { pipeline, out } = harnessPipeline(c.input2 ? [c.input, c.input2] : [c.input], (a: Stream<any>, b?: Stream<any>) => c.build(a, b), { batchInterval: millis(interval) });
    const opts: ClusterRunOptions = {
      runtime: 'cluster', pace: 'asap', numBatches, endsJob: numBatches === total, partitions: 2, sourcePartitions: c.partitions ?? 1, pool: poolFor(2), checkpointDir: dir,
      worker: { module: adapter, export: 'casePipeline', args: [module, c.name] },
    };
    if (numBatches !== 0) await pipeline.run(opts);
    // The first run, stopped by numBatches with a checkpoint directory, is a pause: no final pass.
    stitched.push(...out.batches.filter(([t]) => t > from && t <= to).map(([, rs]) => rs));
  }
  return stitched;
}

await runConformance(stopAndResume, {
  runtime: 'cluster, 2 partitions, stopped halfway and resumed from the checkpoint',
  skip: ({ area, case: c }) => UNSUPPORTED[`${area}/${c.name}`] ?? false,
});
