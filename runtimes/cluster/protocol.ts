/**
 * Messages between the coordinator and its workers (Node IPC, `serialization: 'advanced'`,
 * so batches travel as bytes). Every message of a job carries the job number; a worker
 * serves one job at a time and drops messages of other jobs.
 *
 * @module
 */
import type { DeadLetter } from '../../src/io/connector.js';
import type { PhysicalPlan } from '../../src/planner/types.js';
import type { StateSegment } from '../core/checkpoint.js';
import type { BatchStats } from './batch-stats.js';

export type { StateSegment };

/**
 * How a worker process rebuilds the pipeline: import `module` and call its export `export`
 * with `args`; it returns the Pipeline (or a promise of one).
 * @category Runtime
 */
export interface PipelineRef {
  /** Absolute path (or file URL) of the module. */
  readonly module: string;
  /** Name of the exported function. */
  readonly export: string;
  /** JSON-serialisable arguments. */
  readonly args?: readonly unknown[];
}

/** An error as data, rebuilt on the other side with its class, site and hint. */
export interface WireError {
  readonly name: string;
  readonly code?: string;
  /** The message without the `(fix: …)` suffix. */
  readonly message: string;
  readonly site?: { operator?: string; batchTime?: number; location?: string };
  readonly hint?: string;
  readonly record?: unknown;
  readonly cause?: string;
  readonly stack?: string;
}

/** One partition's batch to a sink: `defined` false when the producer produced nothing at this time. */
export interface BatchPart {
  readonly job: number;
  readonly t: number;
  readonly defined: boolean;
  readonly data?: Uint8Array;
}

/** Coordinator → worker. */
export type ToWorker =
  | { readonly type: 'job'; readonly job: number; readonly pipeline: string; readonly ref?: PipelineRef }
  | {
      readonly type: 'start';
      readonly job: number;
      readonly physical: PhysicalPlan;
      readonly workers: number;
      readonly zeroTime: number;
      readonly maxBatchSize: number;
      readonly wait: boolean;
      /** Partitions of sources as partition-aware operators (mapPartitions) see them, as the local runtime's `partitions`. */
      readonly sourcePartitions: number;
      /** State to start from: the last commit's state segments, which each worker reads for its own key groups. */
      readonly restore?: { readonly t: number; readonly segments: readonly StateSegment[] };
      /** The checkpoint directory (absolute): with `checkpoint` batches, each worker writes its partitions' state files there itself. */
      readonly checkpointDir?: string;
      /** Directory of the workers' exchange sockets (`exchange.ts`): shuffle parts go worker to worker. */
      readonly exchangeDir?: string;
      /** The run is observed (progress, metrics, UI): send time, state keys and watermarks with each `done`, and the dead letters also when the workers write them. */
      readonly observed?: boolean;
    }
  | {
      readonly type: 'batch';
      readonly job: number;
      readonly t: number;
      readonly final: boolean;
      /** Write the partitions' state snapshots to `state/<t>/` of the checkpoint directory and list them in `done`. */
      readonly checkpoint?: boolean;
      /** The workers' weights (one integer a worker) for cutting the batch after this one into balanced slices (`balance.ts`); absent: equal slices. */
      readonly weights?: readonly number[];
    }
  | { readonly type: 'end'; readonly job: number }
  /** The commit record of t is written (or t ends the run): worker 0 commits the sinks the workers write, up to t; every worker answers `committed`. */
  | { readonly type: 'commit'; readonly job: number; readonly t: number }
  | { readonly type: 'exit' };

/** Worker → coordinator. */
export type FromWorker =
  | { readonly type: 'hello'; readonly job: number; readonly worker: number; readonly pid: number; readonly pipeline: string; readonly planHash: string }
  | {
      readonly type: 'ready';
      readonly job: number;
      /** Whether every executor here that keeps state across batches can snapshot it (and every source tell its position). */
      readonly snapshots: boolean;
      /** What cannot, for the log. */
      readonly cannot?: string;
    }
  | (BatchPart & { readonly type: 'sink'; readonly node: string; readonly partition: number })
  | { readonly type: 'stage'; readonly job: number; readonly t: number; readonly stage: string; readonly partition: number }
  /**
   * Sent once a batch, as soon as a source this worker reads has polled batch t and is not
   * drained: the input goes on, so batch t + 1 is sure to run and the coordinator may start it
   * before t is done (asap pacing).
   */
  | { readonly type: 'more'; readonly job: number; readonly t: number }
  | {
      readonly type: 'done';
      readonly job: number;
      readonly t: number;
      /** Records each node emitted in this batch on this worker. */
      readonly records: Record<string, number>;
      readonly dead: DeadLetter[];
      readonly lateRecords: number;
      /** Whether any node produced a batch (the final pass counts as a batch only then). */
      readonly any: boolean;
      /** Whether every source this worker reads is drained. */
      readonly drained: boolean;
      /** Whether a window of this worker holds data a later batch would emit (a drained run goes on until none does). */
      readonly holds?: boolean;
      /** With `checkpoint`: the state files this worker wrote (fsynced and renamed) for its partitions after the batch. */
      readonly segments?: StateSegment[];
      /** With `checkpoint`: each source's position after the batch, from the partition that reads it (for `offsets/<t>.json`). */
      readonly positions?: Record<string, unknown>;
      /** Dead letters of the batch on this worker, also those it prepared itself (then `dead` holds them only when the run is observed). */
      readonly deadLetters?: number;
      /** Time per node, state keys and watermarks (observed runs) and Kafka sources' ranges and lag (`batch-stats.ts`). */
      readonly stats?: BatchStats;
      /** Milliseconds this worker's event loop was busy since its previous `done` (with balanced sources, `balance.ts`). */
      readonly busyMs?: number;
    }
  | { readonly type: 'failed'; readonly job: number; readonly t?: number; readonly stage?: string; readonly partition?: number; readonly error: WireError }
  | { readonly type: 'ended'; readonly job: number }
  | { readonly type: 'committed'; readonly job: number; readonly t: number }
  /** The worker got SIGINT or SIGTERM: the job stops after its current batch, as when the coordinator gets one. */
  | { readonly type: 'stop'; readonly job: number; readonly signal: string };
