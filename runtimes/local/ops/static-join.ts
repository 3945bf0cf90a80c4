import * as O from 'fp-ts/lib/Option.js';
import { RuntimeError } from '../../../src/errors.js';
import type { ExecutorFactory } from '../executor.js';
import { keyId, type KeyId } from '../keys.js';

/**
 * staticJoin: each pair's key looked up in a static table, loaded before the first batch
 * and reloaded every `refreshMs` of batch time (the new contents apply from that batch on).
 */
export const staticJoin: ExecutorFactory<'staticJoin'> = (node, env) => {
  const table = env.bindings.tables.get(node.id);
  if (!table) throw new RuntimeError(`${node.id}: no table bound to this node`, { operator: node.id });
  let rows = new Map<KeyId, unknown>();
  let loadedAt = -Infinity;
  async function load(now: number): Promise<void> {
    let m: ReadonlyMap<unknown, unknown>;
    try {
      m = await table!.load();
    } catch (e) {
      throw new RuntimeError(`${node.id}: loading the static table failed: ${(e as Error).message}`, { operator: node.id, location: node.table.path });
    }
    const next = new Map<KeyId, unknown>();
    for (const [k, v] of m) next.set(keyId(k), v);
    rows = next;
    loadedAt = now;
  }
  function joinBatch(input: [unknown, unknown][]): unknown[] {
    const out: unknown[] = [];
    for (const [k, v] of input) {
      const id = keyId(k);
      if (rows.has(id)) out.push([k, [v, node.how === 'left' ? O.some(rows.get(id)) : rows.get(id)]]);
      else if (node.how === 'left') out.push([k, [v, O.none]]);
    }
    return out;
  }
  return {
    start: () => load(env.zeroTime),
    process([input], ctx) {
      const rs = (input ?? []) as [unknown, unknown][];
      if (node.table.refreshMs !== undefined && ctx.time - loadedAt >= node.table.refreshMs) {
        return load(ctx.time).then(() => joinBatch(rs));
      }
      return joinBatch(rs);
    },
  };
};
