/**
 * The conformance suite with its input read from Kafka topics and its output written to
 * Kafka (issue 8), on the local runtime and on the cluster runtime (2 workers). Each
 * case's input batches are produced once to fresh 1-partition topics, padded so that batch
 * k of the run reads exactly input batch k (./conformance-pipeline.ts); each run writes to
 * a fresh output topic through a transactional sink; the test reads that topic
 * `read_committed` with a plain kafkajs consumer and compares batch by batch (in order
 * where the case says so) with the case's expected output.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool, type ClusterRunOptions } from '../../runtimes/cluster/index.js';
import { loadCases, normalize, type CaseRef } from '../conformance/run.js';
import { batchSize, kafkaCasePipeline, paddedRecords, type KafkaCaseIO, type Tagged } from './conformance-pipeline.js';
import { bootstrap, freshTopic, kafkaDescribe, produce, readAll, topicName } from './helpers.js';

const adapter = new URL('./conformance-pipeline.ts', import.meta.url).pathname;

/**
 * Cases that cannot run with Kafka input and output, with the reason. (None: every case's
 * records are JSON values, so each one round-trips through a topic.)
 */
export const NOT_OVER_KAFKA: Record<string, string> = {};

const areas = await loadCases();

/** The input topics of each case, produced once and read by both runtimes. */
const inputs = new Map<string, Promise<KafkaCaseIO['inputs']>>();

function inputsOf({ area, case: c }: CaseRef): Promise<KafkaCaseIO['inputs']> {
  const id = `${area}/${c.name}`;
  let got = inputs.get(id);
  if (!got) {
    got = Promise.all([c.input, ...(c.input2 ? [c.input2] : [])].map(async (input) => {
      const topic = await freshTopic(1, [], topicName('conf-in'));
      const size = batchSize(input);
      await produce(topic, paddedRecords(input, size));
      return { topic, size };
    }));
    inputs.set(id, got);
  }
  return got;
}

/** The output topic's batches: records grouped by batch time, in batch order, each batch in the order the stream produced it. */
async function outputBatches(topic: string): Promise<unknown[][]> {
  const byTime = new Map<number, Tagged[]>();
  for (const r of await readAll(topic)) {
    const tagged = JSON.parse(r.value!.toString('utf8')) as Tagged;
    if (!byTime.has(tagged.t)) byTime.set(tagged.t, []);
    if (tagged.i !== undefined) byTime.get(tagged.t)!.push(tagged);
  }
  return [...byTime.keys()].sort((a, b) => a - b).map((t) => byTime.get(t)!.sort((x, y) => x.i! - y.i!).map((x) => x.v));
}

let pool: WorkerPool | undefined;
afterAll(async () => { await pool?.close(); });

/** Runs `ref` from Kafka to Kafka on `runtime` and returns its output batches as read back from the output topic. */
async function runOverKafka(ref: CaseRef, runtime: 'local' | 'cluster'): Promise<unknown[][]> {
  const c = ref.case;
  const io: KafkaCaseIO = { brokers: [bootstrap], inputs: await inputsOf(ref), output: await freshTopic(1, [], topicName('conf-out')), name: topicName('conf') };
  const pipeline = await kafkaCasePipeline(ref.module, c.name, io);
  const numBatches = c.numBatches ?? Math.max(c.input.length, c.input2?.length ?? 0);
  if (runtime === 'local') {
    await pipeline.run({ runtime: 'local', pace: 'asap', numBatches, partitions: c.partitions });
  } else {
    if (!pool?.alive) pool = WorkerPool.start({ workers: 2, mode: 'module' });
    const opts: ClusterRunOptions = {
      runtime: 'cluster', pace: 'asap', numBatches, endsJob: true, partitions: 2, sourcePartitions: c.partitions ?? 1, pool,
      worker: { module: adapter, export: 'kafkaCasePipeline', args: [ref.module, c.name, io] },
    };
    await pipeline.run(opts);
  }
  return outputBatches(io.output);
}

kafkaDescribe('conformance over Kafka', () => {
  for (const runtime of ['local', 'cluster'] as const) {
    describe(`${runtime} runtime`, () => {
      for (const refs of areas) {
        if (!refs.length) continue;
        describe(refs[0].area, () => {
          for (const ref of refs) {
            const skip = NOT_OVER_KAFKA[`${ref.area}/${ref.case.name}`];
            (skip ? it.skip : it)(ref.case.name, async () => {
              const ordered = ref.case.ordered ?? false;
              const actual = await runOverKafka(ref, runtime);
              expect(normalize(actual, ordered)).toEqual(normalize(ref.case.expected, ordered));
            });
          }
        });
      }
    });
  }
});
