import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Series } from '../../src/observe/series.js';

async function values(registry: Registry, name: string): Promise<Array<[Record<string, unknown>, number]>> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name)!;
  return (m as unknown as { values: Array<{ labels: Record<string, unknown>; value: number }> }).values.map((v) => [v.labels, v.value]);
}

describe('metric series kept as numbers between scrapes', () => {
  it('a counter reads the running total at every scrape (each scrape hands over only what was added since)', async () => {
    const registry = new Registry();
    const s = new Series<'operator'>();
    new Counter({ name: 'records_total', help: 'h', labelNames: ['operator'], registers: [registry], collect() { s.toCounter(this); } });
    const add = (op: string, n: number) => s.add(op, { operator: op }, n);
    add('map', 10);
    add('map', 5);
    expect(await values(registry, 'records_total')).toEqual([[{ operator: 'map' }, 15]]);
    add('map', 1);
    add('filter', 0);
    expect(await values(registry, 'records_total')).toEqual([[{ operator: 'map' }, 16], [{ operator: 'filter' }, 0]]);
    expect(await values(registry, 'records_total')).toEqual([[{ operator: 'map' }, 16], [{ operator: 'filter' }, 0]]);
  });

  it('a gauge reads the last value set, zero included', async () => {
    const registry = new Registry();
    const s = new Series<'operator'>();
    new Gauge({ name: 'state_keys', help: 'h', labelNames: ['operator'], registers: [registry], collect() { s.toGauge(this); } });
    s.set('window', { operator: 'window' }, 7);
    expect(await values(registry, 'state_keys')).toEqual([[{ operator: 'window' }, 7]]);
    s.set('window', { operator: 'window' }, 0);
    expect(await values(registry, 'state_keys')).toEqual([[{ operator: 'window' }, 0]]);
  });
});
