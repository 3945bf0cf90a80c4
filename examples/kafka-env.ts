/**
 * Where the Kafka examples find the broker and their topics: KAFKA_BROKERS (default: the
 * broker of `npm run kafka:up`, from .tmp/kafka/broker.json), and KAFKA_TOPIC_PREFIX put in
 * front of every topic name (the tests use a fresh prefix per run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const stateFile = fileURLToPath(new URL('../.tmp/kafka/broker.json', import.meta.url));

/** The bootstrap brokers. */
export function brokers(): string[] {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',');
  if (existsSync(stateFile)) return [(JSON.parse(readFileSync(stateFile, 'utf8')) as { bootstrap: string }).bootstrap];
  return ['127.0.0.1:9092'];
}

/** A topic name with the run's prefix. */
export function topic(name: string): string {
  return `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${name}`;
}

/** KAFKA_BOUNDED=1: read up to the latest offsets at start, then end (a batch run over the topic). */
export const bounded = process.env.KAFKA_BOUNDED === '1';
