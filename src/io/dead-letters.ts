import { appendFileSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { claimExisting } from './claim.js';
import type { Plan } from '../ir/plan.js';
import type { DeadLetter, Sink } from './connector.js';

/**
 * Dead letters appended as JSON lines to `path`, one object per rejected record with
 * exactly the fields `origin`, `reason`, `raw` (the input as text; for input that is not
 * valid UTF-8, its bytes in base64, and the reason says so) and `batchTime`, e.g.
 * `{"origin":"data/r.jsonl:3","reason":"invalid JSON: …","raw":"{oops","batchTime":1000}`.
 * Each batch's dead letters are appended in one write.
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
    claim(ctx) {
      let size = 0;
      try { size = statSync(path).size; } catch { /* absent */ }
      if (size === 0 && ctx.checkpointDir === undefined) return;
      mkdirSync(dirname(path), { recursive: true });
      claimExisting(ctx, 'the dead-letter file', path, join(dirname(path), `.${basename(path)}.checkpoint`), size > 0, () => truncateSync(path, 0));
    },
    open() {
      mkdirSync(dirname(path), { recursive: true });
      return {
        write(records) {
          if (records.length) appendFileSync(path, records.map(line).join('\n') + '\n');
        },
        close() {},
      };
    },
  };
}

/** One dead letter as a JSON line, with its four fields in a fixed order and `raw` always text. */
function line(r: DeadLetter): string {
  const raw = typeof r.raw === 'string' ? r.raw : JSON.stringify(r.raw) ?? String(r.raw);
  return JSON.stringify({ origin: r.origin, reason: r.reason, raw, batchTime: r.batchTime });
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
