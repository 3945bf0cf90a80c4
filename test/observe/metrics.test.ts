import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/observe/metrics.js';
import type { BatchProgress } from '../../src/observe/progress.js';
import { counts, ticking } from './fixtures/jobs.js';

const jobs = fileURLToPath(new URL('./fixtures/jobs.ts', import.meta.url));

/** The value of one series in Prometheus text, e.g. value(text, 'sluice_batches_total{pipeline="x"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics', () => {
  it('serves /metrics on 127.0.0.1 while the job runs: records, dead letters by reason, state keys, batch times', async () => {
    let url = '';
    const scraped: string[] = [];
    const p = ticking();
    const ctl = new AbortController();
    let batches = 0;
    const run = p.run({
      metrics: { port: 0, onListening: (u) => { url = u; } },
      onProgress: () => { if (++batches === 3) void fetch(url).then((r) => r.text()).then((t) => { scraped.push(t); ctl.abort(); }); },
      signal: ctl.signal,
    });
    await run;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(scraped).toHaveLength(1);
    const text = scraped[0];
    const source = p.plan().nodes[0].id;
    const totals = p.plan().nodes.find((n) => n.kind === 'updateStateByKey')!.id;
    expect(value(text, 'sluice_batches_total{pipeline="ticking"}')).toBeGreaterThanOrEqual(3);
    expect(value(text, `sluice_records_total{pipeline="ticking",operator="${source}",kind="source",worker="0"}`)).toBeGreaterThan(0);
    expect(value(text, 'sluice_dead_letters_total{pipeline="ticking",reason="user function threw"}')).toBeGreaterThan(0);
    expect(value(text, `sluice_state_keys{pipeline="ticking",operator="${totals}",worker="0"}`)).toBeGreaterThan(0);
    expect(value(text, 'sluice_batch_interval_seconds{pipeline="ticking"}')).toBe(0.1);
    expect(value(text, 'sluice_batch_processing_seconds_count{pipeline="ticking"}')).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/sluice_batch_scheduling_delay_seconds\{pipeline="ticking"\} [\d.e-]+/);
    expect(text).toMatch(new RegExp(`sluice_input_records_per_second\\{pipeline="ticking",source="${source}"\\} \\d`));
    // The endpoint is closed with the run.
    await expect(fetch(url)).rejects.toThrow();
  }, 30_000);

  it('a port in use fails the run before it starts, naming the port', async () => {
    let url = '';
    const ctl = new AbortController();
    const first = ticking().run({ metrics: { port: 0, onListening: (u) => { url = u; } }, signal: ctl.signal, onProgress: () => undefined });
    while (!url) await new Promise((r) => setTimeout(r, 10));
    const port = Number(new URL(url).port);
    await expect(counts().run({ metrics: { port } })).rejects.toThrow(new RegExp(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`));
    ctl.abort();
    await first;
  }, 30_000);

  it('cluster: one registry for the job, records labelled by worker, adding up to the run totals', async () => {
    const registry = new Registry();
    const { runCluster } = await import('../../runtimes/cluster/index.js');
    const p = counts();
    const { metrics } = await runCluster(p.plan(), p.bindings(), { workers: 2, worker: { module: jobs, export: 'counts' }, metrics: { registry } });
    const text = await registry.metrics();
    for (const n of p.plan().nodes) {
      const series = [...text.matchAll(new RegExp(`^sluice_records_total\\{pipeline="observed",operator="${n.id.replace(/[#]/g, '\\$&')}",kind="${n.kind}",worker="(\\d)"\\} (\\d+)$`, 'gm'))];
      expect(series.reduce((s, m) => s + Number(m[2]), 0)).toBe(metrics.records[n.id]);
    }
    expect(text).toMatch(/worker="1"\} [1-9]/);
    expect(value(text, 'sluice_dead_letters_total{pipeline="observed",reason="user function threw"}')).toBe(2);
  }, 60_000);

  it('every metric the Grafana dashboard queries exists in the registry of a real run', async () => {
    const registry = new Registry();
    await counts().run({ metrics: { registry } });
    const names = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    expect([...names].sort()).toEqual([...METRIC_NAMES].sort());
    const dashboard = readFileSync(new URL('../../deploy/grafana/sluice-dashboard.json', import.meta.url), 'utf8');
    const exprs = (JSON.parse(dashboard) as { panels: Array<{ targets: Array<{ expr: string }> }> }).panels.flatMap((p) => p.targets.map((t) => t.expr));
    const queried = new Set(exprs.flatMap((e) => [...e.matchAll(/\bsluice_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))));
    expect(queried.size).toBeGreaterThan(15);
    for (const q of queried) expect(names, `dashboard queries ${q}`).toContain(q);
  });
});

describe('metrics fed batch by batch', () => {
  it('a run\'s progress records add up in the registry: counters summed over the batches, gauges at the last batch', async () => {
    const { JobMetrics } = await import('../../src/observe/metrics.js');
    const seen: BatchProgress[] = [];
    const p = counts();
    await p.run({ onProgress: (b) => seen.push(b) });
    const registry = new Registry();
    const m = new JobMetrics(registry, p.plan());
    const n = 300;
    for (let i = 0; i < n; i++) m.record(seen[i % seen.length]);
    const text = await registry.metrics();
    expect(value(text, 'sluice_batches_total{pipeline="observed"}')).toBe(n);
    const source = p.plan().nodes[0].id;
    const perRound = seen.reduce((s, b) => s + b.operators[source].records, 0);
    const expected = Array.from({ length: n }, (_, i) => seen[i % seen.length].operators[source].records).reduce((x, y) => x + y, 0);
    expect(perRound).toBe(8);
    expect(value(text, `sluice_records_total{pipeline="observed",operator="${source}",kind="source",worker="0"}`)).toBe(expected);
    expect(value(text, 'sluice_batch_processing_seconds_count{pipeline="observed"}')).toBe(n);
    const last = seen[(n - 1) % seen.length];
    expect(value(text, 'sluice_last_batch_time_seconds{pipeline="observed"}')).toBe(last.batchTime / 1000);
  });
});
