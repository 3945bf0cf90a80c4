/**
 * Vitest global setup of the `kafka` test project: one real broker per test run. Uses the
 * broker of `npm run kafka:up` when one is running, else starts one (and stops it at the
 * end). Without java or mvn the Kafka tests skip with one line saying why, except in CI
 * (CI=true), where they fail instead.
 */
import type { TestProject } from 'vitest/node';
import { down, missingTools, runningBroker, up } from '../../kafka/broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The broker's bootstrap address, or '' when the Kafka tests skip. */
    kafkaBootstrap: string;
    /** Why the Kafka tests skip ('' when they run). */
    kafkaSkip: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const why = missingTools();
  if (why) {
    if (process.env.CI === 'true') throw new Error(`Kafka tests cannot run in CI: ${why} (install a JDK 17+ and Maven)`);
    process.stderr.write(`kafka tests skipped: ${why}\n`);
    project.provide('kafkaBootstrap', '');
    project.provide('kafkaSkip', why);
    return undefined;
  }
  const before = runningBroker();
  const s = await up();
  project.provide('kafkaBootstrap', s.bootstrap);
  project.provide('kafkaSkip', '');
  if (before) return undefined;
  return async () => { await down(); };
}
