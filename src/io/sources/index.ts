import { batches, fromAsyncIterable, fromIterable } from './memory.js';

/**
 * Source connectors.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * p.source(Sources.batches([[1, 2], [3]]));
 * ```
 * @category Connectors
 */
export const Sources = { batches, fromIterable, fromAsyncIterable };
