/**
 * Source connectors: where a pipeline's records come from.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * p.source(Sources.batches([[1, 2], [3]]));
 * p.source(Sources.jsonLines('data/readings.jsonl', Reading));
 * ```
 * @module
 */
export { avroFile } from './avro-file.js';
export { csv } from './csv.js';
export { directory } from './directory.js';
export { jsonLines } from './json-lines.js';
export { kafka, kafkaReport } from '../kafka/source.js';
export { limit } from './limit.js';
export { batches, fromAsyncIterable, fromIterable } from './memory.js';
export { socketText } from './socket-text.js';
export { textFile, type ReadOptions } from './text-file.js';
