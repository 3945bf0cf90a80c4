/**
 * A conformance case as a Kafka -> Kafka pipeline, built the same way in the test process
 * and in cluster workers (which import this module by path and call `kafkaCasePipeline`).
 *
 * Input: each of the case's sources is a 1-partition topic where input batch k occupies
 * offsets [k·size, (k+1)·size): its records (value = the record as JSON, no key) padded to
 * `size` with filler records keyed {@link PAD}. The source reads it with
 * `maxRecordsPerPartition: size`, so batch k reads exactly input batch k whatever the
 * timing; the fillers are dropped before the case's stream is built.
 *
 * Output: the case's stream, each batch tagged with its batch time and each record with
 * its index in the batch (`{ t, i, v }`; an empty batch as `{ t }` alone), written as JSON
 * to the output topic by a transactional Kafka sink.
 */
import { Pipeline, Sinks, Sources, type Stream } from '../../src/index.js';
import { millis } from '../../src/time/duration.js';
import { findCase } from '../cluster/case-pipeline.js';

/** The key of the filler records that pad an input batch to the topic's batch size. */
export const PAD = 'pad';

/** Where a case's run reads and writes. */
export interface KafkaCaseIO {
  readonly brokers: readonly string[];
  /** One topic per source of the case, with the records per batch (input batch size, padded) of each. */
  readonly inputs: ReadonlyArray<{ readonly topic: string; readonly size: number }>;
  readonly output: string;
  /** The pipeline name: fresh per run (it names the consumer group and the transactional ids). */
  readonly name: string;
}

/** One output record: batch time, index in the batch and the record (no `i`/`v`: the batch was empty). */
export interface Tagged {
  readonly t: number;
  readonly i?: number;
  readonly v?: unknown;
}

/** Records per batch of a case input's topic: its largest batch (at least 1). */
export function batchSize(input: readonly unknown[][]): number {
  return Math.max(1, ...input.map((b) => b.length));
}

/** The records to produce for `input`: batch k as `size` records, the batch's own then fillers. */
export function paddedRecords(input: readonly unknown[][], size: number): Array<{ key: string | null; value: string }> {
  return input.flatMap((batch) => [
    ...batch.map((r) => ({ key: null, value: JSON.stringify(r) })),
    ...Array.from({ length: size - batch.length }, () => ({ key: PAD, value: 'null' })),
  ]);
}

/** The pipeline of case `name` of the case module at `module`, reading and writing Kafka as `io` says. */
export async function kafkaCasePipeline(module: string, name: string, io: KafkaCaseIO): Promise<Pipeline> {
  const c = await findCase(module, name);
  const p = Pipeline.create(io.name, { batchInterval: millis(c.batchIntervalMs ?? 1000) });
  const streams = io.inputs.map(({ topic, size }) =>
    p.source(Sources.kafka({ brokers: io.brokers, topics: [topic], groupId: io.name, value: 'json', startingOffsets: 'earliest', endingOffsets: 'latest', maxRecordsPerPartition: size }))
      .filter((r) => r.key !== PAD)
      .map((r) => r.value) as Stream<any>);
  c.build(streams[0], streams[1])
    .transform((rs, t): Tagged[] => (rs.length ? rs.map((v, i) => ({ t, i, v })) : [{ t }]))
    .to(Sinks.kafka<Tagged>({ brokers: io.brokers, topic: io.output, value: 'json', transactional: true }));
  return p;
}
