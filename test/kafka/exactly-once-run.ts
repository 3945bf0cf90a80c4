/**
 * The exactly-once fault test, shared by the runtimes (`exactly-once.test.ts` runs it on the
 * cluster, `exactly-once-local.test.ts` on the local runtime): the job of
 * `fixtures/eos-job.ts` (Kafka source → map → transactional Kafka sink) run by a real
 * `sluice run … --checkpoint-dir` process, SIGKILLed (with its whole process group) at
 * random points and at chosen ones around the batch's Kafka commit and checkpoint commit,
 * restarted from its checkpoint each time; a read_committed consumer of the output topic
 * must then see exactly the output of a failure-free run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { expect } from 'vitest';
import { KafkaLink } from '../../src/io/kafka/client.js';
import { ensureCompacted } from '../../src/io/kafka/range-log.js';
import { COMMITS_TOPIC } from '../../src/io/kafka/sink.js';
import { lastCommit, runKilled, type Run } from '../helpers/checkpoints.js';
import { bootstrap, freshTopic, produce, readValues, topicName } from './helpers.js';

const root = new URL('../../', import.meta.url).pathname;
const job = 'test/kafka/fixtures/eos-job.ts';

/**
 * Where the fixture's sink kills its own process, at batch `EOS_CRASH_AT`:
 * - `after-commit`: after the batch's Kafka transaction committed, before its checkpoint commit;
 * - `before-write`: after the previous batch's checkpoint commit, before this batch's Kafka transaction;
 * - `in-transaction`: with the batch's records sent in an open transaction under the sink's transactional id, not committed.
 */
export type CrashMode = 'after-commit' | 'before-write' | 'in-transaction';

/** Runs the job with `runtime` (the `sluice run` flags choosing the runtime), SIGKILLed with its process group `killAfterMs` after its first commit of its own. */
function runJob(runtime: readonly string[], env: Record<string, string>, dir: string, killAfterMs?: number): Promise<Run> {
  return runKilled(['bin/sluice.js', 'run', job, ...runtime, '--checkpoint-dir', dir], { cwd: root, env: { ...process.env, ...env }, dir, killAfterMs, group: true })
    .then((r) => { warnings.push(...r.stderr.split('\n').filter((l) => l.startsWith('sluice:'))); return r; });
}

/** The `sluice:` lines (retries, range-log disagreements) every run of the current test wrote to stderr: shown when it fails. */
const warnings: string[] = [];

/**
 * The fault test on `runtime`: 3000 records on 2 partitions, read 5 per partition and batch
 * (300 batches), the job killed at 20 random points (ms after its run's first commit) and
 * then once at each of `crashes` (batches after the last commit, and where in the batch);
 * finally run to its end. The output topic, read read_committed, must hold every input
 * record exactly once.
 */
