import { UserFunctionError, preview } from '../../src/errors.js';
import type { OnError } from '../../src/ir/nodes.js';
import type { BatchContext } from './executor.js';

/**
 * Runs `step` over every record, keeping the try/catch outside the hot loop. A throw either
 * fails the batch (UserFunctionError naming the operator and the record) or, with the
 * deadLetter policy, sends the record to the dead-letter output and goes on.
 */
export function eachGuarded<T>(operator: string, onError: OnError, input: readonly T[], ctx: BatchContext, step: (record: T) => void): void {
  let i = 0;
  const n = input.length;
  while (i < n) {
    try {
      for (; i < n; i++) step(input[i]);
    } catch (e) {
      fail(operator, onError, input[i], e, ctx);
      i++;
    }
  }
}

/** Handles one failure of a user function according to the policy. */
export function fail(operator: string, onError: OnError, record: unknown, e: unknown, ctx: BatchContext): void {
  if (onError === 'fail') throw new UserFunctionError(operator, ctx.time, record, e);
  ctx.deadLetter(operator, `user function threw: ${e instanceof Error ? e.message : String(e)}`, record);
}

/** Calls a whole-batch user function, naming the operator when it throws. */
export function callBatch<R>(operator: string, ctx: BatchContext, sample: unknown, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof UserFunctionError) throw e;
    throw new UserFunctionError(operator, ctx.time, sample, e);
  }
}

/** The raw text a dead letter keeps of a record: a string as it is, anything else as (long) JSON. */
export function rawText(v: unknown): string {
  return typeof v === 'string' ? v : preview(v, 10_000);
}
