/**
 * Logs of the cluster runtime, to stderr: `info` lines (recoveries: a restarted worker, a
 * replayed batch) unless `SLUICE_LOG` is `warn`, `error` or `silent`; `debug` lines only
 * with `SLUICE_LOG=debug`. Each line names where it
 * comes from: `[worker 1 stage-2/p1 batch 3000] …` or `[coordinator batch 3000] …`.
 * @module
 */

/** Where a log line comes from. */
export interface LogSite {
  readonly worker?: number;
  readonly stage?: string;
  readonly partition?: number;
  readonly batch?: number;
}

/** The `[worker 1 stage-2/p1 batch 3000]` prefix of a site. */
export function siteText(s: LogSite): string {
  const who = s.worker === undefined ? 'coordinator' : `worker ${s.worker}`;
  const stage = s.stage ? ` ${s.stage}${s.partition !== undefined ? `/p${s.partition}` : ''}` : '';
  const batch = s.batch !== undefined ? ` batch ${s.batch}` : '';
  return `[${who}${stage}${batch}]`;
}

const enabled = (): boolean => process.env.SLUICE_LOG === 'debug';

/** Writes a debug line (only with `SLUICE_LOG=debug`). */
export function debug(site: LogSite, message: string | (() => string)): void {
  if (!enabled()) return;
  process.stderr.write(`${siteText(site)} ${typeof message === 'function' ? message() : message}\n`);
}

const QUIET = new Set(['warn', 'error', 'silent']);

/** Writes an info line (recoveries), unless `SLUICE_LOG` is `warn`, `error` or `silent`. */
export function info(site: LogSite, message: string): void {
  if (QUIET.has(process.env.SLUICE_LOG ?? '')) return;
  process.stderr.write(`${siteText(site)} ${message}\n`);
}
