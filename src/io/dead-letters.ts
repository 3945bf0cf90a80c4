import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Plan } from '../ir/plan.js';
import type { DeadLetter, Sink } from './connector.js';

/**
 * Dead letters appended as JSON lines to `path` (one object per rejected record, with its
 * origin, reason, raw input and batch time).
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * Pipeline.create('p', { batchInterval: seconds(1), deadLetters: Sinks.deadLetterFile('out/p.dlq') });
 * ```
 * @category Connectors
 */
export function deadLetterFile(path: string): Sink<DeadLetter> {
  return {
    spec: { type: 'deadLetterFile', path },
    open() {
      mkdirSync(dirname(path), { recursive: true });
      return {
        write(records) {
          if (records.length) appendFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
        },
        close() {},
      };
    },
  };
}

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
 * first sink that writes a file (`out/counts.jsonl` → `out/counts.jsonl.dlq`), else stderr.
 * @internal
 */
export function defaultDeadLetters(plan: Plan): Sink<DeadLetter> {
  for (const n of plan.nodes) {
    if (n.kind === 'sink' && typeof n.sink.path === 'string') return deadLetterFile(`${n.sink.path}.dlq`);
  }
  return deadLetterStderr();
}
