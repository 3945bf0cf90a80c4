import kafkajs, { type Message, type Producer } from 'kafkajs';
import { RuntimeError } from '../../errors.js';
import type { Sink, SinkContext, SinkWriter } from '../connector.js';
import { KafkaLink, type KafkaConnection } from './client.js';
import { badFormat, encoder, formatName, type KafkaFormat } from './codec.js';
import { ensureCompacted, readLatest } from './range-log.js';

const { CompressionTypes } = kafkajs;

/** The compacted topic where transactional Kafka sinks record their last committed batch. */
export const COMMITS_TOPIC = '_sluice_sink_commits';

/**
 * Options of {@link kafka} (the sink).
 * @example
 * ```ts
 * const opts: KafkaSinkOptions<string> = { brokers: ['127.0.0.1:9092'], topic: 'out', value: 'string', compression: 'gzip', transactional: true };
 * ```
 * @category Connectors
 */
export interface KafkaSinkOptions<T> extends KafkaConnection {
  /** The topic written to (it must exist). */
  readonly topic: string;
  /** The values' format: a schema (Avro binary, or JSON with `format: 'json'`), `'json'`, `'string'` or `'bytes'`. */
  readonly value: KafkaFormat<T>;
  /** With a schema as `value`: `'avro'` (default) or `'json'`. */
  readonly format?: 'avro' | 'json';
  /** The record's key (default: none; Kafka then spreads records over partitions). */
  readonly key?: (record: T) => string | Buffer | null;
  /** The partition of a record (default: Kafka's murmur2 of the key, as the Java client). */
  readonly partitioner?: (record: T, partitions: number) => number;
  /** The record timestamp in ms (default: the broker's CreateTime of the send). */
  readonly timestamp?: (record: T) => number;
  /** Headers to attach. */
  readonly headers?: (record: T) => Record<string, string>;
  /** `'all'` (default: every in-sync replica), `1` (leader only) or `0` (no acknowledgement; not with idempotent or transactional). */
  readonly acks?: 'all' | 1 | 0;
  /** `'gzip'` or `'none'` (default). */
  readonly compression?: 'gzip' | 'none';
  /** Idempotent producer (default true): retries never duplicate a record. */
  readonly idempotent?: boolean;
  /**
   * Exactly-once (default false): each batch is written in one Kafka transaction, together
   * with a marker in `_sluice_sink_commits`; after a restart a batch already committed is
   * skipped. Readers must use `read_committed`.
   */
  readonly transactional?: boolean;
  /** The transactional id (default `sluice-<pipeline>-<sink operator>-<partition>`). */
  readonly transactionalId?: string;
}

/** Bytes of encoded records per produce request (the broker refuses batches over ~1 MB). */
const CHUNK_BYTES = 512 * 1024;
/** Attempts at one batch when the broker fails (with backoff) before the write fails. */
const ATTEMPTS = 8;

/**
 * Writes each batch to a Kafka topic. At-least-once by default (idempotent producer,
 * acks=all); exactly-once with `transactional: true`: each batch becomes visible to
 * `read_committed` consumers once, whatever fails when. The transactional id is derived from
 * (pipeline, sink operator, partition), so a restarted job fences its predecessor; the
 * batch time of the last committed batch is written in the same transaction to the
 * compacted topic `_sluice_sink_commits` and read back when the sink opens, so a batch
 * replayed after a crash is written only if its transaction did not commit.
 *
 * A record that does not fit the value format fails the batch with a `RuntimeError`
 * naming the sink and the record. A broker that goes away is retried with backoff (about a
 * minute) before the run fails; a missing topic fails with one line naming it.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * counts.to(Sinks.kafka<readonly [string, number]>({
 *   brokers: ['127.0.0.1:9092'], topic: 'word-counts', value: 'json', key: ([w]) => w, transactional: true,
 * }));
 * ```
 * @category Connectors
 */
