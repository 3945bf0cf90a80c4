import { avroFile } from './avro-file.js';
import { csv } from './csv.js';
import { directory } from './directory.js';
import { jsonLines } from './json-lines.js';
import { limit } from './limit.js';
import { batches, fromAsyncIterable, fromIterable } from './memory.js';
import { socketText } from './socket-text.js';
import { textFile } from './text-file.js';

/**
 * Source connectors.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * p.source(Sources.batches([[1, 2], [3]]));
 * p.source(Sources.jsonLines('data/readings.jsonl', Reading));
 * ```
 * @category Connectors
 */
export const Sources = { limit, batches, fromIterable, fromAsyncIterable, textFile, jsonLines, csv, avroFile, directory, socketText };
