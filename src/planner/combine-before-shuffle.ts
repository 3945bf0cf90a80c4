import type { Plan } from '../ir/plan.js';
import type { Cut } from './cut-at-shuffles.js';
import type { Combine } from './types.js';

/**
 * Rule: map-side combine, as Spark does. The input of a `reduceByKey` is reduced per key in
 * each producer partition before the shuffle (with the same function), and the input of a
 * `countByValue` is counted per value (the consumer then sums the partial counts). Less data
 * crosses processes; the results are the same for an associative and commutative function,
 * which Spark requires of reduceByKey too.
 * @category Planner
 */
export function combineBeforeShuffle(plan: Plan, cuts: readonly Cut[]): Array<Cut & { combine?: Combine }> {
  const kind = new Map(plan.nodes.map((n) => [n.id, n.kind]));
  return cuts.map((c) => {
    const k = kind.get(c.to);
    return k === 'reduceByKey' || k === 'countByValue' ? { ...c, combine: k } : c;
  });
}
