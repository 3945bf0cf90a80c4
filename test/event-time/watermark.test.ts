import { describe, expect, it } from 'vitest';
import { millis, seconds, tumbling, sliding, type Stream, type Windowed } from '../../src/index.js';
import { ev, keyed, row, runReported, runWindows, type Ev, type Row } from './helpers.js';

const t10 = tumbling(millis(10));

/** Window results and late records of one run, tagged so both fit in one output stream. */
type Tagged = { readonly window: Row<number> } | { readonly late: Ev };

function withLate(res: Stream<Windowed<string, number>> & { lateRecords(): Stream<Ev> }): Stream<Tagged> {
  return res.map((w): Tagged => ({ window: row(w) })).union(res.lateRecords().map((r): Tagged => ({ late: r })));
}

describe('event time: watermark', () => {
  it('emits window [s, e) at the end of the batch in which an event at e + delay or later is seen', async () => {
    const { out } = await runWindows(
      [[ev('a', 3)], [ev('a', 14)], [ev('a', 15)], [ev('a', 24)], [ev('a', 26)]],
      (s) => keyed(s, 5).window(t10).count(),
    );
    expect(out).toEqual([
      [],
      [], // 14 < 10 + 5
      [['a', 0, 10, 1]], // 15 = 10 + 5
      [],
      [['a', 10, 20, 2]], // 26 ≥ 20 + 5
      [['a', 20, 30, 2]], // end of input
    ]);
  });

  it('emits at the end of a batch: later events of the same batch are not yet compared with the watermark', async () => {
    // 30 would close [0,10) at once, but the watermark moves only after the batch, so 2 still counts
    const { out, report } = await runWindows([[ev('a', 30), ev('a', 2)]], (s) => keyed(s).window(t10).count());
    expect(out).toEqual([[['a', 0, 10, 1]], [['a', 30, 40, 1]]]);
    expect(report.metrics.lateRecords).toBe(0);
  });

  it('is global across keys: an event of one key closes the windows of all keys', async () => {
    const { out } = await runWindows([[ev('a', 1), ev('b', 2)], [ev('c', 10)]], (s) => keyed(s).window(t10).count());
    expect(out).toEqual([[], [['a', 0, 10, 1], ['b', 0, 10, 1]], [['c', 10, 20, 1]]]);
  });

  it('never moves back: an older event does not reopen anything', async () => {
    const { out } = await runWindows([[ev('a', 25)], [ev('a', 21)], [ev('a', 30)]], (s) => keyed(s, 2).window(t10).count());
    // watermark 22 after batch 0 (stays 22 after 21), 27 after batch 2: [20,30) stays open until the end
    expect(out).toEqual([[], [], [], [['a', 20, 30, 2], ['a', 30, 40, 1]]]);
  });

  it('counts out-of-order records that are within the delay', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 12)], [ev('a', 7)], [ev('a', 4), ev('a', 13)], [ev('a', 15)]],
      (s) => keyed(s, 5).window(t10).count(),
    );
    expect(out).toEqual([[], [], [], [['a', 0, 10, 2]], [['a', 10, 20, 3]]]);
    expect(report.metrics.lateRecords).toBe(0);
    expect(report.deadLetters).toEqual([]);
  });

  it('treats an event older than the watermark as late when all its windows are closed', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 15)], [ev('a', 9), ev('a', 10)]],
      (s) => keyed(s, 5).window(t10).count(),
    );
    // after batch 0 the watermark is 9: [0,10) (end − 1 = 9) is closed, [10,20) is not
    expect(out).toEqual([[], [], [['a', 10, 20, 2]]]);
    expect(report.metrics.lateRecords).toBe(1);
  });

  it('a sliding-window record is late only when every one of its windows is closed', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 20)], [ev('a', 12), ev('a', 8)]],
      (s) => keyed(s).window(sliding(millis(10), millis(5))).count(),
    );
    // watermark 19: 12's windows [5,15) and [10,20) are closed, and so are 8's [0,10) and [5,15)
    expect(report.metrics.lateRecords).toBe(2);
    expect(out[2]).toEqual([['a', 15, 25, 1], ['a', 20, 30, 1]]);
    const partial = await runWindows([[ev('a', 20)], [ev('a', 16)]], (s) => keyed(s).window(sliding(millis(10), millis(5))).count());
    // 16 is in [10,20) (closed) and [15,25) (open): it counts in the open one and is not late
    expect(partial.report.metrics.lateRecords).toBe(0);
    expect(partial.out[2]).toEqual([['a', 15, 25, 2], ['a', 20, 30, 1]]);
  });

  it('flushes every open window at the end of the input, in one extra batch', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 1), ev('b', 12), ev('a', 35)]],
      (s) => keyed(s, 1000).window(t10).count(),
    );
    expect(out).toEqual([[], [['a', 0, 10, 1], ['b', 10, 20, 1], ['a', 30, 40, 1]]]);
    expect(report.metrics.batches).toBe(2);
  });

  it('flushes at (last + 1) · interval', async () => {
    const times: number[] = [];
    await runReported([[ev('a', 1)], []], (s) => {
      const res = keyed(s, 1000).window(t10).count();
      res.foreachBatch((rs, t) => { if (rs.length) times.push(t); });
      return res;
    }, { batchInterval: seconds(2) });
    expect(times).toEqual([6000]);
  });

  it('emits no extra batch when nothing is open at the end', async () => {
    const { out, report } = await runWindows([[ev('a', 1)], [ev('a', 100)], []], (s) => keyed(s).window(t10).count(), { numBatches: 3 });
    expect(out).toEqual([[], [['a', 0, 10, 1]], [], [['a', 100, 110, 1]]]);
    const quiet = await runWindows([[ev('a', 1)], [ev('a', 10)]], (s) => keyed(s).window(t10).count());
    expect(quiet.out).toEqual([[], [['a', 0, 10, 1]], [['a', 10, 20, 1]]]);
    expect(report.metrics.batches).toBe(4);
  });
});