export async function exactlyOnceUnderKills(runtime: readonly string[], crashes: ReadonlyArray<readonly [batchesAfter: number, mode: CrashMode]>): Promise<void> {
  const input = await freshTopic(2);
  const records = Array.from({ length: 3000 }, (_, i) => ({ value: `r${i}`, partition: i % 2 }));
  await produce(input, records);
  const expected = records.map((r, i) => `${r.partition}:${Math.floor(i / 2)}:R${i}`).sort();

  const out = await freshTopic(1);
  const env = { EOS_BROKERS: bootstrap, EOS_IN: input, EOS_OUT: out, EOS_PIPELINE: topicName('eos'), EOS_CAP: '5' };
  const dir = mkdtempSync(join(tmpdir(), 'sluice-eos-'));
  const seed = Number(process.env.EOS_SEED ?? Date.now() % 100_000);
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // Kill points: ms after the run's first commit, then `mode@t` for the chosen crashes.
  const kills: string[] = [];
  warnings.length = 0;
  // Other jobs' sinks write the same commits topic: their transactions interleave with this job's (and, aborted
  // out of order, once made kafkajs's read_committed filter misread this sink's last commit).
  const neighbours = await transactionalNeighbours(seed);
  const say = () => `${runtime.join(' ')}, seed ${seed}, kills at ${kills.join(', ')}${warnings.length ? `; the runs said:\n${warnings.slice(-40).join('\n')}` : ''}`;
  try {
    let finished: Run | undefined;
    // On a quiet machine a run gets through a few batches between its first commit and its
    // kill, so the job outlasts the 20 kills.
    let random20 = 0;
    for (let k = 0; k < 20 && !finished; k++) {
      const at = Math.round(random() * 400);
      const r = await runJob(runtime, env, dir, at);
      if (r.signal === 'SIGKILL') { kills.push(`${at} ms`); random20++; } else finished = r;
    }
    const afterRandom = (await readValues(out)).length;
    const markers = mkdtempSync(join(tmpdir(), 'sluice-eos-markers-'));
    let chosen = 0;
    for (const [after, mode] of crashes) {
      if (finished) break;
      const t = lastCommit(dir) + after * 1000;
      const r = await runJob(runtime, { ...env, EOS_CRASH_AT: String(t), EOS_CRASH_MODE: mode, EOS_MARKERS: markers }, dir);
      if (r.signal === 'SIGKILL' || r.code !== 0) { kills.push(`${mode}@${t}`); chosen++; } else finished = r;
    }
    rmSync(markers, { recursive: true, force: true });
    finished ??= await runJob(runtime, env, dir);
    expect(finished.code, `${say()}; last stderr: ${finished.stderr}`).toBe(0);
    const got = await readValues(out);
    expect(got.length, `${say()}; ${difference(got, expected)}`).toBe(expected.length);
    expect(got.sort()).toEqual(expected);
    console.log(`exactly-once (${runtime.join(' ')}): seed ${seed}, ${kills.length} kills at ${kills.join(', ')}; ${afterRandom} of ${expected.length} records written by the randomly killed runs`);
    expect(random20, say()).toBeGreaterThanOrEqual(20);
    expect(chosen, say()).toBe(crashes.length);
  } finally {
    await neighbours.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two transactional producers that, until stopped, keep writing to `_sluice_sink_commits` (under keys of their
 * own) in transactions that overlap each other's: each opens one, waits a little, and commits or aborts it, so
 * the topic holds interleaved transactions of several producers, aborted in another order than they began.
 */
async function transactionalNeighbours(seed: number): Promise<{ stop(): Promise<void> }> {
  const link = await KafkaLink.open({ brokers: [bootstrap] }, 'neighbours');
  await ensureCompacted(link, COMMITS_TOPIC).finally(() => link.close());
  const kafka = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  let state = seed + 1;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let stopping = false;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const loops = [1, 2].map(async (n) => {
    const producer = kafka.producer({ transactionalId: topicName(`neighbour-${n}`), idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      while (!stopping) {
        const txn = await producer.transaction();
        await txn.send({ topic: COMMITS_TOPIC, messages: [{ key: `neighbour-${n}`, value: '{"t":0}' }] });
        await pause(random() * 300);
        if (random() < 0.5) await txn.abort(); else await txn.commit();
        await pause(random() * 100);
      }
    } finally {
      await producer.disconnect();
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** What `got` holds twice and what it lacks of `expected` (values `partition:offset:…`), for a failure's message. */
function difference(got: readonly string[], expected: readonly string[]): string {
  const count = new Map<string, number>();
  for (const g of got) count.set(g, (count.get(g) ?? 0) + 1);
  const twice = [...count].filter(([, n]) => n > 1).map(([g]) => g);
  const missing = expected.filter((e) => !count.has(e));
  const show = (l: string[]) => `${l.length}${l.length ? ` (${l.slice(0, 40).join(' ')}${l.length > 40 ? ' …' : ''})` : ''}`;
  return `written more than once: ${show(twice)}; missing: ${show(missing)}`;
}
