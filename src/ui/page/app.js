// sluice web UI. Read-only; every text from records is put in the page with textContent
// (never innerHTML), and the server's CSP runs no script but this origin's files.
'use strict';
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const state = { graph: null, points: [], operators: {}, interval: 1000, charts: {}, batches: 0 };
const MAX_POINTS = 2000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (x) => (x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(2)} s`);

function drawPlan(g) {
  const root = svg('svg', { width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}`, role: 'img', 'aria-label': 'plan' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8a94a3' }));
  defs.append(marker);
  root.append(defs);
  for (const s of g.stages) {
    const grp = svg('g', { class: 'stage', 'data-stage': s.id });
    grp.append(svg('rect', { x: s.x, y: s.y, width: s.width, height: s.height, rx: 6 }));
    grp.append(svg('text', { x: s.x + 6, y: s.y + 15 }, `${s.id} · ${s.partitions} partition${s.partitions === 1 ? '' : 's'}`));
    root.append(grp);
  }
  for (const e of g.edges) {
    const d = e.points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' ');
    const path = svg('path', { d, class: e.shuffle ? 'edge shuffle' : 'edge', 'marker-end': 'url(#arrow)' });
    path.append(svg('title', {}, e.shuffle ? `shuffle (${e.mode || 'hash'}) ${e.from} → ${e.to}` : `${e.from} → ${e.to}`));
    root.append(path);
  }
  for (const n of g.nodes) {
    const grp = svg('g', { class: `node ${n.kind}`, 'data-node': n.id });
    grp.append(svg('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: 4 }));
    grp.append(svg('text', { x: n.x + 8, y: n.y + 17, class: 'name' }, n.label ? `${n.id} ${n.label}` : n.id));
    grp.append(svg('text', { x: n.x + 8, y: n.y + 32, class: 'kind' }, `${n.kind} · ×${n.partitions}`));
    grp.append(svg('text', { x: n.x + 8, y: n.y + 48, class: 'stats' }, ''));
    root.append(grp);
  }
  $('plan').replaceChildren(root);
}

function annotatePlan() {
  for (const g of document.querySelectorAll('#plan g.node')) {
    const o = state.operators[g.getAttribute('data-node')];
    if (!o) continue;
    const parts = [`${fmt(o.records)} rec`];
    if (o.timeMs) parts.push(ms(o.timeMs));
    if (o.stateKeys !== undefined) parts.push(`${fmt(o.stateKeys)} keys`);
    g.querySelector('.stats').textContent = parts.join(' · ');
  }
}

function chartData(k, withInterval) {
  const xs = state.points.map((p) => p[0]);
  const ys = state.points.map((p) => p[k]);
  return withInterval ? [xs, ys, xs.map(() => state.interval)] : [xs, ys];
}
const CHARTS = [
  ['rate', 'chart-rate', 1, false, '#3b6db3'],
  ['sched', 'chart-sched', 2, false, '#c26a00'],
  ['proc', 'chart-proc', 3, true, '#2f7d32'],
  ['total', 'chart-total', 4, true, '#8e24aa'],
];
function makeCharts() {
  for (const [name, id, k, withInterval, color] of CHARTS) {
    const host = $(id);
    const series = [{ label: 'batch' }, { label: name, stroke: color, width: 1.5, points: { show: false } }];
    if (withInterval) series.push({ label: 'interval', stroke: '#d32f2f', dash: [6, 4], width: 1, points: { show: false } });
    const opts = {
      width: Math.max(280, host.clientWidth || 420), height: 170, series, legend: { show: false },
      scales: { x: { time: false } }, axes: [{ label: 'batch' }, {}],
    };
    state.charts[name] = new uPlot(opts, chartData(k, withInterval), host);
  }
}
function redrawCharts() {
  for (const [name, , k, withInterval] of CHARTS) state.charts[name].setData(chartData(k, withInterval));
}

// Wall-clock batch times as hh:mm:ss.mmm (UTC); virtual ones (asap pacing) as ms.
const when = (t) => (t > 1e11 ? new Date(t).toISOString().slice(11, 23) : `${t} ms`);
function batchRow(r) {
  const tr = el('tr');
  tr.append(el('td', r.final ? `${r.batch} (final)` : r.batch, 'num'), el('td', when(r.batchTime), 'num'), el('td', fmt(r.records), 'num'),
    el('td', ms(r.schedulingDelayMs), 'num'), el('td', ms(r.processingMs), 'num'), el('td', ms(r.totalDelayMs), 'num'), el('td', r.deadLetters, 'num'));
  if (r.totalDelayMs > state.interval) tr.className = 'late';
  return tr;
}
function addBatches(rows) {
  const body = $('batches').tBodies[0];
  for (const r of rows) body.prepend(batchRow(r));
  while (body.rows.length > 100) body.deleteRow(-1);
}
function drawOperators() {
  const body = $('operators').tBodies[0];
  body.replaceChildren();
  for (const n of state.graph.nodes) {
    const o = state.operators[n.id] || { records: 0, timeMs: 0 };
    const tr = el('tr');
    tr.append(el('td', n.id), el('td', n.kind), el('td', fmt(o.records), 'num'), el('td', o.timeMs ? ms(o.timeMs) : '', 'num'),
      el('td', o.stateKeys === undefined ? '' : fmt(o.stateKeys), 'num'), el('td', o.watermark === undefined ? '' : o.watermark, 'num'));
    body.append(tr);
  }
  annotatePlan();
}
function addDead(list, total) {
  const body = $('dead').tBodies[0];
  for (const d of list) {
    const tr = el('tr');
    tr.append(el('td', when(d.batchTime), 'num'), el('td', d.origin), el('td', d.reason), el('td', d.raw, 'raw'));
    body.prepend(tr);
  }
  while (body.rows.length > 50) body.deleteRow(-1);
  $('dead-total').textContent = `(${fmt(total)} in all)`;
}
function drawLag(lag, kafka) {
  if (!lag) return;
  $('lag-section').hidden = false;
  const body = $('lag').tBodies[0];
  body.replaceChildren(...Object.entries(lag).map(([tp, n]) => {
    const k = kafka && kafka[tp];
    const tr = el('tr');
    tr.append(el('td', tp), el('td', fmt(n), 'num'), el('td', k ? fmt(k.records) : '', 'num'), el('td', k ? `${k.range[0]}–${k.range[1]}` : '', 'num'));
    return tr;
  }));
}
function setStatus(finished) {
  $('status').textContent = finished ? 'finished' : 'live';
  $('status').className = finished ? 'status finished' : 'status';
}
function summary() {
  $('summary').textContent = `${fmt(state.batches)} batches · interval ${ms(state.interval)}`;
}

function init(graph, snap) {
  state.graph = graph;
  state.interval = graph.batchIntervalMs;
  document.title = `sluice · ${graph.pipeline}`;
  $('title').textContent = `sluice · ${graph.pipeline}`;
  state.points = snap.points;
  state.operators = snap.operators;
  state.batches = snap.batches;
  drawPlan(graph);
  makeCharts();
  addBatches(snap.recent);
  drawOperators();
  addDead(snap.dead, snap.deadTotal);
  drawLag(snap.lag, snap.kafka);
  setStatus(snap.finished);
  summary();
  window.__readyMs = performance.now();
  document.body.setAttribute('data-ready', '1');
}

async function start() {
  const graph = await fetch('/api/graph').then((r) => r.json());
  // The first event is the snapshot of the run so far, then one event per batch.
  const events = new EventSource('/events');
  let pending = false;
  events.addEventListener('snapshot', (ev) => {
    if (state.graph) return; // a reconnect: keep what the page has
    init(graph, JSON.parse(ev.data));
  });
  events.addEventListener('batch', (ev) => {
    const u = JSON.parse(ev.data);
    state.points.push(u.point);
    if (state.points.length > MAX_POINTS) state.points.splice(0, state.points.length - MAX_POINTS);
    state.operators = u.operators;
    state.batches++;
    addBatches([u.row]);
    if (u.dead.length) addDead(u.dead, u.deadTotal);
    drawLag(u.lag, u.kafka);
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => { pending = false; redrawCharts(); drawOperators(); summary(); });
    }
  });
  events.addEventListener('finished', () => { setStatus(true); events.close(); });
}
start().catch((e) => { $('status').textContent = `error: ${e.message}`; });
