import type { ExecutorFactory } from '../executor.js';

/** union: the inputs' batches concatenated, in input order. */
export const union: ExecutorFactory<'union'> = () => ({
  process(inputs) {
    const out: unknown[] = [];
    for (const b of inputs) if (b) for (let i = 0; i < b.length; i++) out.push(b[i]);
    return out;
  },
});
