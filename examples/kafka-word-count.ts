/**
 * Word count from a topic to a topic: lines from `lines`, each batch's counts written to
 * `word-counts` as JSON `["word", n]`, keyed by word (at-least-once; add
 * `transactional: true` to the sink for exactly-once).
 *
 *   npm run kafka:up
 *   node --import tsx examples/kafka-producer.ts
 *   node bin/sluice.js run examples/kafka-word-count.ts --pace realtime
 */
import { Pipeline, Sinks, Sources, pair, seconds } from '../src/index.js';
import { bounded, brokers, topic } from './kafka-env.js';

export const pipeline = Pipeline.create('kafka-word-count', { batchInterval: seconds(1) });

pipeline
  .source(Sources.kafka({
    brokers: brokers(),
    topics: [topic('lines')],
    groupId: 'kafka-word-count',
    value: 'string',
    startingOffsets: 'earliest',
    ...(bounded ? { endingOffsets: 'latest' as const } : {}),
  }))
  .flatMap((r) => r.value.toLowerCase().split(/[^a-z']+/).filter(Boolean))
  .map((word) => pair(word, 1))
  .reduceByKey((a, b) => a + b)
  .to(Sinks.kafka<readonly [string, number]>({ brokers: brokers(), topic: topic('word-counts'), value: 'json', key: ([w]) => w }));

export default pipeline;
