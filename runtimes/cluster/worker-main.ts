/**
 * Entry of a worker process started with a pipeline reference (`mode: 'module'`): each job
 * names a module and an export that builds the pipeline.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { RuntimeError } from '../../src/errors.js';
import type { Pipeline } from '../../src/dsl/pipeline.js';
import { serveWorker } from './serve.js';

serveWorker(async (msg) => {
  const ref = msg.ref;
  if (!ref) throw new RuntimeError(`worker ${process.env.SLUICE_WORKER}: job ${msg.job} names no pipeline module`, {}, 'pass { worker: { module, export } } to the cluster run');
  const url = ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const f = mod[ref.export];
  if (typeof f !== 'function') throw new RuntimeError(`worker ${process.env.SLUICE_WORKER}: ${ref.module} has no exported function '${ref.export}'`);
  const p = (await f(...(ref.args ?? []))) as Pipeline;
  if (!p || typeof p.plan !== 'function' || typeof p.bindings !== 'function') {
    throw new RuntimeError(`worker ${process.env.SLUICE_WORKER}: ${ref.module} export '${ref.export}' did not return a Pipeline`);
  }
  return p;
});
