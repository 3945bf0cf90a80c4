import { describe, expect, it } from 'vitest';
import { millis, Pipeline, PipelineError, seconds, session, sliding, Sources, tumbling, type Duration } from '../../src/index.js';
import { ev, keyed, type Ev } from './helpers.js';

function windowed() {
  const p = Pipeline.create('dsl', { batchInterval: seconds(1) });
  return keyed(p.source(Sources.batches<Ev>([[ev('a', 1)]])));
}

function pipelineError(f: () => unknown): PipelineError {
  try { f(); } catch (e) { if (e instanceof PipelineError) return e; throw e; }
  throw new Error('expected a PipelineError');
}

describe('event time: building windows', () => {
  it('rejects window sizes, slides and gaps that are not positive durations', () => {
    for (const f of [() => tumbling(0 as Duration), () => sliding(millis(10), 0 as Duration), () => session(-1 as Duration), () => tumbling(Number.NaN as Duration)]) {
      const e = pipelineError(f);
      expect(e.message).toMatch(/^eventWindow: .*must be a positive duration/);
      expect(e.site.operator).toBe('eventWindow');
    }
  });

  it('rejects a sliding window whose slide is longer than its size, naming both', () => {
    const e = pipelineError(() => sliding(seconds(5), seconds(10)));
    expect(e.message).toMatch(/eventWindow: sliding\(5s, 10s\): the slide is longer than the window/);
    expect(e.hint).toMatch(/slide ≤ the window size/);
  });

  it('rejects a negative or non-finite allowed lateness', () => {
    for (const d of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => windowed().window(tumbling(millis(10))).allowedLateness(d as Duration)).toThrow(/eventWindow: allowedLateness expects a finite duration ≥ 0/);
    }
    expect(() => windowed().window(tumbling(millis(10))).allowedLateness(millis(0))).not.toThrow();
  });

  it('rejects a missing window assigner, reduce function or aggregator', () => {
    expect(() => windowed().window(undefined as never)).toThrow(PipelineError);
    expect(() => windowed().window(tumbling(millis(10))).reduce(undefined as never)).toThrow(/eventWindow: reduce expects a function/);
    expect(() => windowed().window(tumbling(millis(10))).aggregate({ create: () => 0 } as never)).toThrow(/eventWindow: aggregate expects an Aggregator/);
  });

  it('an aggregator without merge is fine for tumbling and sliding windows but not for sessions', () => {
    const noMerge = { create: () => 0, add: (a: number, r: Ev) => a + r.v, result: (a: number) => a };
    expect(() => windowed().window(tumbling(millis(10))).aggregate(noMerge)).not.toThrow();
    expect(() => windowed().window(sliding(millis(10), millis(5))).aggregate(noMerge)).not.toThrow();
    const e = pipelineError(() => windowed().window(session(seconds(30))).aggregate(noMerge));
    expect(e.message).toMatch(/eventWindow: aggregate over session\(30s\) needs merge\(a, b\)/);
    expect(e.site.operator).toBe('eventWindow');
  });

  it('allowedLateness and named keep each other', () => {
    const p = Pipeline.create('dsl', { batchInterval: seconds(1) });
    keyed(p.source(Sources.batches<Ev>([])))
      .window(tumbling(millis(10)))
      .named('first')
      .allowedLateness(millis(50))
      .named('second')
      .count()
      .print();
    expect(p.plan().nodes.find((n) => n.kind === 'eventWindow')).toMatchObject({ allowedLatenessMs: 50, state: { name: 'second', named: true } });
  });
});
