/**
 * Word count — the seed documents' first Spark Streaming program, in sluice.
 *
 *   node bin/sluice.js run examples/word-count.ts                 # the shipped sample text
 *   WORDS_FILE=big.txt node bin/sluice.js run examples/word-count.ts
 *   WORDS_SOCKET=localhost:9999 node bin/sluice.js run examples/word-count.ts   # nc -lk 9999
 *
 * Each batch prints its words by count, most frequent first.
 */
import { fileURLToPath } from 'node:url';
import { Pipeline, Sources, pair, seconds, type Source } from '../src/index.js';

function lines(): Source<string> {
  const socket = process.env.WORDS_SOCKET;
  if (socket) {
    const [host, port] = socket.split(':');
    return Sources.socketText(host, Number(port));
  }
  return Sources.textFile(process.env.WORDS_FILE ?? fileURLToPath(new URL('./data/lines.txt', import.meta.url)));
}

export const pipeline = Pipeline.create('word-count', { batchInterval: seconds(1) });

pipeline
  .source(lines())
  .flatMap((line) => line.toLowerCase().split(/[^a-z']+/).filter(Boolean))
  .map((word) => pair(word, 1))
  .reduceByKey((a, b) => a + b)
  .transform((counts) => [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
  .print(20);

export default pipeline;
