/**
 * Randomized comparison of the runtimes: generated programs (random-program.ts: chains of
 * DStream and event-time operators with several stateful operators each) over generated
 * input, run on the local runtime, on the cluster runtime checkpointing every batch, and on
 * the cluster runtime stopped halfway and resumed from its checkpoint (on the same
 * partition count, and on another). Every run must give the local runtime's output batch
 * by batch (each batch compared as a multiset) and the same dead letters; a resume on the
 * same partition count must give the uninterrupted cluster run's batches in their order.
 *
 * `SLUICE_FUZZ_SEED` (first seed, default 1) and `SLUICE_FUZZ_COUNT` (programs, default 24)
 * choose the programs; a failure names the seed and prints the program, and
 * `SLUICE_FUZZ_SEED=<seed> SLUICE_FUZZ_COUNT=1 npx vitest run test/cluster/randomized.test.ts`
 * runs it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool, type ClusterRunOptions } from '../../runtimes/cluster/index.js';
import type { Stream } from '../../src/dsl/stream.js';
import type { DeadLetter } from '../../src/io/connector.js';
import type { RunOptions } from '../../src/runtime.js';
import { harnessPipeline } from '../../src/testing/index.js';
import { millis } from '../../src/time/duration.js';
import { generateProgram, INTERVAL, type Program } from './random-program.js';

const programModule = fileURLToPath(new URL('./random-program.ts', import.meta.url));
const first = Number(process.env['SLUICE_FUZZ_SEED'] ?? 1);
const count = Number(process.env['SLUICE_FUZZ_COUNT'] ?? 24);

const pools = new Map<number, WorkerPool>();
function poolFor(workers: number): WorkerPool {
  let pool = pools.get(workers);
  if (!pool || !pool.alive) {
    pool = WorkerPool.start({ workers, mode: 'module' });
    pools.set(workers, pool);
  }
  return pool;
}
afterAll(async () => { await Promise.all([...pools.values()].map((p) => p.close())); });

const root = mkdtempSync(join(tmpdir(), 'sluice-randomized-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** What a run gives: batch time → its records (canonical JSON, sorted; and as emitted), and the dead letters. */
interface Outcome { batches: Map<number, string[]>; ordered: Map<number, string[]>; dead: string[] }

function outcome(out: ReadonlyArray<readonly [number, readonly unknown[]]>, dead: readonly DeadLetter[], from = 0, to = Infinity): Outcome {
  const ordered = new Map<number, string[]>();
  for (const [t, rs] of out) {
    if (t <= from || t > to) continue;
    ordered.set(t, [...(ordered.get(t) ?? []), ...rs.map((r) => JSON.stringify(r))]);
  }
  const batches = new Map([...ordered].map(([t, rs]) => [t, [...rs].sort()]));
  const d = dead.filter((x) => x.batchTime > from && x.batchTime <= to).map((x) => JSON.stringify([x.batchTime, x.reason, x.raw])).sort();
  return { batches, ordered, dead: d };
}

function merge(a: Outcome, b: Outcome): Outcome {
  return { batches: new Map([...a.batches, ...b.batches]), ordered: new Map([...a.ordered, ...b.ordered]), dead: [...a.dead, ...b.dead].sort() };
}

function pipelineOf(p: Program) {
  return harnessPipeline([p.input], (s: Stream<any>) => p.build(s), { batchInterval: millis(INTERVAL) });
}

async function runLocal(p: Program): Promise<Outcome> {
  const { pipeline, out, dead } = pipelineOf(p);
  await pipeline.run({ runtime: 'local', pace: 'asap', numBatches: p.numBatches, partitions: p.sourcePartitions } as RunOptions);
  return outcome(out.batches, dead.records());
}

/** A cluster run of batches (from, to] of `p` on `partitions` partitions, checkpointing into `dir`. */
async function runCluster(p: Program, partitions: number, dir: string, numBatches: number, from = 0): Promise<Outcome> {
  const { pipeline, out, dead } = pipelineOf(p);
  const opts: ClusterRunOptions = {
    runtime: 'cluster', pace: 'asap', numBatches, endsJob: numBatches === p.numBatches, partitions,
    sourcePartitions: p.sourcePartitions, pool: poolFor(Math.min(partitions, 2)), checkpointDir: dir,
    worker: { module: programModule, export: 'randomPipeline', args: [p.seed] },
  };
  await pipeline.run(opts);
  return outcome(out.batches, dead.records(), from * INTERVAL, numBatches === p.numBatches ? Infinity : numBatches * INTERVAL);
}

function expectSame(actual: Outcome, expected: Outcome, what: string, p: Program, inOrder = false): void {
  const show = (o: Outcome) => ({ batches: Object.fromEntries([...(inOrder ? o.ordered : o.batches)].sort(([a], [b]) => a - b)), dead: o.dead });
  const program = `seed ${p.seed} (${what}):\n  input ${JSON.stringify(p.input)}\n  ${p.steps.join('\n  ')}`;
  expect(show(actual), program).toEqual(show(expected));
}

describe('randomized programs: local = cluster with checkpoints = cluster stopped halfway and resumed', () => {
  for (let seed = first; seed < first + count; seed++) {
    const p = generateProgram(seed);
    it(`seed ${seed}: ${p.steps.length} steps, ${p.stateful} stateful, ${p.input.length} input batches`, async () => {
      const local = await runLocal(p);
      const partitions = 1 + (seed % 4);
      const cluster = await runCluster(p, partitions, join(root, String(++dirs)), p.numBatches);
      expectSame(cluster, local, `cluster, ${partitions} partitions, checkpointing`, p);
      const half = Math.max(1, Math.floor(p.numBatches / 2));
      // Stopped halfway and resumed on the same partition count: the uninterrupted run's output, in its order.
      const same = join(root, String(++dirs));
      const resumed = merge(await runCluster(p, partitions, same, half), await runCluster(p, partitions, same, p.numBatches, half));
      expectSame(resumed, cluster, `cluster stopped after ${half} batches and resumed, ${partitions} partitions, in order`, p, true);
      // Stopped halfway, resumed on another partition count from the same checkpoint.
      const dir = join(root, String(++dirs));
      const before = await runCluster(p, 2, dir, half);
      const after = await runCluster(p, partitions === 2 ? 3 : partitions, dir, p.numBatches, half);
      expectSame(merge(before, after), local, `cluster stopped after ${half} batches on 2 partitions, resumed on ${partitions === 2 ? 3 : partitions}`, p);
    }, 120_000);
  }
});
