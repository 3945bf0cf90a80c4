import { deadLetterFile } from './sinks/dead-letter-file.js';
import type { Plan } from '../ir/plan.js';
import type { DeadLetter, Sink } from './connector.js';

export { deadLetterFile };

/**
 * Dead letters printed to stderr, one line each.
 * @example
 * ```ts
 * Pipeline.create('p', { batchInterval: seconds(1), deadLetters: Sinks.deadLetterStderr() });
 * ```
 * @category Connectors
 */
export function deadLetterStderr(): Sink<DeadLetter> {
  return {
    spec: { type: 'deadLetterStderr' },
    open: () => ({
      write(records) {
        for (const r of records) process.stderr.write(`dead letter from ${r.origin} at batch ${r.batchTime}: ${r.reason}: ${r.raw}\n`);
      },
      close() {},
    }),
  };
}

/**
 * Where dead letters go when the pipeline names no sink for them: a `.dlq` file beside the
 * first sink that writes files, else stderr. The file sinks write a directory of parts, so
 * the dead letters of `Sinks.jsonLines('out/counts')` go to the file `out/counts.dlq` next
 * to the directory `out/counts/` (a trailing slash on the sink path makes no difference).
 * @example
 * ```ts
 * const dlq = bindings.deadLetters ?? defaultDeadLetters(plan); // deadLetterFile('out/counts.dlq')
 * ```
 * @internal
 */
export function defaultDeadLetters(plan: Plan): Sink<DeadLetter> {
  for (const n of plan.nodes) {
    if (n.kind === 'sink' && typeof n.sink.path === 'string') {
      const target = n.sink.path.replace(/[\\/]+$/, '');
      if (target !== '') return deadLetterFile(`${target}.dlq`);
    }
  }
  return deadLetterStderr();
}
