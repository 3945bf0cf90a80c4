// The cluster runtime reports what the local runtime reports: per-operator time, state keys, watermarks; the metrics carry the worker.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/observe/metrics.js';
import type { BatchProgress } from '../../src/observe/progress.js';
import { JobStats } from '../../runtimes/cluster/batch-stats.js';
import { counts, windows } from './fixtures/jobs.js';

const jobs = fileURLToPath(new URL('./fixtures/jobs.ts', import.meta.url));

async function onCluster(build: typeof counts, exp: string, opts: { registry?: Registry } = {}) {
  const { runCluster } = await import('../../runtimes/cluster/index.js');
  const p = build();
  const seen: BatchProgress[] = [];
  const { metrics } = await runCluster(p.plan(), p.bindings(), {
    workers: 2, worker: { module: jobs, export: exp }, onProgress: (b) => seen.push(b), ...(opts.registry ? { metrics: { registry: opts.registry } } : {}),
  });
  return { plan: p.plan(), seen, metrics };
}

/** Sum of every series of `name` whose labels include all of `labels`, in Prometheus text. */
function sum(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('observing a cluster run (2 workers)', () => {
  it('per-operator records add up to what was processed; every operator is timed by worker; state keys are the real key count', async () => {
    const { plan, seen, metrics } = await onCluster(counts, 'counts');
    const totals = plan.nodes.find((n) => n.kind === 'updateStateByKey')!.id;
    // Words seen so far: a b | c a | d → 2, 3, 4 keys.
    expect(seen.map((b) => b.operators[totals].stateKeys)).toEqual([2, 3, 4]);
    for (const b of seen) {
      const keys = b.operators[totals].stateKeysByWorker!;
      expect(keys).toHaveLength(2);
      expect(keys[0] + keys[1]).toBe(b.operators[totals].stateKeys);
    }
    for (const n of plan.nodes) {
      // Each operator's records over the batches are the run's total for it, and what it read is what its input emitted.
      expect(seen.reduce((s, b) => s + b.operators[n.id].records, 0)).toBe(metrics.records[n.id]);
      const from = n.inputs[0]?.from;
      if (from) expect(seen.reduce((s, b) => s + b.operators[n.id].recordsIn, 0)).toBe(metrics.records[from]);
      if (n.kind === 'sink') continue;
      for (const b of seen) {
        const o = b.operators[n.id];
        expect(o.timeMs, `${n.id} timed`).toBeGreaterThanOrEqual(0);
        expect(o.timeByWorker).toHaveLength(2);
        expect(o.timeByWorker![0] + o.timeByWorker![1]).toBeCloseTo(o.timeMs!, 2);
      }
    }
    // The source (Sources.batches) is read in slices by both partitions: its time is on both workers.
    const source = plan.nodes[0].id;
    expect(seen.some((b) => b.operators[source].timeByWorker![1] > 0)).toBe(true);
    expect(seen.some((b) => b.operators[source].timeByWorker![0] > 0)).toBe(true);
  }, 60_000);

  it('event-time operators report the watermark and open windows per batch as on the local runtime', async () => {
    const local: BatchProgress[] = [];
    await windows().run({ onProgress: (b) => local.push(b) });
    const { plan, seen } = await onCluster(windows, 'windows');
    const window = plan.nodes.find((n) => n.kind === 'eventWindow')!.id;
    const figures = (bs: BatchProgress[]) => bs.map((b) => ({ batch: b.batch, watermark: b.operators[window].watermark, keys: b.operators[window].stateKeys }));
    // Latest event 1000·i + 500, 200 ms of delay: the watermark is 1000·i + 299 after batch i.
    expect(figures(local).slice(0, 4).map((f) => f.watermark)).toEqual([1299, 2299, 3299, 4299]);
    expect(figures(seen)).toEqual(figures(local));
    for (const b of seen) expect(b.operators[window].stateKeysByWorker!.reduce((x, y) => x + y, 0)).toBe(b.operators[window].stateKeys);
  }, 60_000);

  it('one registry for the job: time and state keys by worker; every metric the Grafana dashboard queries exists', async () => {
    const registry = new Registry();
    const { plan } = await onCluster(counts, 'counts', { registry });
    const text = await registry.metrics();
    const totals = plan.nodes.find((n) => n.kind === 'updateStateByKey')!.id;
    expect(sum(text, 'sluice_state_keys', { operator: totals })).toBe(4);
    expect(sum(text, 'sluice_operator_seconds_total', { operator: plan.nodes[0].id, worker: '0' })).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`^sluice_operator_seconds_total\\{pipeline="observed",operator="${totals.replace(/[#]/g, '\\$&')}",worker="1"\\} `, 'm'));
    const names = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    expect([...names].sort()).toEqual([...METRIC_NAMES].sort());
    const dashboard = readFileSync(new URL('../../deploy/grafana/sluice-dashboard.json', import.meta.url), 'utf8');
    const exprs = (JSON.parse(dashboard) as { panels: Array<{ targets: Array<{ expr: string }> }> }).panels.flatMap((p) => p.targets.map((t) => t.expr));
    const queried = new Set(exprs.flatMap((e) => [...e.matchAll(/\bsluice_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))));
    for (const q of queried) expect(names, `dashboard queries ${q}`).toContain(q);
    // Series with data, not only declared: the dashboard's per-operator panels have something to show.
    for (const q of ['sluice_records_total', 'sluice_operator_seconds_total', 'sluice_state_keys', 'sluice_batch_processing_seconds']) {
      expect((await registry.getSingleMetric(q)!.get()).values.some((v) => v.value > 0), q).toBe(true);
    }
  }, 60_000);
});

describe('adding up the workers\' batch figures', () => {
  it('times and state keys add up by worker; the watermark is the lowest finite one; Kafka partitions read by different workers merge', () => {
    const s = new JobStats(3);
    s.add(0, { times: { a: 1.5 }, stateKeys: { w: 4 }, watermarks: { w: 2000 }, kafka: { src: { ranges: { 't:0': [0, 5] }, records: { 't:0': 5 }, lag: { 't:0': 2 } } } });
    s.add(1, { times: { a: 0.5 }, stateKeys: { w: 3 }, watermarks: { w: -Infinity }, kafka: { src: { ranges: { 't:1': [10, 12] }, records: { 't:1': 2 }, lag: { 't:1': 0 } } } });
    s.add(2, { times: { a: 1 }, stateKeys: { w: 0 }, watermarks: { w: 1500 } });
    expect(s.times).toEqual({ a: 3 });
    expect(s.timesByWorker).toEqual({ a: [1.5, 0.5, 1] });
    expect(s.stateKeys).toEqual({ w: 7 });
    expect(s.stateKeysByWorker).toEqual({ w: [4, 3, 0] });
    // A partition that has seen no event yet (−∞) does not hold the operator's watermark back to nothing.
    expect(s.watermarks).toEqual({ w: 1500 });
    expect(s.kafka).toEqual({ src: { ranges: { 't:0': [0, 5], 't:1': [10, 12] }, records: { 't:0': 5, 't:1': 2 }, lag: { 't:0': 2, 't:1': 0 } } });
    expect(s.lag()).toEqual({ 't:0': 2, 't:1': 0 });
    const none = new JobStats(2);
    none.add(0, { watermarks: { w: -Infinity } });
    none.add(1, undefined);
    expect(none.watermarks).toEqual({ w: -Infinity });
    expect(none.lag()).toBeUndefined();
  });
});
