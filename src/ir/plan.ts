import { createHash } from 'node:crypto';
import { IR_VERSION, NODE_KINDS, type Input, type IRNode, type NodeKind } from './nodes.js';
import { validatePlan } from './validate.js';
import { PipelineError } from '../errors.js';

/**
 * A whole pipeline as data: the output of compiling the DSL and the input of every runtime.
 *
 * @example
 * ```ts
 * const plan = pipeline.plan();
 * console.log(plan.nodes.map((n) => n.id)); // ['source#0', 'flatMap#1', ...]
 * ```
 * @category IR
 */
export interface Plan {
  readonly version: typeof IR_VERSION;
  readonly name: string;
  readonly batchIntervalMs: number;
  /** Number of key groups keys hash into; fixed for the life of a job's state. */
  readonly keyGroups: number;
  /** Nodes in topological order (every input precedes its consumers). */
  readonly nodes: readonly IRNode[];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * A stable hash of a plan: equal plans hash equal in every process, whatever the key order
 * of their objects.
 *
 * @example
 * ```ts
 * import { planHash } from 'sluice';
 * planHash(pipeline.plan()); // 'b5c1…' (64 hex digits)
 * ```
 * @category IR
 */
export function planHash(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(canonical(plan))).digest('hex');
}

/**
 * The plan as canonical JSON text.
 *
 * @example
 * ```ts
 * import { planToJSON, planFromJSON } from 'sluice';
 * const same = planFromJSON(planToJSON(pipeline.plan()));
 * ```
 * @category IR
 */
export function planToJSON(plan: Plan): string {
  return JSON.stringify(canonical(plan), null, 2);
}

/**
 * Parses and checks plan JSON: the version, that every node is well formed and of a known
 * kind, that ids are unique and that inputs refer to earlier nodes; then validates the plan
 * as {@link validatePlan} does. Throws {@link PipelineError} naming what is wrong (and the
 * node, as `site.operator`).
 *
 * @example
 * ```ts
 * import { planFromJSON } from 'sluice';
 * const plan = planFromJSON(readFileSync('plan.json', 'utf8'));
 * ```
 * @category IR
 */
export function planFromJSON(text: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PipelineError(`plan JSON does not parse: ${(e as Error).message}`);
  }
  const p = raw as Partial<Plan>;
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new PipelineError('plan JSON is not an object');
  if (p.version !== IR_VERSION) {
    throw new PipelineError(`plan version ${JSON.stringify(p.version)} is not supported (this sluice reads version ${IR_VERSION})`, {}, 'build the plan again with this version of sluice');
  }
  if (typeof p.name !== 'string' || typeof p.batchIntervalMs !== 'number' || typeof p.keyGroups !== 'number' || !Array.isArray(p.nodes)) {
    throw new PipelineError('plan JSON lacks name, batchIntervalMs, keyGroups or nodes');
  }
  const nodes = p.nodes as unknown[];
  const ids = new Set(nodes.map((n) => (n && typeof n === 'object' ? (n as { id?: unknown }).id : undefined)));
  const seen = new Set<string>();
  nodes.forEach((x, index) => {
    const n = x as Partial<IRNode> | null;
    if (!n || typeof n !== 'object' || typeof n.id !== 'string' || !n.id) throw new PipelineError(`node ${index} of the plan has no id`);
    const site = { operator: n.id };
    if (!NODE_KINDS.includes(n.kind as NodeKind)) throw new PipelineError(`node ${n.id}: unknown kind ${JSON.stringify(n.kind)}`, site, `known kinds: ${NODE_KINDS.join(', ')}`);
    if (seen.has(n.id)) throw new PipelineError(`node id ${n.id} appears twice`, site);
    if (!Array.isArray(n.inputs)) throw new PipelineError(`node ${n.id}: inputs is not a list`, site);
    for (const i of n.inputs as Partial<Input>[]) {
      if (!i || typeof i.from !== 'string' || (i.edge !== 'forward' && i.edge !== 'shuffle')) {
        throw new PipelineError(`node ${n.id}: malformed input ${JSON.stringify(i)} (expected { from, edge: 'forward' | 'shuffle' })`, site);
      }
      if (!seen.has(i.from)) {
        throw new PipelineError(
          ids.has(i.from)
            ? `node ${n.id}: input ${i.from} comes after it (nodes must be in topological order)`
            : `node ${n.id}: input ${i.from} is not a node of the plan`,
          site,
        );
      }
    }
    seen.add(n.id);
  });
  validatePlan(p as Plan);
  return p as Plan;
}
