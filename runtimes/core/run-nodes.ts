/**
 * One batch over a task's nodes, shared by every runtime.
 *
 * @module
 */
import type { IRNode } from '../../src/ir/nodes.js';
import type { BatchContext, Executor } from '../local/executor.js';

function isPromise<T>(x: unknown): x is Promise<T> {
  return !!x && typeof (x as Promise<T>).then === 'function';
}

/**
 * Runs `nodes` (in topological order, `execs[i]` the executor of `nodes[i]`) for one batch:
 * each node is fed its inputs' batches of the same time, read from `outputs`, where the
 * caller puts the batches of inputs from outside the set and where each node's batch is
 * put. A node none of whose inputs produced a batch produces none. In the final pass
 * (`ctx.final`) nodes with `finish` flush what they hold and sources are not polled.
 * Counts records in `ctx.metrics`; returns whether any node produced a batch.
 */
export async function runNodes(nodes: readonly IRNode[], execs: readonly Executor[], outputs: Map<string, unknown[] | undefined>, ctx: BatchContext): Promise<boolean> {
  let any = false;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const ex = execs[i];
    let out: unknown[] | undefined;
    const t0 = ctx.times ? performance.now() : 0;
    if (ctx.final && ex.finish) out = ex.finish(ctx);
    else if (n.kind === 'source') {
      if (!ctx.final) out = (await ex.process([], ctx)) as unknown[];
    } else {
      const inputs = n.inputs.map((x) => outputs.get(x.from));
      if (inputs.some((x) => x !== undefined)) {
        const r = ex.process(inputs, ctx);
        out = isPromise<unknown[] | undefined>(r) ? await r : r;
      }
    }
    if (ctx.times) ctx.times[n.id] = (ctx.times[n.id] ?? 0) + performance.now() - t0;
    outputs.set(n.id, out);
    if (out) {
      any = true;
      ctx.metrics.records[n.id] = (ctx.metrics.records[n.id] ?? 0) + out.length;
    }
  }
  return any;
}
