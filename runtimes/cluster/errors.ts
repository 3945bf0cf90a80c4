import { DecodeError, PipelineError, RuntimeError, SluiceError, UserFunctionError } from '../../src/errors.js';
import type { WireError as WireErrorData } from './protocol.js';
import { WireError, type WireErrorCode } from '../../src/wire/index.js';

/** An error as data for the other process. */
export function toWire(e: unknown): WireErrorData {
  if (e instanceof SluiceError) {
    const message = e.hint && e.message.endsWith(` (fix: ${e.hint})`) ? e.message.slice(0, -` (fix: ${e.hint})`.length) : e.message;
    const cause = (e as { cause?: unknown }).cause;
    return {
      name: e.name,
      code: e.code,
      message,
      site: { ...e.site },
      hint: e.hint,
      record: e instanceof UserFunctionError ? safeRecord(e.record) : undefined,
      cause: cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause),
      stack: e.stack,
    };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

function safeRecord(r: unknown): unknown {
  try {
    structuredClone(r);
    return r;
  } catch {
    return String(r);
  }
}

/**
 * The error again, of the same class (UserFunctionError, PipelineError, RuntimeError,
 * DecodeError), with `where` (worker, stage, partition, batch) appended to its message.
 */
export function fromWire(w: WireErrorData, where: string): Error {
  let e: Error;
  const site = w.site ?? {};
  switch (w.name) {
    case 'UserFunctionError':
      e = new UserFunctionError(site.operator ?? '?', site.batchTime ?? NaN, w.record, new Error(w.cause ?? w.message));
      break;
    case 'PipelineError': e = new PipelineError(w.message, site, w.hint); break;
    case 'DecodeError': e = new DecodeError(w.message, site); break;
    case 'RuntimeError': e = new RuntimeError(w.message, site, w.hint); break;
    case 'WireError': {
      const edge = (site.location ?? 'edge ?').replace(/^edge /, '');
      e = new WireError(w.code as WireErrorCode, edge, w.message.replace(`edge ${edge}: `, ''), w.hint);
      break;
    }
    default:
      e = w.code ? new RuntimeError(w.message, site, w.hint) : new Error(w.message);
      if (!w.code) e.name = w.name;
  }
  e.message = `${e.message} ${where}`;
  if (w.stack) e.stack = `${e.name}: ${e.message}\n    --- in ${where} ---\n${w.stack.split('\n').slice(1).join('\n')}`;
  return e;
}
