/**
 * What `sluice run` adds around a run to watch it: the status line, the web UI (`--ui`),
 * the metrics endpoint (`--metrics-port`), the progress file (`--progress-file`) and the
 * log level (`--log-level`); and the `sluice ui FILE` command.
 * @module
 */
import { resolve } from 'node:path';
import type { Pipeline } from '../dsl/pipeline.js';
import type { LogLevel } from '../observe/log-levels.js';
import { readProgressFile } from '../observe/progress-file.js';
import { StatusLine } from '../observe/status-line.js';
import type { RunOptions } from '../runtime.js';
import type { UiServer } from '../ui/server.js';

/** The watching flags of `sluice run`. */
export interface WatchFlags {
  metricsPort?: number;
  metricsHost?: string;
  progressFile?: string;
  logLevel?: LogLevel;
  /** `--ui` alone: true (port 4040); `--ui 4041`: the port. */
  ui?: boolean | number;
  status?: boolean;
  statusEvery?: number;
}

/** The default port of `--ui` (Spark's). */
export const UI_PORT = 4040;

/** The log level, and the run options for `--progress-file` and `--metrics-port` (they apply to any run of the job). */
export function watchOptions(flags: WatchFlags, say: (line: string) => void): RunOptions {
  if (flags.logLevel) {
    // The logger (pino) is loaded only when a level is given; workers read the variable.
    process.env.SLUICE_LOG_LEVEL = flags.logLevel;
  }
  const opts: RunOptions = {};
  if (flags.progressFile !== undefined) opts.progressFile = resolve(flags.progressFile);
  if (flags.metricsPort !== undefined) {
    opts.metrics = { port: flags.metricsPort, ...(flags.metricsHost ? { host: flags.metricsHost } : {}), onListening: (url) => say(`metrics at ${url}`) };
  }
  return opts;
}

/** Starts the status line and the web UI for the run of `pipeline`; returns its `onProgress` and what to do when the run ends. */
export async function watch(pipeline: Pipeline, flags: WatchFlags, runtime: string | undefined, workers: number | undefined, say: (line: string) => void): Promise<{ opts: RunOptions; close(stay: boolean): Promise<void> }> {
  // A run stopped by SIGINT/SIGTERM does not keep its UI up.
  let stopped = false;
  const onStop = () => { stopped = true; };
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  let ui: UiServer | undefined;
  if (flags.ui !== undefined && flags.ui !== false) {
    const partitions = runtime === 'cluster' ? workers ?? 2 : 1;
    const { serveUi } = await import('../ui/server.js');
    ui = await serveUi({ plan: pipeline.plan(), partitions, port: flags.ui === true ? UI_PORT : flags.ui });
    say(`web UI at ${ui.url}`);
  }
  const status = flags.status === false ? undefined : new StatusLine(process.stderr, [process.stdout], (flags.statusEvery ?? 10) * 1000);
  const opts: RunOptions = {};
  if (ui || status) opts.onProgress = (p) => { ui?.push(p); status?.update(p); };
  return {
    opts,
    /** Ends the status line; after a run that ended well (`stay`) the UI stays up until SIGINT/SIGTERM. */
    async close(stay: boolean) {
      status?.close();
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      if (!ui) return;
      ui.finish();
      if (stay && !stopped) {
        say(`the run is over; the web UI stays at ${ui.url} until Ctrl-C`);
        await waitForSignal();
      }
      await ui.close();
    },
  };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { process.off('SIGINT', done); process.off('SIGTERM', done); resolve(); };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

/** `sluice ui FILE`: serves the page for a finished run's progress file until SIGINT/SIGTERM. */
export async function uiCommand(file: string, flags: { port?: number; host?: string }, say: (line: string) => void): Promise<number> {
  const { header, batches } = readProgressFile(resolve(file));
  const { serveUi } = await import('../ui/server.js');
  const ui = await serveUi({ plan: header.plan, partitions: header.partitions, port: flags.port ?? UI_PORT, host: flags.host });
  for (const b of batches) ui.push(b);
  ui.finish();
  say(`web UI for ${header.plan.name} (${batches.length} batches) at ${ui.url}; Ctrl-C to stop`);
  await waitForSignal();
  await ui.close();
  return 0;
}
