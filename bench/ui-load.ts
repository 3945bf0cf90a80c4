/**
 * The web UI's page load with a long history: `sluice ui` over 10,000 batches, in Debian's
 * Chromium (playwright-core). Time from navigation start to the page drawn (plan, charts,
 * tables), as the page measures it (`window.__readyMs`), best and median of 5 loads in one
 * browser. Target < 1 s. `npm run bench -- ui`.
 * @module
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Plan } from '../src/ir/plan.js';
import type { BatchProgress } from '../src/observe/progress.js';
import { serveUi } from '../src/ui/server.js';
import { Pipeline, Sinks, Sources, seconds } from '../src/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `n` progress records of `plan`, as a run of n one-second batches would write them (a dead letter every 1,000). */
export function syntheticHistory(plan: Plan, n: number): BatchProgress[] {
  const out: BatchProgress[] = [];
  const source = plan.nodes.find((x) => x.kind === 'source')!.id;
  for (let i = 1; i <= n; i++) {
    const dead = i % 1000 === 0;
    out.push({
      pipeline: plan.name, runtime: 'local', batch: i, batchTime: i * 1000, final: false, batchIntervalMs: 1000, startedAt: i * 1000,
      schedulingDelayMs: i % 100, processingMs: 200 + (i % 50), totalDelayMs: 200 + (i % 50) + (i % 100),
      sources: { [source]: { records: 1000, inputRate: 1000 + (i % 300), processedRate: 5000 } },
      operators: Object.fromEntries(plan.nodes.map((x) => [x.id, { kind: x.kind, records: 1000, recordsIn: 1000, timeMs: 1 }])),
      deadLetters: { count: dead ? 1 : 0, byReason: dead ? { 'user function threw': 1 } : {}, latest: dead ? [{ origin: 'map#1', reason: 'user function threw: x', raw: `<b>${i}</b>`, batchTime: i * 1000 }] : [] },
      lateRecords: 0,
    });
  }
  return out;
}

export interface UiLoad { readonly batches: number; readonly bestMs: number; readonly medianMs: number; readonly runs: number }

/** Measures the page load; undefined when Chromium is missing. */
export async function measureUiLoad(batches = 10_000, runs = 5): Promise<UiLoad | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  const p = Pipeline.create('ui-load', { batchInterval: seconds(1) });
  p.source(Sources.batches([['1']])).map((s) => Number(s)).filter((x) => x > 0).to(Sinks.collect());
  const ui = await serveUi({ plan: p.plan() });
  for (const b of syntheticHistory(p.plan(), batches)) ui.push(b);
  ui.finish();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      await page.goto(ui.url);
      await page.waitForSelector('body[data-ready="1"]');
      const ms = (await page.evaluate('window.__readyMs')) as number;
      if (i > 0) times.push(ms); // the first load warms the browser
    }
    times.sort((a, b) => a - b);
    return { batches, bestMs: times[0], medianMs: times[Math.floor(times.length / 2)], runs };
  } finally {
    await browser.close();
    await ui.close();
  }
}

/** The RESULTS.md section. */
export function renderUiLoad(r: UiLoad | undefined): string {
  if (!r) return `Not measured: no Chromium at ${CHROMIUM}.`;
  return [
    '| page | batches in history | best | median | target | result |',
    '| --- | --- | --- | --- | --- | --- |',
    `| \`sluice ui\` (plan, 4 charts downsampled to ≤ 1,000 points, 100 table rows, dead letters) | ${r.batches.toLocaleString('en-US')} | ${r.bestMs.toFixed(0)} ms | ${r.medianMs.toFixed(0)} ms | < 1000 ms | ${r.medianMs < 1000 ? 'PASS' : 'FAIL'} |`,
    '',
    `Navigation start to the page drawn (\`window.__readyMs\`, set once the plan, charts and tables are in the page), in Debian's Chromium (headless, playwright-core), ${r.runs} loads after one warm-up load in the same browser.`,
  ].join('\n');
}
