import type { AvroSchemaJson } from '../ir/nodes.js';
import type { Plan } from '../ir/plan.js';

/**
 * How a shuffle edge routes each record to a consumer partition.
 * - `hash`: by key group of the record's key (`keyGroup(key) → partition`);
 * - `gather`: everything to partition 0 (whole-batch operators: reduce, count, transform);
 * - `roundRobin`: spread evenly (repartition);
 * - `split`: contiguous slices, in order (a source's batch spread over the partitions).
 * @category Planner
 */
export type ExchangeMode = 'hash' | 'gather' | 'roundRobin' | 'split';

/** Which part of a record is its key on a `hash` edge. @category Planner */
export type KeyField = 'first' | 'record';

/** A map-side combine applied by the shuffle writer before records leave their partition. @category Planner */
export type Combine = 'reduceByKey' | 'countByValue';

/**
 * One shuffle: the records of `from` (in stage `fromStage`) go to input `input` of `to`
 * (in stage `toStage`), redistributed by `mode`.
 * @category Planner
 */
export interface ShuffleEdge {
  /** `edge-<n>`, in plan order. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Index of this edge among `to`'s inputs. */
  readonly input: number;
  readonly fromStage: string;
  readonly toStage: string;
  readonly mode: ExchangeMode;
  /** For `hash`: where the key is (`first` for `[key, value]` pairs, `record` for countByValue). */
  readonly key?: KeyField;
  /** Map-side combine (pre-aggregation per producer partition), when the consumer allows it. */
  readonly combine?: Combine;
  /**
   * Into an event-time window: the `eventTime` node whose timestamps the producers apply.
   * Each part of batch t then carries the largest event time of every record its producer
   * partition sent on the edge at t; the consumer takes the largest over producers.
   */
  readonly eventTime?: string;
  /** Producer partitions (messages per consumer partition). */
  readonly fromPartitions: number;
  /** Consumer partitions. */
  readonly toPartitions: number;
  /** Avro schema of the records on the edge when declared upstream, else `inferred`. */
  readonly schema: AvroSchemaJson | 'inferred';
}

/**
 * Where a stage's inputs come from: a shuffle edge, a source it reads, or a forward edge
 * from a node of another stage (same partition index, so the same worker).
 * @category Planner
 */
export type StageInput =
  | { readonly kind: 'shuffle'; readonly edge: string }
  | { readonly kind: 'source'; readonly node: string }
  | { readonly kind: 'forward'; readonly from: string; readonly to: string; readonly stage: string };

/**
 * A stage: nodes connected by forward edges, run together, partition by partition.
 * @category Planner
 */
export interface Stage {
  /** `stage-<n>`, in topological order of stages. */
  readonly id: string;
  /** Node ids in topological order. */
  readonly nodes: readonly string[];
  /** Partitions of the stage: the most of any of its nodes. */
  readonly partitions: number;
  readonly inputs: readonly StageInput[];
  /** Shuffle edges leaving the stage. */
  readonly outputs: readonly string[];
  /** Sink nodes of the stage: their batches go to the coordinator, which writes them. */
  readonly sinks: readonly string[];
}

/**
 * The output of the planner: the plan cut into stages and shuffle edges, with partition
 * counts. Pure data (JSON), sent to every worker.
 * @category Planner
 */
export interface PhysicalPlan {
  readonly plan: Plan;
  readonly planHash: string;
  readonly keyGroups: number;
  /** Partitions of keyed stages (`partitions ?? workers`). */
  readonly partitions: number;
  /** Partitions of every node: 1 for sources that cannot split and gathers, `partitions` for keyed operators, n for repartition(n). */
  readonly nodePartitions: Readonly<Record<string, number>>;
  /** Stage of every node. */
  readonly nodeStage: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
  readonly edges: readonly ShuffleEdge[];
}

/** Options of the planner. @category Planner */
export interface PlannerOptions {
  /** Partitions of keyed stages (default 1). */
  readonly partitions?: number;
  /**
   * Source nodes that can be read in slices (their connector has `openSlice`): where their
   * stage would be spread, each partition reads its own slice of every batch instead.
   */
  readonly sliced?: ReadonlySet<string>;
}
