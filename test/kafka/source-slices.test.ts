/**
 * The Kafka source read in slices by topic partition: each slice reads, records in the
 * range log and reports only the partitions it owns; a replay on another number of slices
 * reads the ranges the first run recorded; on the cluster runtime each worker reads its own
 * partitions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../runtimes/cluster/index.js';
import { partitionOfKeyGroup } from '../../src/planner/key-groups.js';
import { Sources, type KafkaRecord } from '../../src/index.js';
import { kafkaPartitionGroup } from '../../src/io/kafka/source.js';
import { RANGE_TOPIC } from '../../src/io/kafka/range-log.js';
import { bootstrap, freshTopic, kafkaDescribe, produce, topicName } from './helpers.js';
import { rows, slicesJob } from './fixtures/slices-job.js';
import { logBatches, startedAhead } from '../cluster/batch-log.js';

const KEY_GROUPS = 128;
const ownsOf = (index: number, count: number) => (unit: string) => partitionOfKeyGroup(kafkaPartitionGroup(unit, KEY_GROUPS), KEY_GROUPS, count) === index;
const where = (rs: readonly KafkaRecord<string>[]) => rs.map((r) => `${r.partition}@${r.offset}`).sort();

describe('kafkaPartitionGroup', () => {
  it('gives 2, 4 and 8 workers shares of a topic\'s partitions that differ by at most one', () => {
    for (const topic of ['readings', 'orders', 't-3f9a', 'x']) {
      for (let n = 1; n <= 32; n++) {
        for (const w of [2, 4, 8]) {
          const share = Array.from({ length: w }, () => 0);
          for (let p = 0; p < n; p++) {
            const g = kafkaPartitionGroup(`${topic}:${p}`, KEY_GROUPS);
            expect(g >= 0 && g < KEY_GROUPS && Number.isInteger(g)).toBe(true);
            share[partitionOfKeyGroup(g, KEY_GROUPS, w)]++;
          }
          expect(Math.max(...share) - Math.min(...share), `${topic}, ${n} partitions, ${w} workers: ${share}`).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('is read by key, placed by its own rule, and pipelined on the cluster (its range log makes a batch read ahead replay the same)', () => {
    const src = Sources.kafka({ brokers: ['127.0.0.1:1'], topics: ['t'], groupId: 'g', value: 'string' });
    expect([src.slicing, src.unitGroup, src.pipelined ?? true]).toEqual(['byKey', kafkaPartitionGroup, true]);
  });
});

kafkaDescribe('Sources.kafka read in slices', () => {
  it('each slice reads and reports only its own partitions; a replay on one slice reads the ranges the two slices recorded', async () => {
    const topic = await freshTopic(4);
    await produce(topic, Array.from({ length: 40 }, (_, i) => ({ value: `v${i}`, partition: i % 4 })));
    const src = Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId: topicName('g'), value: 'string', startingOffsets: 'earliest' });
    expect(src.slicing).toBe('byKey');
    const ctx = { operator: 'source#0', deadLetter() {} };
    const slices = [0, 1].map((i) => src.openSlice!(ctx, { index: i, count: 2, owns: ownsOf(i, 2) }));
    const first = await Promise.all(slices.map((s) => s.poll(1000, false, 1000)));
    const positions = slices.map((s) => s.position!() as Record<string, number>);
    for (const [i, got] of first.entries()) {
      const mine = [0, 1, 2, 3].filter((p) => ownsOf(i, 2)(`${topic}:${p}`));
      expect(mine).toHaveLength(2);
      expect(new Set(got.records.map((r) => r.partition))).toEqual(new Set(mine));
      expect(got.records).toHaveLength(20);
      expect(Object.keys(positions[i]).sort()).toEqual(mine.map((p) => `${topic}:${p}`).sort());
      expect(Object.keys(slices[i].report!()!.ranges).sort()).toEqual(mine.map((p) => `${topic}:${p}`).sort());
    }
    expect(where([...first[0].records, ...first[1].records])).toEqual(Array.from({ length: 40 }, (_, i) => `${i % 4}@${Math.floor(i / 4)}`).sort());
    await Promise.all(slices.map((s) => s.close()));

    // More records arrive; batch 1000 replayed from the start by one reader of the whole topic reads the same 40 records.
    await produce(topic, Array.from({ length: 8 }, (_, i) => ({ value: `late${i}`, partition: i % 4 })));
    const start = Object.fromEntries([0, 1, 2, 3].map((p) => [`${topic}:${p}`, 0]));
    const whole = src.openSlice!(ctx, { index: 0, count: 1 }, start);
    expect(where((await whole.poll(1000, false, 1000)).records)).toEqual(where([...first[0].records, ...first[1].records]));
    expect(whole.position!()).toEqual({ ...positions[0], ...positions[1] });
    expect((await whole.poll(1000, false, 3000)).records.map((r) => r.value).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `late${i}`));
    await whole.close();

    // Batch 2000 came between them in no run: a resumed slice reads nothing in it (its partitions have entries of 1000 and 3000 only).
    const again = src.openSlice!(ctx, { index: 0, count: 2, owns: ownsOf(0, 2) }, positions[0]);
    expect((await again.poll(1000, false, 2000)).records).toEqual([]);
    expect(again.position!()).toEqual(positions[0]);
    await again.close();
  });

  it('a replay reads the ranges a whole-source record of the range log holds (as written before the log was kept per partition)', async () => {
    const topic = await freshTopic(2);
    await produce(topic, Array.from({ length: 20 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })));
    const groupId = topicName('g');
    const ctx = { operator: 'source#0', deadLetter() {} };
    const src = Sources.kafka({ brokers: [bootstrap], topics: [topic], groupId, value: 'string', startingOffsets: 'earliest' });
    const legacy = [{ t: 1000, ranges: { [`${topic}:0`]: [0, 3], [`${topic}:1`]: [0, 2] } }];
    await produce(RANGE_TOPIC, [{ key: `${groupId}|source#0`, value: JSON.stringify(legacy) }]);
    const start = { [`${topic}:0`]: 0, [`${topic}:1`]: 0 };
    const slices = [0, 1].map((i) => src.openSlice!(ctx, { index: i, count: 2, owns: ownsOf(i, 2) }, start));
    const got = (await Promise.all(slices.map((s) => s.poll(1000, false, 1000)))).flatMap((b) => b.records);
    expect(where(got)).toEqual(['0@0', '0@1', '0@2', '1@0', '1@1']);
    await Promise.all(slices.map((s) => s.close()));
  });

  describe('on the cluster runtime', () => {
    let pool: WorkerPool | undefined;
    afterAll(async () => { await pool?.close(); });

    it('each of 2 workers reads its own 2 of 4 partitions, batches in flight two at a time, and the output is the local run\'s, batch by batch', async () => {
      const topic = await freshTopic(4);
      await produce(topic, Array.from({ length: 60 }, (_, i) => ({ value: `v${i}`, partition: i % 4 })));
      const strip = (rs: readonly string[]) => rs.map((r) => r.slice(0, r.lastIndexOf(':'))).sort();

      let seen = rows.batches.length;
      await slicesJob([bootstrap], topic, topicName('g')).run({ pace: 'asap' });
      const localBatches = rows.batches.slice(seen).map(([, rs]) => strip(rs)).filter((b) => b.length);
      const local = localBatches.flat().sort();
      expect(local).toHaveLength(60);

      pool = WorkerPool.start({ workers: 2, mode: 'module' });
      const log = logBatches(pool);
      const module = new URL('./fixtures/slices-job.ts', import.meta.url).pathname;
      const group = topicName('g');
      seen = rows.batches.length;
      const before = rows.records().length; // the sink keeps every run's rows
      await slicesJob([bootstrap], topic, group).run({ runtime: 'cluster', pool, pace: 'asap', partitions: 2, worker: { module, export: 'slicesJob', args: [[bootstrap], topic, group] } } as never);
      const got = rows.records().slice(before);
      expect(strip(got)).toEqual(local);
      expect(rows.batches.slice(seen).map(([, rs]) => strip(rs)).filter((b) => b.length)).toEqual(localBatches);
      // 3 records per partition and batch: 5 batches of input, each but the last started before both workers were done with the one before.
      expect(startedAhead(log, 2)).toBeGreaterThanOrEqual(4);
      const readBy = new Map<string, Set<string>>();
      for (const r of got) {
        const [partition, , , pid] = r.split(':');
        if (!readBy.has(partition)) readBy.set(partition, new Set());
        readBy.get(partition)!.add(pid);
      }
      const pids = pool.workers.map((w) => String(w.child.pid));
      for (const [partition, by] of readBy) expect([...by], `partition ${partition}`).toHaveLength(1);
      const perWorker = pids.map((pid) => [...readBy.values()].filter((by) => by.has(pid)).length);
      expect(perWorker).toEqual([2, 2]);
    });

    it('a run on 2 workers stopped after 2 batches resumes on 4 workers: every batch is the local run\'s, each partition read by one worker per run', async () => {
      const topic = await freshTopic(4);
      await produce(topic, Array.from({ length: 60 }, (_, i) => ({ value: `v${i}`, partition: i % 4 })));
      const batches = (from: number) => rows.batches.slice(from).map(([, rs]) => rs.map((r) => r.slice(0, r.lastIndexOf(':'))).sort());
      let seen = rows.batches.length;
      await slicesJob([bootstrap], topic, topicName('g')).run({ pace: 'asap' });
      const local = batches(seen).filter((b) => b.length);
      expect(local.flat()).toHaveLength(60);
      const module = new URL('./fixtures/slices-job.ts', import.meta.url).pathname;
      const group = topicName('g');
      const ck = mkdtempSync(join(tmpdir(), 'sluice-kafka-slices-'));
      const pools = [WorkerPool.start({ workers: 2, mode: 'module' }), WorkerPool.start({ workers: 4, mode: 'module' })];
      try {
        seen = rows.batches.length;
        const run = (p: WorkerPool, more: object) => slicesJob([bootstrap], topic, group).run({ runtime: 'cluster', pool: p, pace: 'asap', partitions: p.size, checkpointDir: ck, worker: { module, export: 'slicesJob', args: [[bootstrap], topic, group] }, ...more } as never);
        await run(pools[0], { numBatches: 2 });
        expect(batches(seen)).toEqual(local.slice(0, 2));
        const resumedFrom = rows.batches.length;
        await run(pools[1], {});
        expect(batches(seen).filter((b) => b.length)).toEqual(local);
        // After the resume each partition was read by one of the 4 workers, one partition each.
        const readBy = new Map<string, Set<string>>();
        for (const [, rs] of rows.batches.slice(resumedFrom)) for (const r of rs) {
          const [partition, , , pid] = r.split(':');
          readBy.set(partition, (readBy.get(partition) ?? new Set()).add(pid));
        }
        expect([...readBy.values()].map((by) => by.size)).toEqual([1, 1, 1, 1]);
        expect(new Set([...readBy.values()].map((by) => [...by][0])).size).toBe(4);
      } finally {
        await Promise.all(pools.map((p) => p.close()));
        rmSync(ck, { recursive: true, force: true });
      }
    });
  });
});
