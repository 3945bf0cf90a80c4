/**
 * The IR: a plain, serialisable description of a pipeline. It holds no functions — user
 * functions stay in the program, in a table keyed by node id — so a plan can be hashed,
 * printed, stored beside a checkpoint and compared across processes.
 *
 * The node union is closed: every runtime switches over `kind` exhaustively.
 *
 * @module
 */

/** Version of the IR format. Bumped on any incompatible change. @category IR */
export const IR_VERSION = 1 as const;

/**
 * How records travel along an edge: `forward` keeps them in the same partition, `shuffle`
 * redistributes them by key (hash of the key into a key group).
 * @category IR
 */
export type EdgeKind = 'forward' | 'shuffle';

/** An incoming edge of a node. @category IR */
export interface Input {
  readonly from: string;
  readonly edge: EdgeKind;
}

/** What a user-function failure does: fail the batch, or send the record to the dead-letter output. @category IR */
export type OnError = 'fail' | 'deadLetter';

/** An Avro schema as JSON (what avsc's `Type.forSchema` accepts). @category IR */
export type AvroSchemaJson = string | { readonly [k: string]: unknown } | readonly unknown[];

/** The serialisable description of a source. `type` names the connector; the rest is its configuration. @category IR */
export interface SourceSpec {
  readonly type: string;
  /** True when the source ends by itself (a file, an array); the job ends when every source is drained. */
  readonly bounded: boolean;
  readonly [option: string]: unknown;
}

/** The serialisable description of a sink. @category IR */
export interface SinkSpec {
  readonly type: string;
  readonly [option: string]: unknown;
}

/** Keyed state of a stateful operator: its stable name, time-to-live and state schema when declared. @category IR */
export interface StateSpec {
  /** Stable name: explicit, or derived from the operator's content and lineage. Checkpoints are keyed by it. */
  readonly name: string;
  /** Whether `name` was given by the user. */
  readonly named: boolean;
  /** Keys whose state was not updated for this long are dropped. */
  readonly ttlMs?: number;
  /** Avro schema of the state values, when declared. */
  readonly schema?: AvroSchemaJson;
}

/** An event-time window assigner. @category IR */
export type WindowSpec =
  | { readonly type: 'tumbling'; readonly sizeMs: number }
  | { readonly type: 'sliding'; readonly sizeMs: number; readonly slideMs: number }
  | { readonly type: 'session'; readonly gapMs: number };

/** The serialisable description of a static table used for enrichment. @category IR */
export interface TableSpec {
  readonly type: 'map' | 'array' | 'file';
  readonly path?: string;
  readonly format?: string;
  readonly refreshMs?: number;
}

interface Base<K extends string> {
  readonly kind: K;
  /** Stable id, `<kind>#<n>` in order of construction. */
  readonly id: string;
  readonly inputs: readonly Input[];
  /** Optional user label, shown by `explain()`. */
  readonly label?: string;
}

