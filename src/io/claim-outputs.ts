import type { Bindings } from '../dsl/graph.js';
import type { Plan } from '../ir/plan.js';
import type { ClaimContext } from './connector.js';
import { defaultDeadLetters } from './dead-letters.js';

/**
 * Before a run starts: every sink (and the dead-letter output) may refuse output an earlier
 * run left where it writes. Called by each runtime in the process that runs the job.
 * @internal
 */
export function claimOutputs(plan: Plan, bindings: Bindings, opts: { overwrite?: boolean; checkpointDir?: string }): void {
  const ctx = (operator: string): ClaimContext => ({ operator, pipeline: plan.name, overwrite: !!opts.overwrite, ...(opts.checkpointDir !== undefined ? { checkpointDir: opts.checkpointDir } : {}) });
  for (const n of plan.nodes) if (n.kind === 'sink') bindings.sinks.get(n.id)?.claim?.(ctx(n.id));
  (bindings.deadLetters ?? defaultDeadLetters(plan)).claim?.(ctx('deadLetters'));
}
