import { formatMillis as f } from '../time/duration.js';
import { assertNever, type IRNode, type WindowSpec } from './nodes.js';

function windowText(w: WindowSpec): string {
  switch (w.type) {
    case 'tumbling': return `tumbling(${f(w.sizeMs)})`;
    case 'sliding': return `sliding(${f(w.sizeMs)}, ${f(w.slideMs)})`;
    case 'session': return `session(${f(w.gapMs)})`;
    default: return assertNever(w, 'window');
  }
}

function options(o: Record<string, unknown>): string {
  return Object.entries(o)
    .filter(([k, v]) => k !== 'type' && k !== 'bounded' && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

/** One line of detail about a node, used by `explain()` and `toDot()`. @internal */
export function describeNode(n: IRNode): string {
  const state = (s: { name: string; ttlMs?: number }) => `state=${JSON.stringify(s.name)}${s.ttlMs !== undefined ? ` ttl=${f(s.ttlMs)}` : ''}`;
  switch (n.kind) {
    case 'source': return `${n.source.type}${n.source.bounded ? ' bounded' : ''} ${options(n.source)}`.trim();
    case 'sink': return `${n.sink.type} ${options(n.sink)}`.trim();
    case 'map': case 'flatMap': case 'filter': case 'mapValues': case 'flatMapValues':
      return n.onError === 'fail' ? '' : `onError=${n.onError}`;
    case 'repartition': return `partitions=${n.partitions}`;
    case 'window': case 'groupByKeyAndWindow': return `window=${f(n.windowMs)} slide=${f(n.slideMs)}`;
    case 'reduceByKeyAndWindow':
      return `window=${f(n.windowMs)} slide=${f(n.slideMs)}${n.inverse ? ' incremental' : ''}${n.filter ? ' filtered' : ''} ${state(n.state)}`;
    case 'join': return n.how;
    case 'staticJoin': return `${n.how} table=${n.table.type}${n.table.path ? ` path=${JSON.stringify(n.table.path)}` : ''}${n.table.refreshMs ? ` refresh=${f(n.table.refreshMs)}` : ''}`;
    case 'updateStateByKey': return state(n.state);
    case 'mapWithState': return `${state(n.state)}${n.timeoutMs !== undefined ? ` timeout=${f(n.timeoutMs)}` : ''}`;
    case 'eventTime': return `watermarkDelay=${f(n.watermarkDelayMs)}`;
    case 'eventWindow':
      return `${windowText(n.window)} ${n.aggregate}${n.allowedLatenessMs ? ` allowedLateness=${f(n.allowedLatenessMs)}` : ''} ${state(n.state)}`;
    case 'mapPartitions': case 'union': case 'transform': case 'transformWith': case 'reduce': case 'count':
    case 'countByValue': case 'reduceByKey': case 'groupByKey': case 'cogroup': case 'stateSnapshots':
    case 'keyBy': case 'lateRecords':
      return '';
    default: return assertNever(n, 'node');
  }
}
