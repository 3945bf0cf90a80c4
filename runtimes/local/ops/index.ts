import type { ExecutorTable } from '../executor.js';
import { cogroup } from './cogroup.js';
import { count } from './count.js';
import { countByValue } from './count-by-value.js';
import { eventTime } from './event-time.js';
import { eventWindow } from './event-window.js';
import { filter } from './filter.js';
import { flatMap } from './flat-map.js';
import { flatMapValues } from './flat-map-values.js';
import { groupByKey } from './group-by-key.js';
import { groupByKeyAndWindow } from './group-by-key-and-window.js';
import { join } from './join.js';
import { keyBy } from './key-by.js';
import { lateRecords } from './late-records.js';
import { map } from './map.js';
import { mapPartitions } from './map-partitions.js';
import { mapValues } from './map-values.js';
import { mapWithState } from './map-with-state.js';
import { reduce } from './reduce.js';
import { reduceByKey } from './reduce-by-key.js';
import { reduceByKeyAndWindow } from './reduce-by-key-and-window.js';
import { repartition } from './repartition.js';
import { sink } from './sink.js';
import { type SourcePacing, sourceExecutor } from './source.js';
import { stateSnapshots } from './state-snapshots.js';
import { staticJoin } from './static-join.js';
import { transform } from './transform.js';
import { transformWith } from './transform-with.js';
import { union } from './union.js';
import { updateStateByKey } from './update-state-by-key.js';
import { window } from './window.js';

/** The executor of every node kind (a missing kind is a compile error). */
export function executors(pacing: SourcePacing): ExecutorTable {
  return {
    source: sourceExecutor(pacing), map, flatMap, filter, mapPartitions, repartition, union, transform, transformWith,
    window, reduce, count, countByValue, reduceByKey, groupByKey, mapValues, flatMapValues, reduceByKeyAndWindow,
    groupByKeyAndWindow, join, cogroup, updateStateByKey, mapWithState, stateSnapshots, eventTime, keyBy, eventWindow,
    lateRecords, staticJoin, sink,
  };
}
