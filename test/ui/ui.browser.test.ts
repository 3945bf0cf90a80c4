/**
 * The web UI in a real browser: Debian's Chromium driven by playwright-core. Starts
 * `sluice run … --ui`, checks the plan graph, charts, batch table, dead letters (and that
 * `<script>` payloads in them stay text), saves a screenshot under .tmp/test-output/ui/.
 * Then `sluice ui FILE` over a 10,000-batch progress file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticHistory } from '../../bench/ui-load.js';
import { progressHeader } from '../../src/observe/progress-file.js';
import { PAYLOADS } from './fixtures/ui-job.js';

// The page's globals, inside page functions (this Node project has no DOM types). Predicates
// are functions, not strings: the page's CSP forbids eval, which string predicates need.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, '.tmp/test-output/ui');
const have = existsSync(CHROMIUM);
if (!have && process.env.CI === 'true') throw new Error(`browser tests: no Chromium at ${CHROMIUM} in CI (.ci/run installs the chromium package)`);
if (!have) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Starts `node bin/sluice.js ...args`; resolves with the child and the URL it printed (`… at http://…`). */
function start(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/sluice.js', ...args], { cwd: root, env: { ...process.env, SLUICE_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /(?:web UI (?:for .*)?at|UI.* at) (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) resolve({ child, url: m[1], stderr: () => err });
    });
    child.stdout!.resume();
    child.on('exit', (code) => reject(new Error(`sluice exited (${code}) before serving the UI: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** Pixels of a canvas close to `rgb` (the series colour): > 0 when the series is drawn. */
function seriesPixels(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a DOM canvas (no DOM types in this Node project)
  return page.$eval(selector, (canvas: any, want) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - want[0]) < 30 && Math.abs(data[i + 1] - want[1]) < 30 && Math.abs(data[i + 2] - want[2]) < 30 && data[i + 3] > 100) n++;
    return n;
  }, rgb);
}

describe.skipIf(!have)('web UI in Chromium', () => {
  let browser: Browser;
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ui-'));
  beforeAll(async () => {
    mkdirSync(out, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sluice run --ui: plan graph with every operator, charts with points, a growing batch table, dead letters as text', async () => {
    const progress = join(dir, 'run.jsonl');
    const { child, url } = await start(['run', 'test/ui/fixtures/ui-job.ts', '--ui', '0', '--batches', '600', '--progress-file', progress]);
    children.push(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');
    const names = await page.$$eval('#plan g.node text.name', (ts) => ts.map((t) => t.textContent));
    expect(names).toEqual(['source#0', 'map#1', 'map#2', 'updateStateByKey#3', 'filter#4', 'sink#5']);
    // The table grows while the job runs (live, no reload).
    await page.waitForFunction(() => document.querySelectorAll('#batches tbody tr').length >= 3);
    const top = () => Number(document.querySelector('#batches tbody tr td').textContent);
    const before = await page.evaluate(top);
    await page.waitForFunction(({ n }) => Number(document.querySelector('#batches tbody tr td').textContent) >= n + 5, { n: before }, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('#dead tbody tr').length >= 2);
    // Every batch is in the table once, none lost between the first load and the live events.
    const shown = (await page.$$eval('#batches tbody tr td:first-child', (tds) => tds.map((t) => Number(t.textContent)))).reverse();
    expect(shown).toEqual(shown.map((_, i) => shown[0] + i));
    await page.waitForTimeout(300);
    expect(await seriesPixels(page, '#chart-rate canvas', [59, 109, 179])).toBeGreaterThan(20);
    expect(await seriesPixels(page, '#chart-proc canvas', [47, 125, 50])).toBeGreaterThan(20);
    expect(await seriesPixels(page, '#chart-proc canvas', [211, 47, 47])).toBeGreaterThan(20); // the batch interval line
    const raws = await page.$$eval('#dead tbody td.raw', (tds) => tds.map((t) => t.textContent));
    expect(raws).toContain(PAYLOADS[0]);
    expect(raws).toContain(PAYLOADS[1]);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.$$eval('#dead script, #dead img', (x) => x.length)).toBe(0);
    const reasons = await page.$$eval('#dead tbody tr td:nth-child(3)', (tds) => tds.map((t) => t.textContent));
    expect(reasons.every((r) => r!.startsWith('user function threw'))).toBe(true);
    // State size per operator and node annotations.
    const keys = await page.$eval('#operators tbody tr:nth-child(4) td:nth-child(5)', (td) => td.textContent);
    expect(Number(keys)).toBe(6);
    expect(await page.$eval('#plan g.node[data-node="source#0"] text.stats', (t) => t.textContent)).toMatch(/^\d[\d,]* rec · /);
    await page.screenshot({ path: join(out, 'run.png'), fullPage: true });
    await page.screenshot({ path: join(out, 'run-top.png') }); // the README's docs/ui.png
    // SIGTERM stops the run after the current batch; the page says it is over.
    child.kill('SIGTERM');
    await page.waitForSelector('#status.finished', { timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
    await stop(child);
  }, 90_000);

  it('sluice ui FILE: a finished run of 10,000 batches loads with downsampled charts', async () => {
    const file = join(dir, '10k.jsonl');
    const { counts } = await import('../observe/fixtures/jobs.js');
    const plan = counts().plan();
    const lines = [JSON.stringify(progressHeader(plan, 1)), ...syntheticHistory(plan, 10_000).map((b) => JSON.stringify(b))];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { child, url } = await start(['ui', file, '--port', '0']);
    children.push(child);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');
    const loadMs = Date.now() - t0;
    // Again in a warm browser: navigation start to the page drawn, as the page measures it.
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    const readyMs = await page.evaluate('window.__readyMs') as number;
    // Recorded for bench/RESULTS.md (figures, not a timed assertion).
    writeFileSync(join(out, 'load-10k.json'), JSON.stringify({ batches: 10_000, firstLoadMs: loadMs, readyMs: Math.round(readyMs) }));
    const snap = await page.evaluate(() => fetch('/api/state').then((r) => r.json())) as { points: unknown[]; batches: number; finished: boolean };
    expect(snap.batches).toBe(10_000);
    expect(snap.points.length).toBeLessThanOrEqual(1000);
    expect(snap.finished).toBe(true);
    expect(await page.$eval('#status', (s) => s.textContent)).toBe('finished');
    expect(await page.$$eval('#batches tbody tr', (r) => r.length)).toBe(100);
    expect(await page.$eval('#batches tbody tr td', (t) => t.textContent)).toBe('10000');
    expect(await page.$$eval('#dead tbody td.raw', (tds) => tds.map((t) => t.textContent))).toContain('<b>10000</b>');
    expect(await seriesPixels(page, '#chart-rate canvas', [59, 109, 179])).toBeGreaterThan(20);
    await page.screenshot({ path: join(out, 'ui-10k.png'), fullPage: true });
    await page.close();
    await stop(child);
  }, 90_000);
});
