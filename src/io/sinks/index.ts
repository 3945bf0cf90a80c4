import { avroFile } from './avro-file.js';
import { collect } from './collect.js';
import { console } from './console.js';
import { deadLetterFile, deadLetterStderr } from '../dead-letters.js';
import { foreachBatch } from './foreach-batch.js';
import { jsonLines } from './json-lines.js';

/**
 * Sink connectors.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * stream.to(Sinks.console(20));
 * stream.to(Sinks.jsonLines('out/counts'));
 * ```
 * @category Connectors
 */
export const Sinks = { console, collect, foreachBatch, jsonLines, avroFile, deadLetterFile, deadLetterStderr };