export function kafka<T>(opts: KafkaSinkOptions<T>): Sink<T> {
  const fail = (why: string, fix?: string) => new RuntimeError(`Sinks.kafka: ${why}`, {}, fix);
  if (!opts || typeof opts !== 'object') throw fail('options are required', "pass { brokers, topic, value: 'json' }");
  if (typeof opts.topic !== 'string' || opts.topic === '') throw fail('topic is required', "pass { topic: 'counts' }");
  const bad = badFormat(opts.value);
  if (bad) throw fail(`value format: ${bad}`);
  const acks = opts.acks === undefined || opts.acks === 'all' ? -1 : opts.acks;
  if (acks !== -1 && acks !== 1 && acks !== 0) throw fail(`acks must be 'all', 1 or 0, got ${JSON.stringify(opts.acks)}`);
  const transactional = opts.transactional === true;
  const idempotent = transactional || opts.idempotent !== false;
  if (idempotent && acks !== -1) throw fail(`acks ${acks} cannot be used with an idempotent or transactional producer`, "use acks: 'all' or idempotent: false");
  if (opts.compression !== undefined && opts.compression !== 'gzip' && opts.compression !== 'none') throw fail(`compression must be 'gzip' or 'none', got ${JSON.stringify(opts.compression)}`);
  const compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const encode = encoder(opts.value, opts.format);
  const what = formatName(opts.value as KafkaFormat<unknown>, opts.format);
  return {
    spec: { type: 'kafka', brokers: [...opts.brokers], topic: opts.topic, transactional },
    open(ctx: SinkContext & { partition?: number }): SinkWriter<T> {
      const operator = ctx.operator;
      const txId = opts.transactionalId ?? `sluice-${ctx.pipeline}-${operator}-${ctx.partition ?? 0}`;
      let link: KafkaLink | undefined;
      let producer: Producer | undefined;
      let partitions = 0;
      let lastCommitted = -Infinity;

      const committedBatch = async (l: KafkaLink): Promise<number> => {
        const v = (await readLatest(l, COMMITS_TOPIC, (k) => k === txId, true)).get(txId);
        return v ? (JSON.parse(v.toString('utf8')) as { t: number }).t : -Infinity;
      };

      const connect = async () => {
        if (!link) {
          link = await KafkaLink.open(opts, operator);
          await link.requireTopics([opts.topic]);
          partitions = (await link.partitions([opts.topic])).length;
          if (transactional) await ensureCompacted(link, COMMITS_TOPIC);
        }
        if (!producer) {
          const p = link.producer({
            idempotent,
            maxInFlightRequests: idempotent ? 1 : undefined,
            allowAutoTopicCreation: false,
            ...(transactional ? { transactionalId: txId, transactionTimeout: 60_000, retry: { initialRetryTime: 10, retries: 20, maxRetryTime: 2000 } } : {}),
          });
          await p.connect();
          producer = p;
          if (transactional) {
            // kafkajs registers the transactional id only with the first transaction: begin and end an
            // empty one (no request but InitProducerId), which fences the previous instance and waits until
            // its last transaction has ended, committed or aborted, with its markers written. Only then
            // does the commits topic tell the truth about this id.
            await (await p.transaction()).abort();
            lastCommitted = await committedBatch(link);
          }
        }
        return producer;
      };

      const messages = (records: readonly T[]): Message[][] => {
        const chunks: Message[][] = [];
        let chunk: Message[] = [];
        let bytes = 0;
        records.forEach((r, i) => {
          let value: Buffer | string;
          try {
            value = encode(r);
          } catch (e) {
            throw new RuntimeError(`${operator}: record ${i} of the batch cannot be written as ${what} to Kafka topic ${opts.topic}: ${(e as Error).message}`, { operator, location: opts.topic });
          }
          const m: Message = { value };
          if (opts.key) m.key = opts.key(r);
          if (opts.partitioner) m.partition = opts.partitioner(r, partitions);
          if (opts.timestamp) m.timestamp = String(opts.timestamp(r));
          if (opts.headers) m.headers = opts.headers(r);
          const size = (typeof value === 'string' ? value.length : value.byteLength) + 64;
          if (chunk.length && bytes + size > CHUNK_BYTES) { chunks.push(chunk); chunk = []; bytes = 0; }
          chunk.push(m);
          bytes += size;
        });
        if (chunk.length) chunks.push(chunk);
        return chunks;
      };

      const writeOnce = async (chunks: Message[][], t: number) => {
        const p = await connect();
        if (!transactional) {
          for (const c of chunks) await p.send({ topic: opts.topic, acks, compression, messages: c });
          return;
        }
        if (t <= lastCommitted) return; // committed before a crash: written once already
        const txn = await p.transaction();
        try {
          for (const c of chunks) await txn.send({ topic: opts.topic, acks: -1, compression, messages: c });
          await txn.send({ topic: COMMITS_TOPIC, acks: -1, messages: [{ key: txId, value: JSON.stringify({ t, records: chunks.reduce((n, c) => n + c.length, 0) }) }] });
          await txn.commit();
        } catch (e) {
          await txn.abort().catch(() => {});
          throw e;
        }
        lastCommitted = t;
      };

      return {
        async write(records, t) {
          if (!records.length && !transactional) return;
          const chunks = messages(records);
          for (let attempt = 1; ; attempt++) {
            try {
              await writeOnce(chunks, t);
              return;
            } catch (e) {
              if (fenced(e)) {
                throw new RuntimeError(`${operator}: transactional id ${txId} was taken over by a newer instance of the job (this one is a zombie); batch ${t} is not written`, { operator, batchTime: t, location: opts.topic });
              }
              if (e instanceof RuntimeError || attempt >= ATTEMPTS) {
                if (e instanceof RuntimeError) throw e;
                throw new RuntimeError(`${operator}: writing batch ${t} to Kafka topic ${opts.topic} failed ${attempt} times: ${(e as Error).message}`, { operator, batchTime: t, location: opts.topic });
              }
              process.stderr.write(`sluice: ${operator}: writing batch ${t} to Kafka topic ${opts.topic} failed (${(e as Error).message}); retrying (attempt ${attempt + 1} of ${ATTEMPTS})\n`);
              // Start over with a new producer: for transactions it re-reads whether the batch committed after all.
              const p = producer;
              producer = undefined;
              await p?.disconnect().catch(() => {});
              await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
            }
          }
        },
        async close() {
          await producer?.disconnect().catch(() => {});
          await link?.close();
        },
      };
    },
  };
}

/** Whether a kafkajs error says another producer with the same transactional id fenced this one. */
function fenced(e: unknown): boolean {
  for (let x = e as { type?: string; originalError?: unknown; cause?: unknown } | undefined, i = 0; x && i < 5; i++) {
    if (x.type === 'INVALID_PRODUCER_EPOCH' || x.type === 'PRODUCER_FENCED') return true;
    x = (x.originalError ?? x.cause) as typeof x;
  }
  return false;
}
