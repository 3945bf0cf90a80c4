import { RuntimeError, SluiceError } from '../../../src/errors.js';
import type { SinkWriter } from '../../../src/io/connector.js';
import type { ExecutorFactory } from '../executor.js';

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
      try {
        await writer!.write(input ?? [], ctx.time);
      } catch (e) {
        if (e instanceof SluiceError) throw e;
        throw new RuntimeError(`${node.id} (${node.sink.type}) failed writing batch ${ctx.time}: ${(e as Error).message}`, { operator: node.id, batchTime: ctx.time });
      }
      return [];
    },
    close: () => writer?.close(),
  };
};
