/**
 * The conformance suite on the local runtime with a checkpoint directory: checkpointing
 * every batch (every stateful executor snapshots; nothing may change), and every case
 * stopped halfway and resumed from its checkpoint by a second run (every stateful executor
 * restores what it snapshotted), as test/cluster/conformance.test.ts does on the cluster;
 * then every case stopped halfway on the local runtime and resumed on the cluster runtime
 * (one worker, one partition: windows keep their batches per partition), which reads the
 * checkpoint the local runtime wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { WorkerPool, type ClusterRunOptions } from '../../runtimes/cluster/index.js';
import type { Stream } from '../../src/dsl/stream.js';
import { local } from '../../src/index.js';
import type { RunOptions } from '../../src/runtime.js';
import { harnessPipeline } from '../../src/testing/index.js';
import { millis } from '../../src/time/duration.js';
import { runConformance, type CaseRef } from '../conformance/run.js';

const checkpointRoot = mkdtempSync(join(tmpdir(), 'sluice-local-conformance-'));
afterAll(() => rmSync(checkpointRoot, { recursive: true, force: true }));
let runs = 0;

/**
 * Runs `c` from batch `from` (exclusive, ms) through `numBatches` with checkpoint directory
 * `dir`: the output of the batches after `from` up to `to`. The last run ends the job (final
 * pass), as the harness's explicit batches do; an earlier one pauses it.
 */
async function runPart(c: CaseRef['case'], dir: string, numBatches: number, total: number, from: number, to: number, cluster?: ClusterRunOptions): Promise<unknown[][]> {
  const interval = c.batchIntervalMs ?? 1000;
  const { pipeline, out } = harnessPipeline(c.input2 ? [c.input, c.input2] : [c.input], (a: Stream<any>, b?: Stream<any>) => c.build(a, b), { batchInterval: millis(interval) });
  const common = { pace: 'asap', numBatches, endsJob: numBatches === total } as const;
  const opts = cluster ? { ...cluster, ...common, checkpointDir: dir, sourcePartitions: c.partitions ?? 1 } : { ...common, runtime: local({ checkpointDir: dir }), partitions: c.partitions } as RunOptions;
  if (numBatches !== 0) await pipeline.run(opts);
  return out.batches.filter(([t]) => t > from && t <= to).map(([, rs]) => rs);
}

const totalOf = (c: CaseRef['case']) => c.numBatches ?? Math.max(c.input.length, c.input2?.length ?? 0);

await runConformance(({ case: c }) => runPart(c, join(checkpointRoot, String(++runs)), totalOf(c), totalOf(c), -Infinity, Infinity), {
  runtime: 'local, checkpointing every batch',
});

await runConformance(async ({ case: c }) => {
  const interval = c.batchIntervalMs ?? 1000;
  const total = totalOf(c);
  const half = Math.floor(total / 2);
  const dir = join(checkpointRoot, `resume-${++runs}`);
  return [...await runPart(c, dir, half, total, 0, half * interval), ...await runPart(c, dir, total, total, half * interval, Infinity)];
}, { runtime: 'local, stopped halfway and resumed from the checkpoint' });

const adapter = fileURLToPath(new URL('../cluster/case-pipeline.ts', import.meta.url));
let pool: WorkerPool | undefined;
afterAll(async () => { await pool?.close(); });

await runConformance(async ({ module, case: c }) => {
  const interval = c.batchIntervalMs ?? 1000;
  const total = totalOf(c);
  const half = Math.floor(total / 2);
  const dir = join(checkpointRoot, `moved-${++runs}`);
  if (!pool?.alive) pool = WorkerPool.start({ workers: 1, mode: 'module' });
  const cluster: ClusterRunOptions = { runtime: 'cluster', partitions: 1, pool, worker: { module: adapter, export: 'casePipeline', args: [module, c.name] } };
  return [...await runPart(c, dir, half, total, 0, half * interval), ...await runPart(c, dir, total, total, half * interval, Infinity, cluster)];
}, { runtime: 'stopped halfway on the local runtime, resumed on the cluster runtime' });
