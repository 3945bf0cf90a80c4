/**
 * Event-time windows on the cluster runtime with 1, 2 and 4 partitions: each window
 * partition derives the watermark from the largest event time the exchange carried from
 * every producer partition, so windows, late records, dead letters and the late-record count
 * equal the local runtime's batch by batch — also across a stop and a resume on another
 * partition count (a rescale).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/io/connector.js';
import type { Stream } from '../../src/dsl/stream.js';
import type { RunMetrics } from '../../src/runtime.js';
import { harnessPipeline, runBatches } from '../../src/testing/index.js';
import { seconds } from '../../src/time/duration.js';
import { SegmentFile } from '../../runtimes/core/state.js';
import { generateEvents, keptWindows, quietKeys, threeWindows } from './fixtures/event-time.js';

const fixtures = fileURLToPath(new URL('./fixtures/event-time.ts', import.meta.url));
const text = (x: unknown) => JSON.stringify(x);
const sorted = (batches: readonly unknown[][]) => batches.map((b) => b.map(text).sort());
const deadSorted = (ds: readonly DeadLetter[]) => ds.map((d) => text([d.batchTime, d.origin, d.reason, d.raw])).sort();
const dirs: string[] = [];
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'sluice-event-time-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const SEED = 6;
const input = generateEvents(SEED);
const worker = { module: fixtures, export: 'eventHarness', args: [SEED] };

async function local(): Promise<{ out: unknown[][]; dead: DeadLetter[]; metrics: RunMetrics }> {
  let report: { deadLetters: DeadLetter[]; metrics: RunMetrics } | undefined;
  const out = await runBatches(input, threeWindows, { inspect: (r) => { report = r; } });
  return { out, dead: report!.deadLetters, metrics: report!.metrics };
}

describe('event-time windows on the cluster runtime', () => {
  for (const partitions of [1, 2, 4]) {
    it(`with ${partitions} partition(s): windows, late records, dead letters and the late count equal the local runtime's, batch by batch`, async () => {
      const expected = await local();
      // The input exercises what the watermark decides: late records (an output and dead letters) and records without event time.
      expect(expected.metrics.lateRecords).toBeGreaterThan(20);
      expect(expected.out.flat().filter((r) => (r as unknown[])[0] === 'late').length).toBeGreaterThan(5);
      expect(expected.dead.filter((d) => d.reason.startsWith('late record')).length).toBeGreaterThan(5);
      expect(expected.dead.filter((d) => d.reason.startsWith('event time is not')).length).toBeGreaterThan(5);

      let report: { deadLetters: DeadLetter[]; metrics: RunMetrics } | undefined;
      const out = await runBatches(input, threeWindows, {
        runtime: 'cluster', workers: Math.min(partitions, 2), clusterPartitions: partitions, worker, inspect: (r) => { report = r; },
      });
      expect(out.length).toBe(expected.out.length);
      expect(sorted(out)).toEqual(sorted(expected.out));
      expect(deadSorted(report!.deadLetters)).toEqual(deadSorted(expected.dead));
      expect(report!.metrics.lateRecords).toBe(expected.metrics.lateRecords);
    });
  }

  for (const [before, after] of [[2, 4], [4, 1]] as const) {
    it(`stopped halfway on ${before} partition(s) and resumed on ${after} from the checkpoint (a rescale): the output and dead letters of one local run`, async () => {
      const expected = await local();
      const dir = tmp();
      const outs: Array<readonly [number, unknown[]]> = [];
      const dead: DeadLetter[] = [];
      let from = 0;
      for (const [numBatches, partitions] of [[6, before], [undefined, after]] as const) {
        const h = harnessPipeline([input], threeWindows as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
        await h.pipeline.run({ runtime: 'cluster', workers: Math.min(partitions, 2), partitions, worker, checkpointDir: dir, numBatches } as never);
        // A run stopped by numBatches flushes its windows in an uncommitted final pass: not part of the job's output.
        const until = numBatches === undefined ? Infinity : numBatches * 1000;
        outs.push(...h.out.batches.filter(([t]) => t > from && t <= until));
        dead.push(...h.dead.records().filter((d) => d.batchTime > from && d.batchTime <= until));
        from = until;
        if (numBatches !== undefined) {
          // The windows' state went into the checkpoint as deltas after the first full segment: only the keys that changed.
          const commit = JSON.parse(readFileSync(join(dir, 'commits', `${until}.json`), 'utf8')) as { segments: Array<{ node: string; file: string; bytes: number }> };
          const windows = commit.segments.filter((x) => x.node.startsWith('eventWindow'));
          expect(windows.some((x) => SegmentFile.open(join(dir, x.file), x.bytes).header.delta)).toBe(true);
        }
      }
      expect(outs.map(([t]) => t)).toEqual(expected.out.map((_, i) => (i + 1) * 1000));
      expect(sorted(outs.map(([, rs]) => rs))).toEqual(sorted(expected.out));
      expect(deadSorted(dead)).toEqual(deadSorted(expected.dead));
    });
  }

  it('a window that fired in a batch without records of its key is checkpointed as fired (its key is in the delta): a resume does not emit it again', async () => {
    const expected = await runBatches(quietKeys, keptWindows);
    // The ten windows fire at batch 2, when z's record moves the watermark past them.
    expect(expected[1]).toHaveLength(10);
    const dir = tmp();
    const outs: Array<readonly [number, unknown[]]> = [];
    let from = 0;
    for (const numBatches of [2, undefined]) {
      const h = harnessPipeline([quietKeys], keptWindows as (s: Stream<any>) => Stream<unknown>, { batchInterval: seconds(1) });
      await h.pipeline.run({ runtime: 'cluster', workers: 2, worker: { module: fixtures, export: 'keptHarness' }, checkpointDir: dir, numBatches } as never);
      const until = numBatches === undefined ? Infinity : numBatches * 1000;
      outs.push(...h.out.batches.filter(([t]) => t > from && t <= until));
      from = until;
    }
    expect(sorted(outs.map(([, rs]) => rs))).toEqual(sorted(expected));
  });
});
