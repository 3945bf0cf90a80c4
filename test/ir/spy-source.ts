import { Sources, type Source } from '../../src/index.js';

/** How many spy sources have been opened: a pipeline rejected before it runs opens none. */
export const opened = { count: 0 };

/** A bounded in-memory source that counts how often it is opened. */
export function spySource<T>(input: T[][] = [[]]): Source<T> {
  const inner = Sources.batches(input);
  return {
    spec: inner.spec,
    open(ctx, resumeFrom) {
      opened.count++;
      return inner.open(ctx, resumeFrom);
    },
  };
}