describe('event time: allowed lateness and late records', () => {
  it('re-emits the updated window for a late record within the allowed lateness', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 2), ev('a', 12)], [ev('a', 4)], [ev('a', 14)], [ev('a', 5)], [ev('a', 15)], [ev('a', 6)]],
      (s) => keyed(s).window(t10).allowedLateness(millis(5)).count(),
    );
    expect(out).toEqual([
      [['a', 0, 10, 1]],
      [['a', 0, 10, 2]], // late, within lateness: emitted again
      [],
      [['a', 0, 10, 3]], // an event at 14 = 10 + 0 + 5 − 1 still keeps it
      [], // an event at 15 = 10 + 0 + 5: [0,10) is dropped
      [], // 6 is late: its window is gone
      [['a', 10, 20, 3]],
    ]);
    expect(report.metrics.lateRecords).toBe(1);
    expect(report.deadLetters.map((d) => JSON.parse(d.raw))).toEqual([ev('a', 6)]);
  });

  it('adds the delay and the lateness', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 1), ev('a', 12)], [ev('a', 2), ev('a', 13)], [ev('a', 3), ev('a', 19)], [ev('a', 20)], [ev('a', 4)]],
      (s) => keyed(s, 3).window(t10).allowedLateness(millis(7)).count(),
    );
    expect(out).toEqual([
      [],
      [['a', 0, 10, 2]], // 13 = 10 + 3
      [['a', 0, 10, 3]], // 19 < 10 + 3 + 7: 3 still counts
      [], // 20 = 10 + 3 + 7: [0,10) is dropped
      [], // 4 is late
      [['a', 10, 20, 3], ['a', 20, 30, 1]],
    ]);
    expect(report.metrics.lateRecords).toBe(1);
  });

  it('sends records beyond the lateness to lateRecords() and not to the dead letters', async () => {
    const { out, report } = await runReported(
      [[ev('a', 1), ev('a', 30)], [ev('a', 5), ev('b', 31)], [ev('a', 25)]],
      (s) => withLate(keyed(s).window(t10).allowedLateness(millis(10)).count()),
    );
    expect(out).toEqual([
      [{ window: ['a', 0, 10, 1] }],
      [{ late: ev('a', 5) }],
      [{ window: ['a', 20, 30, 1] }],
      [{ window: ['a', 30, 40, 1] }, { window: ['b', 30, 40, 1] }],
    ]);
    expect(report.metrics.lateRecords).toBe(1);
    expect(report.deadLetters).toEqual([]);
  });

  it('sends late records to the dead-letter output with a reason when lateRecords() is not used', async () => {
    const { out, report } = await runWindows(
      [[ev('a', 20)], [ev('a', 3), ev('b', 7)], []],
      (s) => keyed(s).window(t10).count(),
    );
    expect(out).toEqual([[], [], [], [['a', 20, 30, 1]]]);
    expect(report.metrics.lateRecords).toBe(2);
    expect(report.metrics.deadLetters).toBe(2);
    expect(report.deadLetters).toHaveLength(2);
    const [d] = report.deadLetters;
    expect(d.origin).toMatch(/^eventWindow#\d+$/);
    expect(d.reason).toMatch(/late/);
    expect(d.reason).toMatch(/watermark 19/);
    expect(JSON.parse(d.raw)).toEqual(ev('a', 3));
    expect(d.batchTime).toBe(2000);
  });

  it('sends a record whose timestamp is not a number to the dead letters and goes on', async () => {
    const input = [[ev('a', 1), { k: 'a', t: 'soon' } as unknown as Ev, { k: 'a', t: Number.NaN, v: 1 }, ev('a', 2)], [ev('a', 10)]];
    const { out, report } = await runWindows(input, (s) => keyed(s).window(t10).count());
    expect(out).toEqual([[], [['a', 0, 10, 2]], [['a', 10, 20, 1]]]);
    expect(report.deadLetters).toHaveLength(2);
    expect(report.deadLetters[0].reason).toMatch(/event time.*not a finite number.*soon/);
    expect(report.deadLetters[0].origin).toMatch(/^eventTime#\d+$/);
    expect(JSON.parse(report.deadLetters[0].raw)).toEqual({ k: 'a', t: 'soon' });
    expect(report.metrics.lateRecords).toBe(0);
  });

  it('names the eventTime operator when the timestamp function throws', async () => {
    await expect(
      runWindows([[ev('a', 1)]], (s) =>
        s.withEventTime(() => { throw new Error('no clock'); }, { watermarkDelay: millis(0) }).keyBy((r) => r.k).window(t10).count()),
    ).rejects.toThrow(/eventTime#\d+.*no clock/);
  });
});
