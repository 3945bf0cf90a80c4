import { SluiceError } from '../errors.js';

/**
 * What went wrong with a batch on the wire:
 * - `WIRE_UNKNOWN_SCHEMA`: a buffer names a schema fingerprint this decoder never learned;
 * - `WIRE_CORRUPT`: a buffer is truncated, has trailing bytes or is otherwise not what the sender wrote;
 * - `WIRE_SCHEMA_MISMATCH`: a record does not fit the edge's declared schema;
 * - `WIRE_UNSUPPORTED_VALUE`: a record holds a value that cannot cross processes (a function, a `Date`, a `Map`, ...).
 *
 * @category Errors
 */
export type WireErrorCode = 'WIRE_UNKNOWN_SCHEMA' | 'WIRE_CORRUPT' | 'WIRE_SCHEMA_MISMATCH' | 'WIRE_UNSUPPORTED_VALUE';

/**
 * A batch could not be encoded for, or decoded from, an edge between worker processes.
 * The message always starts with `edge <name>:`.
 *
 * @example
 * ```ts
 * try { codec.decode(buf); } catch (e) {
 *   if (e instanceof WireError && e.code === 'WIRE_UNKNOWN_SCHEMA') askSenderToResend(e.edge);
 * }
 * ```
 * @category Errors
 */
export class WireError extends SluiceError {
  /** The edge the batch travelled on, e.g. `map#3→reduceByKey#4`. */
  readonly edge: string;
  constructor(code: WireErrorCode, edge: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, `edge ${edge}: ${message}`, { location: `edge ${edge}` }, hint, options);
    this.edge = edge;
  }
}
