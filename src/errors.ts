/**
 * The typed errors sluice throws. Every error says where it came from (an operator id, a
 * batch time, a source) and, where there is one, what to do about it.
 *
 * @module
 */

/** Where an error happened, as far as it is known. @category Errors */
export interface ErrorSite {
  /** Id of the IR node (operator) involved, e.g. `map#3`. */
  readonly operator?: string;
  /** Batch time in ms since the start of the job. */
  readonly batchTime?: number;
  /** Source or sink description (a path, a topic). */
  readonly location?: string;
}

/**
 * Base class of every error sluice throws on purpose.
 *
 * @example
 * ```ts
 * import { SluiceError } from 'sluice';
 * try { await pipeline.run(); } catch (e) { if (e instanceof SluiceError) console.error(e.code, e.message); }
 * ```
 * @category Errors
 */
export class SluiceError extends Error {
  /** A stable, machine-readable code such as `INVALID_PIPELINE`. */
  readonly code: string;
  /** Where it happened. */
  readonly site: ErrorSite;
  /** What to do about it, when sluice knows. */
  readonly hint?: string;

  constructor(code: string, message: string, site: ErrorSite = {}, hint?: string, options?: { cause?: unknown }) {
    super(hint ? `${message} (fix: ${hint})` : message, options);
    this.name = new.target.name;
    this.code = code;
    this.site = site;
    this.hint = hint;
  }
}

/**
 * A pipeline that cannot run as written: raised when the pipeline is built or validated,
 * before any record is read.
 *
 * @example
 * ```ts
 * import { PipelineError } from 'sluice';
 * // s.window(millis(1500)) with a 1 s batch interval throws PipelineError naming `window#2`
 * ```
 * @category Errors
 */
export class PipelineError extends SluiceError {
  constructor(message: string, site: ErrorSite = {}, hint?: string) {
    super('INVALID_PIPELINE', message, site, hint);
  }
}

/**
 * A user function threw while processing a record. Carries the operator id, the batch
 * time and the record that caused it.
 *
 * @example
 * ```ts
 * import { UserFunctionError } from 'sluice';
 * // catch (e) { if (e instanceof UserFunctionError) console.log(e.site.operator, e.record); }
 * ```
 * @category Errors
 */
export class UserFunctionError extends SluiceError {
  /** The input record the function was called with. */
  readonly record: unknown;
  constructor(operator: string, batchTime: number, record: unknown, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'USER_FUNCTION_FAILED',
      `operator ${operator} failed at batch ${batchTime} on record ${preview(record)}: ${why}`,
      { operator, batchTime },
      `fix the function, or pass { onError: 'deadLetter' } to ${operator.split('#')[0]}() to route failing records to the dead-letter output`,
      { cause },
    );
    this.record = record;
  }
}

/**
 * Input that could not be decoded (a malformed line, a record that does not fit the
 * schema). Normally it is not thrown but sent to the dead-letter output.
 *
 * @example
 * ```ts
 * import { DecodeError } from 'sluice';
 * const e = new DecodeError('expected a number at field celsius', { location: 'readings.jsonl:12' });
 * ```
 * @category Errors
 */
export class DecodeError extends SluiceError {
  constructor(message: string, site: ErrorSite = {}) {
    super('DECODE_FAILED', message, site);
  }
}

/**
 * A runtime was asked for something it does not support, or a run option is wrong.
 *
 * @example
 * ```ts
 * import { RuntimeError } from 'sluice';
 * // pipeline.run({ runtime: 'nope' }) rejects with RuntimeError
 * ```
 * @category Errors
 */
export class RuntimeError extends SluiceError {
  constructor(message: string, site: ErrorSite = {}, hint?: string) {
    super('RUNTIME', message, site, hint);
  }
}

/** A short printable form of a record, for error messages. @internal */
export function preview(value: unknown, max = 120): string {
  let s: string;
  try {
    s = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
