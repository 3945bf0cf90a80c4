import { assertNever, type NodeKind } from '../ir/nodes.js';
import type { Plan } from '../ir/plan.js';
import type { ExchangeMode, KeyField } from './types.js';

/** A shuffle edge before partitions and stages are numbered. @internal */
export interface Cut {
  readonly from: string;
  readonly to: string;
  readonly input: number;
  readonly mode: ExchangeMode;
  readonly key?: KeyField;
}

/** How a node that reads a shuffle edge wants its input distributed. @category Planner */
export function exchangeOf(kind: NodeKind): { mode: ExchangeMode; key?: KeyField } | undefined {
  switch (kind) {
    case 'reduceByKey': case 'groupByKey': case 'reduceByKeyAndWindow': case 'groupByKeyAndWindow':
    case 'join': case 'cogroup': case 'updateStateByKey': case 'mapWithState': case 'eventWindow':
      return { mode: 'hash', key: 'first' };
    case 'countByValue':
      return { mode: 'hash', key: 'record' };
    case 'reduce': case 'count': case 'transform': case 'transformWith':
      return { mode: 'gather' };
    case 'repartition':
      return { mode: 'roundRobin' };
    case 'source': case 'map': case 'flatMap': case 'filter': case 'mapPartitions': case 'union': case 'window':
    case 'mapValues': case 'flatMapValues': case 'stateSnapshots': case 'eventTime': case 'keyBy': case 'lateRecords':
    case 'staticJoin': case 'sink':
      return undefined;
    default:
      return assertNever(kind, 'node kind');
  }
}

/**
 * Rule: every `shuffle` input edge becomes an exchange between stages, routed by what its
 * consumer needs: by key (keyed operators), to partition 0 (whole-batch operators) or
 * round-robin (repartition).
 * @category Planner
 */
export function cutAtShuffles(plan: Plan): Cut[] {
  const cuts: Cut[] = [];
  for (const n of plan.nodes) {
    n.inputs.forEach((i, input) => {
      if (i.edge !== 'shuffle') return;
      const ex = exchangeOf(n.kind) ?? { mode: 'roundRobin' as const };
      cuts.push({ from: i.from, to: n.id, input, ...ex });
    });
  }
  return cuts;
}
