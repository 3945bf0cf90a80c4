/**
 * sluice's levelled, structured log (pino) on stderr: JSON lines when stderr is not a TTY,
 * readable lines on a TTY. The level comes from `SLUICE_LOG_LEVEL` (`sluice run --log-level`
 * sets it, so cluster workers follow), else the older `SLUICE_LOG` (`debug`, `warn`, `silent`…),
 * else `info`. `SLUICE_LOG_FORMAT=json|pretty` overrides the choice of format.
 * @module
 */
import { pino, type Logger } from 'pino';

import { LOG_LEVELS, type LogLevel } from './log-levels.js';

export { LOG_LEVELS, type LogLevel };

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** One JSON log line as a readable line: `12:00:01.234 INFO  message key=value`. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try { o = JSON.parse(json) as Record<string, unknown>; } catch { return json; }
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString().slice(11, 23);
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  const extra = Object.entries(o).filter(([k]) => !HIDDEN.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${time} ${level} ${String(o.msg ?? '')}${extra.length ? ` ${extra.join(' ')}` : ''}\n`;
}

function levelFromEnv(): LogLevel {
  const want = process.env.SLUICE_LOG_LEVEL;
  if (want && (LOG_LEVELS as readonly string[]).includes(want)) return want as LogLevel;
  const old = process.env.SLUICE_LOG;
  return old && (LOG_LEVELS as readonly string[]).includes(old) ? (old as LogLevel) : 'info';
}

function create(): Logger {
  const format = process.env.SLUICE_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json');
  // Through process.stderr.write (not fd 2 directly), so the terminal status line can redraw around it.
  const stream = { write: (line: string) => { process.stderr.write(format === 'pretty' ? prettyLine(line) : line); } };
  return pino({ name: 'sluice', level: levelFromEnv(), base: { pid: process.pid } }, stream);
}

let root: Logger | undefined;

/** The process's sluice logger (created on first use). */
export function logger(): Logger {
  return (root ??= create());
}
