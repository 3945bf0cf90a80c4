import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Pipeline, PipelineError, Sources, Sinks, seconds } from '../../src/index.js';
import { explainPhysical } from '../../src/planner/explain-physical.js';
import { canonicalKey, keyGroupOf, partitionOfKeyGroup, planPhysical } from '../../src/planner/index.js';
import { pipelines } from './pipelines.js';

const golden = join(dirname(fileURLToPath(import.meta.url)), 'golden');

describe('explainPhysical golden files (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const [name, build] of Object.entries(pipelines)) {
    for (const partitions of [1, 2, 4]) {
      it(`${name} with ${partitions} partitions`, () => {
        const text = explainPhysical(build().plan(), { partitions });
        const file = join(golden, `${name}.p${partitions}.txt`);
        if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
          mkdirSync(golden, { recursive: true });
          writeFileSync(file, text);
        }
        expect(text).toBe(readFileSync(file, 'utf8'));
      });
    }
  }
});

describe('planPhysical', () => {
  it('cuts word count into stages: the source, its spread per-record operators, the keyed reduce with a map-side combine', () => {
    const phys = planPhysical(pipelines['word-count']().plan(), { partitions: 2 });
    expect(phys.stages.map((s) => [s.id, s.nodes, s.partitions])).toEqual([
      ['stage-0', ['source#0'], 1],
      ['stage-1', ['flatMap#1', 'map#2'], 2],
      ['stage-2', ['reduceByKey#3', 'sink#4'], 2],
    ]);
    expect(phys.edges).toMatchObject([
      { id: 'edge-0', from: 'source#0', to: 'flatMap#1', mode: 'split', fromPartitions: 1, toPartitions: 2 },
      { id: 'edge-1', from: 'map#2', to: 'reduceByKey#3', mode: 'hash', key: 'first', combine: 'reduceByKey', fromPartitions: 2, toPartitions: 2 },
    ]);
  });

  it('does not spread a source on one partition, nor a stage with more than per-record operators', () => {
    expect(planPhysical(pipelines['word-count']().plan(), { partitions: 1 }).stages[0].nodes).toEqual(['source#0', 'flatMap#1', 'map#2']);
    const phys = planPhysical(pipelines['gathers-and-repartition']().plan(), { partitions: 2 });
    expect(phys.stages[0].nodes).toEqual(['source#0', 'window#7']);
    expect(phys.edges.some((e) => e.mode === 'split')).toBe(false);
  });

  it('fuses two sources read by a union into one stage', () => {
    const p = Pipeline.create('u', { batchInterval: seconds(1) });
    p.source(Sources.batches<number>([])).union(p.source(Sources.batches<number>([]))).to(Sinks.collect());
    expect(planPhysical(p.plan(), { partitions: 2 }).stages.map((s) => s.nodes)).toEqual([['source#0', 'source#1', 'union#2', 'sink#3']]);
  });

  it('keeps a forward edge between stages instead of a cycle when a union reads a stream and its own shuffled result', () => {
    const phys = planPhysical(pipelines['union-shuffled-and-source']().plan(), { partitions: 2 });
    expect(phys.stages.map((s) => s.nodes)).toEqual([['source#0'], ['map#2'], ['reduceByKey#1', 'union#3', 'sink#4']]);
    expect(phys.stages[2].inputs).toContainEqual({ kind: 'forward', from: 'map#2', to: 'union#3', stage: 'stage-1' });
    expect(phys.nodePartitions['union#3']).toBe(2);
  });

  it('refuses more partitions than key groups', () => {
    const p = Pipeline.create('few', { batchInterval: seconds(1), keyGroups: 2 });
    p.source(Sources.batches<readonly [string, number]>([])).reduceByKey((a, b) => a + b).to(Sinks.collect());
    expect(() => planPhysical(p.plan(), { partitions: 4 })).toThrow(PipelineError);
    expect(() => planPhysical(p.plan(), { partitions: 4 })).toThrow(/4 partitions for 2 key groups/);
  });

  it('is deterministic: the same plan gives the same physical plan', () => {
    const a = planPhysical(pipelines.stateful().plan(), { partitions: 4 });
    const b = planPhysical(pipelines.stateful().plan(), { partitions: 4 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('key groups', () => {
  it('hash equal keys equal, by value, and spread keys over all partitions', () => {
    expect(keyGroupOf(['a', 1], 128)).toBe(keyGroupOf(['a', 1], 128));
    expect(keyGroupOf({ x: 1, y: 2 }, 128)).toBe(keyGroupOf({ y: 2, x: 1 }, 128));
    expect(canonicalKey('1')).not.toBe(canonicalKey(1));
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(partitionOfKeyGroup(keyGroupOf(`k${i}`, 128), 128, 4));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });
  it('maps key groups to contiguous partition ranges (Flink)', () => {
    expect([0, 63, 64, 127].map((g) => partitionOfKeyGroup(g, 128, 2))).toEqual([0, 0, 1, 1]);
  });
});
