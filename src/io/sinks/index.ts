import { collect } from './collect.js';
import { console } from './console.js';
import { deadLetterFile, deadLetterStderr } from '../dead-letters.js';
import { foreachBatch } from './foreach-batch.js';

/**
 * Sink connectors.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * stream.to(Sinks.console(20));
 * ```
 * @category Connectors
 */
export const Sinks = { console, collect, foreachBatch, deadLetterFile, deadLetterStderr };
