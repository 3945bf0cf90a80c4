/**
 * Logs of the cluster runtime, through sluice's logger (src/observe/log.ts: pino, level from
 * `--log-level` / `SLUICE_LOG_LEVEL`, `SLUICE_LOG=debug` still turns on debug). Each message
 * names where it comes from: `[worker 1 stage-2/p1 batch 3000] …` or `[coordinator batch 3000] …`,
 * and carries the same as fields (worker, stage, partition, batch).
 * @module
 */
import { logger } from '../../src/observe/log.js';

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

/** Writes a debug line (a function message is only built when debug is on). */
export function debug(site: LogSite, message: string | (() => string)): void {
  const log = logger();
  if (!log.isLevelEnabled('debug')) return;
  log.debug(site, `${siteText(site)} ${typeof message === 'function' ? message() : message}`);
}

/** Writes an info line: restarts, replays, resumes. */
export function info(site: LogSite, message: string): void {
  logger().info(site, `${siteText(site)} ${message}`);
}
