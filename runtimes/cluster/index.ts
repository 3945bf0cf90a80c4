/**
 * The cluster runtime: the same pipeline in N forked worker processes, stages cut at
 * shuffles, batches exchanged between processes, sinks written by the coordinator.
 *
 * @module
 */
import { NODE_KINDS } from '../../src/ir/nodes.js';
import type { Runtime } from '../../src/runtime.js';
import { runCluster } from './coordinator.js';

export { runCluster, type ClusterRunOptions } from './coordinator.js';
export { WorkerPool } from './pool.js';
export type { PipelineRef } from './protocol.js';
export { serveReexec } from './serve.js';

/**
 * The cluster runtime.
 *
 * @example
 * ```ts
 * await pipeline.run({ runtime: 'cluster', workers: 2 });
 * ```
 * @category Runtime
 */
export const clusterRuntime: Runtime = {
  name: 'cluster',
  supports: new Set(NODE_KINDS),
  run: (plan, bindings, opts) => runCluster(plan, bindings, opts),
};
