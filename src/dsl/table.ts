import { readFile } from 'node:fs/promises';
import type { TableSpec } from '../ir/nodes.js';
import type { Schema } from '../schema/schema.js';

/**
 * A static (slowly changing) table for stream-static joins: loaded once, or reloaded on an
 * interval. Keys are compared with `Map` semantics (strings and numbers by value).
 *
 * @example
 * ```ts
 * import { StaticTable } from 'sluice';
 * const customers = StaticTable.fromMap(new Map([['c1', { tier: 'gold' }]]));
 * payments.joinStatic(customers); // Stream<readonly [string, readonly [Payment, { tier: string }]]>
 * ```
 * @category Tables
 */
export class StaticTable<K, V> {
  private constructor(
    /** Serialisable description, stored in the plan. */
    readonly spec: TableSpec,
    /** Loads the table's current contents. */
    readonly load: () => Promise<ReadonlyMap<K, V>>,
  ) {}

  /**
   * A table over an existing Map (not copied: later changes to the Map are seen).
   * @example
   * ```ts
   * StaticTable.fromMap(new Map([['c1', 'gold']]));
   * ```
   */
  static fromMap<K, V>(map: ReadonlyMap<K, V>): StaticTable<K, V> {
    return new StaticTable({ type: 'map' }, async () => map);
  }

  /**
   * A table from rows and a key function; a later row with the same key wins.
   * @example
   * ```ts
   * StaticTable.fromArray([{ id: 'c1', tier: 'gold' }], (c) => c.id);
   * ```
   */
  static fromArray<K, V>(rows: readonly V[], key: (row: V) => K): StaticTable<K, V> {
    const m = new Map<K, V>();
    for (const r of rows) m.set(key(r), r);
    return new StaticTable({ type: 'array' }, async () => m);
  }

  /**
   * A table read by `read` from a file; re-read every `refresh` when given (the join sees
   * the new contents from the next batch on).
   * @example
   * ```ts
   * StaticTable.fromFile('data/customers.jsonl', readCustomers, { refresh: minutes(5) });
   * ```
   */
  static fromFile<K, V>(
    path: string,
    read: (path: string) => Promise<ReadonlyMap<K, V>>,
    opts: { refresh?: number; format?: string } = {},
  ): StaticTable<K, V> {
    return new StaticTable({ type: 'file', path, format: opts.format ?? 'custom', refreshMs: opts.refresh }, () => read(path));
  }

  /**
   * A table read from a JSON-lines file, one row per line, keyed by `key`; each row is
   * checked against `schema` when given. A malformed row fails the load with an error naming
   * the file and line (a reference table is all or nothing). Re-read every `refresh`.
   * @example
   * ```ts
   * StaticTable.fromJsonLines('data/customers.jsonl', (c) => c.id, { schema: Customer, refresh: minutes(5) });
   * ```
   */
  static fromJsonLines<K, V>(path: string, key: (row: V) => K, opts: { schema?: Schema<V>; refresh?: number } = {}): StaticTable<K, V> {
    const read = async (file: string): Promise<ReadonlyMap<K, V>> => {
      const m = new Map<K, V>();
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (!line.trim()) return;
        let row: V;
        try {
          const value: unknown = JSON.parse(line);
          row = opts.schema ? opts.schema.fromJSON(value) : (value as V);
        } catch (e) {
          throw new Error(`${file}:${i + 1}: ${(e as Error).message}`);
        }
        m.set(key(row), row);
      });
      return m;
    };
    return StaticTable.fromFile(path, read, { refresh: opts.refresh, format: 'jsonl' });
  }
}
