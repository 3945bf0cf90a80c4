/**
 * The web UI's server: a read-only page on 127.0.0.1 (unless a host is given) with the plan
 * graph, the batch timeline, recent batches, operators' state and the latest dead letters,
 * updated live by server-sent events. `sluice run --ui` feeds it the run's progress;
 * `sluice ui FILE` feeds it a progress file.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { RuntimeError } from '../errors.js';
import type { Plan } from '../ir/plan.js';
import type { BatchProgress } from '../observe/progress.js';
import { planGraph } from './graph.js';
import { History } from './history.js';

/** A running UI. */
export interface UiServer {
  /** `http://127.0.0.1:port/`. */
  readonly url: string;
  /** Adds a batch (sent to open pages at once). */
  push(p: BatchProgress): void;
  /** The run is over: pages say so. */
  finish(): void;
  close(): Promise<void>;
}

export interface UiOptions {
  readonly plan: Plan;
  /** Partitions of keyed stages, for the stages drawn (default 1). */
  readonly partitions?: number;
  readonly port?: number;
  readonly host?: string;
}

const require = createRequire(import.meta.url);
const PAGE = new URL('./page/', import.meta.url);
const STATIC: Record<string, { file: () => string; type: string }> = {
  '/': { file: () => new URL('index.html', PAGE).pathname, type: 'text/html; charset=utf-8' },
  '/app.js': { file: () => new URL('app.js', PAGE).pathname, type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: () => new URL('style.css', PAGE).pathname, type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};
/** Nothing but this origin's own files run on the page: record text can never become script. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Starts the UI server. */
export async function serveUi(opts: UiOptions): Promise<UiServer> {
  const graph = JSON.stringify(planGraph(opts.plan, opts.partitions ?? 1));
  const history = new History();
  const clients = new Set<ServerResponse>();
  const cache = new Map<string, Buffer>();
  const send = (line: string) => { for (const c of clients) c.write(line); };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const head = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': CSP };
    if (req.method !== 'GET') { res.writeHead(405, { ...head, allow: 'GET' }).end(); return; }
    const s = STATIC[path];
    if (s) {
      let body = cache.get(path);
      if (!body) { body = readFileSync(s.file()); cache.set(path, body); }
      res.writeHead(200, { ...head, 'content-type': s.type }).end(body);
    } else if (path === '/api/graph') {
      res.writeHead(200, { ...head, 'content-type': 'application/json' }).end(graph);
    } else if (path === '/api/state') {
      res.writeHead(200, { ...head, 'content-type': 'application/json' }).end(JSON.stringify(history.snapshot()));
    } else if (path === '/events') {
      res.writeHead(200, { ...head, 'content-type': 'text/event-stream', connection: 'keep-alive' });
      // The snapshot goes first on the same stream, so no batch falls between it and the live ones.
      res.write(`event: snapshot\ndata: ${JSON.stringify(history.snapshot())}\n\n`);
      if (history.finished) res.write('event: finished\ndata: {}\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else {
      res.writeHead(404, { ...head, 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new RuntimeError(`web UI: cannot listen on ${host}:${opts.port ?? 0}: ${e.code ?? e.message}`, {}, 'pick another port: --ui 4041')));
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`,
    push(p) {
      const u = history.add(p);
      if (clients.size) send(`event: batch\ndata: ${JSON.stringify(u)}\n\n`);
    },
    finish() {
      history.finished = true;
      send('event: finished\ndata: {}\n\n');
    },
    close: () => new Promise<void>((resolve) => {
      for (const c of clients) c.end();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
