import type { Plan } from '../ir/plan.js';
import type { Cut } from './cut-at-shuffles.js';

/**
 * Rule: an exchange into an event-time window carries event time. The window's input is
 * `eventTime → keyBy ~~> eventWindow`; every producer partition of that edge sends, with its
 * part of batch t (empty parts included), the largest event time among all the records it
 * sent on the edge at t, and the consumer takes the largest over producer partitions — the
 * batch's largest event time over all partitions, from which each window partition derives
 * the same watermark the local runtime computes (docs/ENGINE.md, "Watermarks").
 *
 * Marks each such cut with the id of the `eventTime` node whose timestamp function the
 * producers apply.
 * @category Planner
 */
export function carryEventTime<C extends Cut>(plan: Plan, cuts: readonly C[]): Array<C & { eventTime?: string }> {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  return cuts.map((c) => {
    if (byId.get(c.to)?.kind !== 'eventWindow') return c;
    const keyBy = byId.get(c.from);
    const et = keyBy?.kind === 'keyBy' ? byId.get(keyBy.inputs[0].from) : undefined;
    return et?.kind === 'eventTime' ? { ...c, eventTime: et.id } : c;
  });
}
