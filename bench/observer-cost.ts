/**
 * What watching a run costs per batch, measured directly (a differential measurement of two
 * whole runs drowns a cost this small in the noise of a loaded machine): the stateless
 * benchmark's pipeline observed as `sluice run --progress-file F --metrics-port P` observes
 * it, its progress records captured, then `Observer.batchDone` fed the same raw figures again
 * and again in a loop. Prints µs per batch and that time as a share of a plain run's batch.
 *
 *   npx tsx --expose-gc bench/observer-cost.ts
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Observer, type BatchReport } from '../src/observe/observer.js';
import { CASES } from './cases.js';
import { BATCH, Counter, timed } from './harness.js';
import { Pipeline, Sinks, Sources, millis } from '../src/index.js';

const LOOPS = 20_000;

async function main(): Promise<void> {
  const c = CASES.stateless;
  // A plain run's time per batch (best of 5 after a warm-up).
  await c.sluice(new Counter());
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, (await timed(() => c.sluice(new Counter()))).cpu);
  const batches = Math.ceil(c.records / BATCH) + 1;
  const perBatchUs = (best / batches) * 1e6;
  // The observer of the same plan, with the same listeners as the observed bench column.
  const p = Pipeline.create('bench', { batchInterval: millis(1000) });
  p.source(Sources.fromIterable([1])).map((x: number) => x * 3).filter((x) => (x & 1) === 0).map((x) => x + 1).to(Sinks.collect<number>());
  const plan = p.plan();
  const file = join(tmpdir(), `sluice-observer-cost-${process.pid}.jsonl`);
  const observer = (await Observer.open(plan, { onProgress: () => undefined, progressFile: file, metrics: { registry: new Registry() } }, 'local', 'asap'))!;
  const ids = plan.nodes.map((n) => n.id);
  const report = (i: number): BatchReport => ({
    time: (i + 1) * 1000, final: false, startedAt: Date.now(), dead: [], lateRecords: 0,
    records: Object.fromEntries(ids.map((id, k) => [id, k < 2 ? BATCH : BATCH / 2])),
    times: Object.fromEntries(ids.map((id) => [id, 1.234])),
  });
  for (let i = 0; i < 1000; i++) observer.batchDone(report(i)); // warm-up
  const t = await timed(() => { for (let i = 0; i < LOOPS; i++) observer.batchDone(report(i)); });
  await observer.close();
  rmSync(file, { force: true });
  const costUs = (t.cpu / LOOPS) * 1e6;
  console.log(`observer: ${costUs.toFixed(1)} µs CPU per batch (${LOOPS} batches: progress record built, Prometheus metrics updated, JSON line written to the progress file, callback called)`);
  console.log(`plain stateless run: ${perBatchUs.toFixed(0)} µs CPU per batch of ${BATCH} records (best of 5)`);
  console.log(`share: ${((100 * costUs) / perBatchUs).toFixed(2)} % of a batch`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
