import type { Pipeline } from '../../src/dsl/pipeline.js';
import type { ToWorker } from './protocol.js';
import { info } from './log.js';
import { ClusterWorker, type WorkerOptions } from './worker.js';

/**
 * Makes this process a worker: messages from the coordinator (the IPC channel of the
 * forked process) go to a {@link ClusterWorker}. The process exits when told to, or when
 * the coordinator goes away.
 */
export function serveWorker(build: WorkerOptions['build']): void {
  if (!process.send) throw new Error('serveWorker: this process was not forked with an IPC channel');
  const index = Number(process.env.SLUICE_WORKER ?? 0);
  const worker = new ClusterWorker({
    index,
    send: (m) => { if (process.connected) process.send!(m); },
    build,
    exit: () => process.exit(0),
  });
  process.on('message', (m) => worker.handle(m as ToWorker));
  process.on('disconnect', () => process.exit(0));
  // SIGINT or SIGTERM sent to a worker stops the whole job after the current batch (the
  // coordinator does it, and ends this process); a second one exits at once, and the
  // coordinator handles that as a crash.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled || !worker.signalled(signal)) process.exit(signal === 'SIGINT' ? 130 : 143);
    signalled = true;
    info({ worker: index }, `${signal}: asking the coordinator to stop the job after the current batch (send it again to exit this worker at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * `pipeline.run()` in a re-executed worker process: serves the pipeline the coordinator
 * runs; never resolves (the process exits when the job ends).
 */
export function serveReexec(pipeline: Pick<Pipeline, 'plan' | 'bindings'>): Promise<never> {
  serveWorker(() => pipeline);
  return new Promise<never>(() => {});
}
