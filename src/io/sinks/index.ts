/**
 * Sink connectors: where a pipeline's results go.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * stream.to(Sinks.console(20));
 * stream.to(Sinks.jsonLines('out/counts'));
 * ```
 * @module
 */
export { avroFile, readAvroDir } from './avro-file.js';
export { collect } from './collect.js';
export { console } from './console.js';
export { deadLetterFile, deadLetterStderr } from '../dead-letters.js';
export { foreachBatch } from './foreach-batch.js';
export { jsonLines, readJsonLinesDir } from './json-lines.js';
export { kafka } from '../kafka/sink.js';
