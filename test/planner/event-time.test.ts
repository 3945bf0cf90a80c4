import { describe, expect, it } from 'vitest';
import { planPhysical } from '../../src/planner/index.js';
import { batchMaxEventTime } from '../../src/engine/task.js';
import { pipelines } from './pipelines.js';

describe('planner: event-time windows', () => {
  for (const partitions of [1, 2, 4]) {
    it(`with ${partitions} partition(s) an event-time window runs on every partition and its exchange carries the max event time of its eventTime node`, () => {
      const phys = planPhysical(pipelines['event-time']().plan(), { partitions });
      const window = phys.plan.nodes.find((n) => n.kind === 'eventWindow')!;
      const eventTime = phys.plan.nodes.find((n) => n.kind === 'eventTime')!;
      expect(phys.nodePartitions[window.id]).toBe(partitions);
      const into = phys.edges.filter((e) => e.to === window.id);
      expect(into).toMatchObject([{ mode: 'hash', key: 'first', toPartitions: partitions, eventTime: eventTime.id }]);
      // Its late records run beside it, on every partition; no other edge carries event time.
      expect(phys.nodePartitions[phys.plan.nodes.find((n) => n.kind === 'lateRecords')!.id]).toBe(partitions);
      expect(phys.edges.filter((e) => e.eventTime !== undefined)).toHaveLength(1);
    });
  }

  it('a consumer takes the largest event time over producer partitions (Spark\'s global watermark), -Infinity when none reported one', () => {
    expect(batchMaxEventTime([5, -Infinity, 12, 7])).toBe(12);
    expect(batchMaxEventTime([-Infinity, -Infinity])).toBe(-Infinity);
    expect(batchMaxEventTime([])).toBe(-Infinity);
  });
});
