import { formatMillis } from '../../time/duration.js';
import type { Sink } from '../connector.js';

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x) => (x instanceof Map ? Object.fromEntries(x) : typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
}

/**
 * Prints the first `n` records of every batch under a Spark-style header
 * (`Time: 2000 ms (2s)`), to stdout unless another writer is given.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * counts.to(Sinks.console(20));
 * ```
 * @category Connectors
 */
export function console<T>(n = 10, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Sink<T> {
  return {
    spec: { type: 'console', n },
    open: () => ({
      write(records, batchTime) {
        write('-------------------------------------------');
        write(`Time: ${batchTime} ms (${batchTime >= 1e11 ? new Date(batchTime).toISOString() : formatMillis(batchTime)})`);
        write('-------------------------------------------');
        for (const r of records.slice(0, n)) write(show(r));
        if (records.length > n) write('...');
        write('');
      },
      close() {},
    }),
  };
}
