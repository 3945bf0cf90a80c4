/**
 * The sensor pipeline from Kafka to Kafka: Avro readings from `sensor-readings`, each
 * sensor's mean over sliding 5-minute windows every 30 s (event time = the reading's
 * time), written as JSON to `sensor-averages` in Kafka transactions (exactly-once for
 * read_committed readers).
 *
 *   npm run kafka:up
 *   node --import tsx examples/kafka-producer.ts
 *   node bin/sluice.js run examples/kafka-sensors.ts --pace realtime
 *   KAFKA_BOUNDED=1 node bin/sluice.js run examples/kafka-sensors.ts    # what is there now, then end
 */
import { Pipeline, Sinks, Sources, minutes, seconds, sliding } from '../src/index.js';
import { bounded, brokers, topic } from './kafka-env.js';
import { Reading, mean } from './temperature.js';

export const pipeline = Pipeline.create('kafka-sensors', { batchInterval: seconds(1) });

pipeline
  .source(Sources.kafka({
    brokers: brokers(),
    topics: [topic('sensor-readings')],
    groupId: 'kafka-sensors',
    value: Reading,
    startingOffsets: 'earliest',
    maxRecordsPerPartition: 200,
    ...(bounded ? { endingOffsets: 'latest' as const } : {}),
  }))
  .map((r) => r.value)
  .withEventTime((r) => r.ts, { watermarkDelay: seconds(10) })
  .keyBy((r) => r.sensor)
  .window(sliding(minutes(5), seconds(30)))
  .named('avg-temperature')
  .aggregate(mean)
  .map((w) => ({ sensor: w.key, start: w.start, end: w.end, mean: w.value }))
  .to(Sinks.kafka({ brokers: brokers(), topic: topic('sensor-averages'), value: 'json', key: (a) => a.sensor, transactional: true }));

export default pipeline;
