import { RuntimeError, SluiceError } from '../../../src/errors.js';
import type { SinkWriter } from '../../../src/io/connector.js';
import type { IRNode } from '../../../src/ir/nodes.js';
import type { ExecutorFactory } from '../executor.js';

/** Writes one batch to a sink's writer; a failing write fails the batch, naming the sink (shared with the cluster's coordinator). */
export async function writeBatch(node: IRNode, writer: SinkWriter<unknown>, records: readonly unknown[], time: number): Promise<void> {
  try {
    await writer.write(records, time);
  } catch (e) {
    if (e instanceof SluiceError) throw e;
    const type = node.kind === 'sink' ? node.sink.type : node.kind;
    throw new RuntimeError(`${node.id} (${type}) failed writing batch ${time}: ${(e as Error).message}`, { operator: node.id, batchTime: time });
  }
}

/** sink: writes each batch it receives; a failing write fails the batch, naming the sink. */
export const sink: ExecutorFactory<'sink'> = (node, env) => {
  const target = env.bindings.sinks.get(node.id);
  if (!target) throw new RuntimeError(`${node.id}: no sink bound to this node`, { operator: node.id });
  let writer: SinkWriter<unknown> | undefined;
  return {
    start() {
      writer = target.open({ operator: node.id, pipeline: env.plan.name });
    },
    async process([input], ctx) {
      await writeBatch(node, writer!, input ?? [], ctx.time);
      return [];
    },
    close: () => writer?.close(),
  };
};