/** Reads records from a connector. @category IR */
export interface SourceNode extends Base<'source'> { readonly source: SourceSpec; readonly schema?: AvroSchemaJson }
/** One record in, one out. @category IR */
export interface MapNode extends Base<'map'> { readonly onError: OnError }
/** One record in, zero or more out. @category IR */
export interface FlatMapNode extends Base<'flatMap'> { readonly onError: OnError }
/** Keeps records for which the predicate holds. @category IR */
export interface FilterNode extends Base<'filter'> { readonly onError: OnError }
/** A function over all records of one partition of a batch. @category IR */
export interface MapPartitionsNode extends Base<'mapPartitions'> {}
/** Redistributes records round-robin over `partitions` partitions. @category IR */
export interface RepartitionNode extends Base<'repartition'> { readonly partitions: number }
/** Concatenates streams with the same slide. @category IR */
export interface UnionNode extends Base<'union'> {}
/** A function over the whole batch and the batch time. @category IR */
export interface TransformNode extends Base<'transform'> {}
/** A function over two streams' batches and the batch time. @category IR */
export interface TransformWithNode extends Base<'transformWith'> {}
/** Processing-time window over the last `windowMs`, emitted every `slideMs`. @category IR */
export interface WindowNode extends Base<'window'> { readonly windowMs: number; readonly slideMs: number }
/** Reduces each batch to one record. @category IR */
export interface ReduceNode extends Base<'reduce'> {}
/** Counts each batch's records. @category IR */
export interface CountNode extends Base<'count'> {}
/** Counts occurrences of each distinct value per batch. @category IR */
export interface CountByValueNode extends Base<'countByValue'> {}
/** Reduces the values of each key per batch. @category IR */
export interface ReduceByKeyNode extends Base<'reduceByKey'> {}
/** Groups the values of each key per batch. @category IR */
export interface GroupByKeyNode extends Base<'groupByKey'> {}
/** Maps values of a pair stream, keeping keys. @category IR */
export interface MapValuesNode extends Base<'mapValues'> { readonly onError: OnError }
/** Flat-maps values of a pair stream, keeping keys. @category IR */
export interface FlatMapValuesNode extends Base<'flatMapValues'> { readonly onError: OnError }
/** Keyed reduce over a sliding processing-time window; incremental when `inverse` is set. @category IR */
export interface ReduceByKeyAndWindowNode extends Base<'reduceByKeyAndWindow'> {
  readonly windowMs: number;
  readonly slideMs: number;
  readonly inverse: boolean;
  readonly filter: boolean;
  readonly state: StateSpec;
}
/** Keyed grouping over a sliding processing-time window. @category IR */
export interface GroupByKeyAndWindowNode extends Base<'groupByKeyAndWindow'> { readonly windowMs: number; readonly slideMs: number }
/** Per-batch join of two pair streams. @category IR */
export interface JoinNode extends Base<'join'> { readonly how: 'inner' | 'left' | 'right' | 'full' }
/** Per-batch cogroup of two pair streams. @category IR */
export interface CogroupNode extends Base<'cogroup'> {}
/** Spark's updateStateByKey. @category IR */
export interface UpdateStateByKeyNode extends Base<'updateStateByKey'> { readonly state: StateSpec; readonly hasInitial: boolean }
/** Spark's mapWithState. @category IR */
export interface MapWithStateNode extends Base<'mapWithState'> { readonly state: StateSpec; readonly timeoutMs?: number; readonly hasInitial: boolean }
/** The `[key, state]` pairs of a mapWithState node after each batch. @category IR */
export interface StateSnapshotsNode extends Base<'stateSnapshots'> {}
/** Assigns event timestamps and tracks the watermark. @category IR */
export interface EventTimeNode extends Base<'eventTime'> { readonly watermarkDelayMs: number }
/** Keys an event-time stream. @category IR */
export interface KeyByNode extends Base<'keyBy'> {}
/** An event-time window aggregation per key. @category IR */
export interface EventWindowNode extends Base<'eventWindow'> {
  readonly window: WindowSpec;
  readonly allowedLatenessMs: number;
  readonly aggregate: 'reduce' | 'aggregate' | 'count';
  readonly state: StateSpec;
}
/** Records that arrived after their window closed (beyond the allowed lateness). @category IR */
export interface LateRecordsNode extends Base<'lateRecords'> {}
/** Joins a pair stream with a static table. @category IR */
export interface StaticJoinNode extends Base<'staticJoin'> { readonly how: 'inner' | 'left'; readonly table: TableSpec }
/** Writes records to a connector. @category IR */
export interface SinkNode extends Base<'sink'> { readonly sink: SinkSpec }

/**
 * Every node kind of the IR. Closed: add a kind here and every exhaustive switch fails to
 * compile until it handles it.
 * @category IR
 */
export type IRNode =
  | SourceNode
  | MapNode
  | FlatMapNode
  | FilterNode
  | MapPartitionsNode
  | RepartitionNode
  | UnionNode
  | TransformNode
  | TransformWithNode
  | WindowNode
  | ReduceNode
  | CountNode
  | CountByValueNode
  | ReduceByKeyNode
  | GroupByKeyNode
  | MapValuesNode
  | FlatMapValuesNode
  | ReduceByKeyAndWindowNode
  | GroupByKeyAndWindowNode
  | JoinNode
  | CogroupNode
  | UpdateStateByKeyNode
  | MapWithStateNode
  | StateSnapshotsNode
  | EventTimeNode
  | KeyByNode
  | EventWindowNode
  | LateRecordsNode
  | StaticJoinNode
  | SinkNode;

/** The `kind` of any node. @category IR */
export type NodeKind = IRNode['kind'];

/** The node with kind `K`. @category IR */
export type NodeOf<K extends NodeKind> = Extract<IRNode, { kind: K }>;

/** Every node kind, in a fixed order. @category IR */
export const NODE_KINDS: readonly NodeKind[] = [
  'source', 'map', 'flatMap', 'filter', 'mapPartitions', 'repartition', 'union', 'transform',
  'transformWith', 'window', 'reduce', 'count', 'countByValue', 'reduceByKey', 'groupByKey',
  'mapValues', 'flatMapValues', 'reduceByKeyAndWindow', 'groupByKeyAndWindow', 'join', 'cogroup',
  'updateStateByKey', 'mapWithState', 'stateSnapshots', 'eventTime', 'keyBy', 'eventWindow',
  'lateRecords', 'staticJoin', 'sink',
];

/** Node kinds that keep keyed state across batches (and so need a stable name). @category IR */
export const STATEFUL_KINDS: ReadonlySet<NodeKind> = new Set<NodeKind>([
  'reduceByKeyAndWindow', 'updateStateByKey', 'mapWithState', 'eventWindow',
]);

/** Compile-time exhaustiveness check for switches over node kinds. @internal */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
