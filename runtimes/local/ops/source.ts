import { RuntimeError } from '../../../src/errors.js';
import type { SourceReader } from '../../../src/io/connector.js';
import type { Env, Executor, ExecutorFactory } from '../executor.js';

/** Options the engine gives sources. */
export interface SourcePacing {
  readonly maxBatchSize: number;
  /** Wait for a full batch (asap pacing over bounded input) or take what is there (real time). */
  readonly wait: boolean;
}

/** A source executor also tells when it is drained. */
export interface SourceExecutor extends Executor {
  done(): boolean;
}

/** source: polls its reader once per batch. */
export function sourceExecutor(pacing: SourcePacing): ExecutorFactory<'source'> {
  return (node, env: Env): SourceExecutor => {
    const source = env.bindings.sources.get(node.id);
    if (!source) throw new RuntimeError(`${node.id}: no source bound to this node`, { operator: node.id });
    let reader: SourceReader<unknown> | undefined;
    let drained = false;
    let resumeFrom: unknown;
    return {
      start() {
        reader = source.open({ operator: node.id, deadLetter: (origin, reason, raw) => env.deadLetter(origin, reason, raw) }, resumeFrom);
      },
      // The position after the last polled record (undefined when the reader cannot tell).
      snapshot: () => ({ local: { position: reader?.position?.(), drained } }),
      restore(s) {
        const l = s.local as { position?: unknown; drained?: boolean } | undefined;
        resumeFrom = l?.position;
        drained = l?.drained ?? false;
      },
      async process(_inputs, ctx) {
        if (drained || !reader) return [];
        // ctx is absent when the cluster worker polls ahead of the batch.
        const r = await reader.poll(pacing.maxBatchSize, pacing.wait, ctx?.time);
        if (r.done) drained = true;
        return r.records;
      },
      done: () => drained,
      close: () => reader?.close(),
    };
  };
}
