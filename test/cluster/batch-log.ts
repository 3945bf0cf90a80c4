/**
 * What a pool's coordinator and workers say about batches, in the order the test process
 * sees it: `batch <t> → <worker>` for every batch sent, `done <t> ← <worker>` and
 * `more <t> ← <worker>` for every report. Shared by the pipelining tests of the cluster
 * (test/cluster/pipelining.test.ts) and of the Kafka source (test/kafka/source-slices.test.ts).
 */
import type { WorkerPool } from '../../runtimes/cluster/pool.js';
import type { FromWorker, ToWorker } from '../../runtimes/cluster/protocol.js';

/** Starts logging `pool`'s batch messages; returns the log (appended to as the run goes). */
export function logBatches(pool: WorkerPool): string[] {
  const log: string[] = [];
  const send = pool.send.bind(pool);
  pool.send = (w: number, msg: ToWorker) => { if (msg.type === 'batch') log.push(`batch ${msg.t}${msg.final ? ' final' : ''} → ${w}`); send(w, msg); };
  for (const w of pool.workers) w.child.on('message', (m: FromWorker) => { if (m.type === 'done' || m.type === 'more') log.push(`${m.type} ${m.t} ← ${w.index}`); });
  return log;
}

/** The batch times sent, in order, once each. */
export function batchTimes(log: readonly string[]): number[] {
  return [...new Set(log.filter((l) => l.startsWith('batch ')).map((l) => Number(l.split(' ')[1])))];
}

/** How many batches were sent to a worker before every one of `workers` workers had said `done` for the batch before. */
export function startedAhead(log: readonly string[], workers: number): number {
  const times = batchTimes(log);
  let ahead = 0;
  for (const [i, t] of times.slice(0, -1).entries()) {
    const sentNext = log.findIndex((l) => l.startsWith(`batch ${times[i + 1]} `));
    const lastDone = Math.max(...Array.from({ length: workers }, (_, w) => log.indexOf(`done ${t} ← ${w}`)));
    if (sentNext < lastDone) ahead++;
  }
  return ahead;
}
