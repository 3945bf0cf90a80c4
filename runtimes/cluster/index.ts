/**
 * The cluster runtime: the same pipeline in N forked worker processes, stages cut at
 * shuffles, batches exchanged between processes, sinks written by the coordinator.
 *
 * @module
 */
import type { Bindings } from '../../src/dsl/graph.js';
import { RuntimeError } from '../../src/errors.js';
import { NODE_KINDS } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import type { RunOptions, RunResult, Runtime } from '../../src/runtime.js';
import { runCluster, type ClusterRunOptions } from './coordinator.js';
import { serveReexec } from './serve.js';

export { runCluster, type ClusterRunOptions } from './coordinator.js';
export { WorkerPool } from './pool.js';
export type { PipelineRef } from './protocol.js';
export { serveReexec } from './serve.js';

/**
 * Options of the cluster runtime, given to {@link cluster}: how many workers, where
 * checkpoints are kept, and how workers rebuild the pipeline.
 * @category Runtime
 */
export type ClusterOptions = Omit<ClusterRunOptions, keyof RunOptions>;

/** A cluster runtime object, with the options it was made with. @category Runtime */
export interface ClusterRuntime extends Runtime {
  readonly name: 'cluster';
  /** The options given to {@link cluster}. */
  readonly options: ClusterOptions;
}

/**
 * The cluster runtime: the pipeline in worker processes. In a worker process re-executed
 * from the entry script (the default without `worker`), running the pipeline makes the
 * process serve the coordinator instead (see docs/CLUSTER.md).
 *
 * @example
 * ```ts
 * import { cluster } from 'sluice';
 * await pipeline.run({ runtime: cluster({ workers: 2, checkpointDir: 'ckpt' }) });
 * ```
 * @category Runtime
 */
export function cluster(options: ClusterOptions = {}): ClusterRuntime {
  return {
    name: 'cluster',
    supports: new Set(NODE_KINDS),
    options,
    run: (plan, bindings, opts) => runOrServe(plan, bindings, { ...opts, ...options }),
  };
}

/**
 * The cluster runtime with no options of its own: every cluster option comes with the
 * run's (as the string form `{ runtime: 'cluster', workers: 2 }` gives them).
 *
 * @example
 * ```ts
 * await clusterRuntime.run(pipeline.plan(), pipeline.bindings(), { workers: 2 } as ClusterRunOptions);
 * ```
 * @category Runtime
 */
export const clusterRuntime: Runtime = cluster();

function runOrServe(plan: Plan, bindings: Bindings, opts: ClusterRunOptions): Promise<RunResult> {
  if (process.env.SLUICE_WORKER_MODE !== 'reexec') return runCluster(plan, bindings, opts);
  const wanted = process.env.SLUICE_PIPELINE;
  if (wanted !== plan.name) {
    throw new RuntimeError(
      `worker ${process.env.SLUICE_WORKER} was started for pipeline '${wanted}' but this process ran pipeline '${plan.name}' on the cluster`,
      {},
      'run one cluster pipeline per entry script, or give the workers a module reference',
    );
  }
  return serveReexec({ plan: () => plan, bindings: () => bindings });
}
