/**
 * Recovery of the sinks that prepare and commit (`src/engine/commit-sink.ts`), shared by
 * every runtime: before anything is written again after a crash, each such sink commits
 * what the last commit record covers and drops everything else a killed process left
 * behind (pending parts, temp files, unlisted parts, dead letters appended past the commit
 * log).
 *
 * @module
 */
import type { Bindings } from '../../src/dsl/graph.js';
import { committableOf, type CommittableSink } from '../../src/engine/commit-sink.js';
import { RuntimeError } from '../../src/errors.js';
import { defaultDeadLetters } from '../../src/io/dead-letters.js';
import type { Plan } from '../../src/ir/plan.js';

/**
 * The sinks of `plan` that prepare and commit, by sink node id; `deadLetters` when the dead-letter sink is one.
 *
 * @example
 * ```ts
 * const sinks = committableSinks(plan, bindings); // Map { 'sink#4' => …, 'deadLetters' => … }
 * ```
 */
export function committableSinks(plan: Plan, bindings: Bindings): Map<string, CommittableSink<unknown>> {
  const out = new Map<string, CommittableSink<unknown>>();
  for (const n of plan.nodes) {
    const c = n.kind === 'sink' ? committableOf<unknown>(bindings.sinks.get(n.id)) : undefined;
    if (c) out.set(n.id, c);
  }
  const dead = committableOf<unknown>(bindings.deadLetters ?? defaultDeadLetters(plan));
  if (dead) out.set('deadLetters', dead);
  return out;
}

/**
 * Before any batch is written again: each sink commits again what the last commit record
 * (batch `committed`) covers and drops every other prepared batch. Fails naming the sink.
 *
 * @example
 * ```ts
 * await recoverSinks(committableSinks(plan, bindings), checkpoints.lastCommit?.t);
 * ```
 */
export async function recoverSinks(sinks: Map<string, CommittableSink<unknown>>, committed: number | undefined): Promise<void> {
  for (const [id, c] of sinks) {
    try {
      await c.recover(committed);
    } catch (e) {
      throw new RuntimeError(`${id}: recovering its prepared batches failed: ${(e as Error).message}`, { operator: id });
    }
  }
}
