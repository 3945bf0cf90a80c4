import { PipelineError } from '../errors.js';
import { formatMillis as f } from '../time/duration.js';
import type { IRNode } from './nodes.js';
import type { Plan } from './plan.js';

/**
 * The slide of every node: how often it produces a batch. Sources slide by the batch
 * interval; windows by their slide; other nodes inherit their inputs' slide.
 *
 * @example
 * ```ts
 * import { nodeSlides } from 'sluice';
 * nodeSlides(pipeline.plan()).get('window#2'); // 2000
 * ```
 * @category IR
 */
export function nodeSlides(plan: Plan): Map<string, number> {
  const slides = new Map<string, number>();
  for (const n of plan.nodes) slides.set(n.id, slideOf(plan, n, slides));
  return slides;
}

function slideOf(plan: Plan, n: IRNode, slides: Map<string, number>): number {
  if (n.kind === 'source') return plan.batchIntervalMs;
  const parent = slides.get(n.inputs[0].from)!;
  if (n.kind === 'window' || n.kind === 'reduceByKeyAndWindow' || n.kind === 'groupByKeyAndWindow') {
    for (const [what, ms] of [['window duration', n.windowMs], ['slide duration', n.slideMs]] as const) {
      if (ms <= 0 || ms % parent !== 0) {
        throw new PipelineError(
          `${n.id}: the ${what} ${f(ms)} is not a multiple of the parent stream's slide ${f(parent)}`,
          { operator: n.id },
          `use a ${what} that is a positive multiple of ${f(parent)} (e.g. ${f(Math.max(1, Math.round(ms / parent)) * parent)})`,
        );
      }
    }
    return n.slideMs;
  }
  for (const i of n.inputs.slice(1)) {
    const other = slides.get(i.from)!;
    if (other !== parent) {
      throw new PipelineError(
        `${n.id}: its inputs slide at different intervals (${n.inputs[0].from} every ${f(parent)}, ${i.from} every ${f(other)})`,
        { operator: n.id },
        'window the inputs to the same slide duration before combining them',
      );
    }
  }
  return parent;
}

/**
 * Checks a plan before it runs: every node has the inputs and settings its kind needs, the
 * plan writes somewhere, every stream ends in a sink, and window and slide durations fit
 * the batch interval. Throws
 * {@link PipelineError} naming the operator and the fix.
 *
 * @example
 * ```ts
 * import { validatePlan } from 'sluice';
 * validatePlan(pipeline.plan()); // throws PipelineError: map#1: this stream has no sink …
 * ```
 * @category IR
 */
export function validatePlan(plan: Plan): void {
  if (!Number.isFinite(plan.batchIntervalMs) || plan.batchIntervalMs <= 0) {
    throw new PipelineError(`pipeline ${plan.name}: batch interval ${plan.batchIntervalMs} ms must be positive`, {}, 'pass { batchInterval: seconds(1) } to Pipeline.create');
  }
  for (const n of plan.nodes) checkNode(plan, n);
  checkStateNames(plan);
  const consumed = new Set(plan.nodes.flatMap((n) => n.inputs.map((i) => i.from)));
  const dangling = plan.nodes.filter((n) => n.kind !== 'sink' && !consumed.has(n.id));
  if (!plan.nodes.some((n) => n.kind === 'sink')) {
    const ends = dangling.map((n) => n.id);
    throw new PipelineError(
      `pipeline ${plan.name} has no output: nothing would be computed${ends.length ? ` (${ends.join(', ')} ${ends.length > 1 ? 'end' : 'ends'} without a sink)` : ''}`,
      ends.length ? { operator: ends[0] } : {},
      'end a stream with .to(sink), .print() or .foreachBatch(fn)',
    );
  }
  const n = dangling[0];
  if (n) {
    throw new PipelineError(
      `${n.id}: this stream has no sink, so its results would be lost`,
      { operator: n.id },
      `end it with .to(sink), .print() or .foreachBatch(fn), or remove it`,
    );
  }
  nodeSlides(plan);
}

/** Two stateful operators never share a state name: a checkpoint keys state by it. */
function checkStateNames(plan: Plan): void {
  const owners = new Map<string, string>();
  for (const n of plan.nodes) {
    if (!('state' in n)) continue;
    const other = owners.get(n.state.name);
    if (other !== undefined) {
      invalid(n, `its state name '${n.state.name}' is also the state name of ${other}; a checkpoint would restore one operator's state into the other`, 'give each stateful operator its own { name }');
    }
    owners.set(n.state.name, n.id);
  }
}

/** How many inputs each kind takes: [min, max]. */
function arity(kind: IRNode['kind']): readonly [number, number] {
  switch (kind) {
    case 'source': return [0, 0];
    case 'union': return [2, Infinity];
    case 'join': case 'cogroup': case 'transformWith': return [2, 2];
    default: return [1, 1];
  }
}

/** The kind a node's (first) input must have, for kinds that only make sense after one. */
const PARENT: Partial<Record<IRNode['kind'], IRNode['kind']>> = {
  keyBy: 'eventTime',
  eventWindow: 'keyBy',
  lateRecords: 'eventWindow',
  stateSnapshots: 'mapWithState',
};

function invalid(n: IRNode, what: string, hint?: string): never {
  throw new PipelineError(`${n.id}: ${what}`, { operator: n.id }, hint);
}

const isDuration = (d: unknown, allowZero: boolean): d is number =>
  typeof d === 'number' && Number.isFinite(d) && (allowZero ? d >= 0 : d > 0);

/**
 * The checks the DSL makes when a stream is built, made again on the plan, so that a plan
 * read from JSON (or built by another front end) fails here and not in a runtime.
 */
function checkNode(plan: Plan, n: IRNode): void {
  const [min, max] = arity(n.kind);
  if (n.inputs.length < min || n.inputs.length > max) {
    invalid(n, `takes ${min === max ? min : `${min} or more`} input${max === 1 ? '' : 's'}, has ${n.inputs.length}`);
  }
  const parent = PARENT[n.kind];
  if (parent) {
    const from = plan.nodes.find((x) => x.id === n.inputs[0].from);
    if (from?.kind !== parent) invalid(n, `must read a ${parent} node, reads ${n.inputs[0].from}`);
  }
  switch (n.kind) {
    case 'repartition':
      if (!Number.isInteger(n.partitions) || n.partitions < 1) invalid(n, `partitions must be a positive integer, got ${n.partitions}`);
      break;
    case 'eventTime':
      if (!isDuration(n.watermarkDelayMs, true)) invalid(n, `the watermark delay must be a duration ≥ 0, got ${n.watermarkDelayMs}`);
      break;
    case 'eventWindow': {
      const w = n.window;
      const sizes = w.type === 'session' ? [w.gapMs] : w.type === 'sliding' ? [w.sizeMs, w.slideMs] : [w.sizeMs];
      if (!sizes.every((d) => isDuration(d, false))) invalid(n, `the ${w.type} window needs positive durations, got ${sizes.join(', ')}`);
      if (w.type === 'sliding' && w.slideMs > w.sizeMs) {
        invalid(n, `the slide ${f(w.slideMs)} is longer than the window ${f(w.sizeMs)}, so records would be lost`, 'use a slide ≤ the window size');
      }
      if (!isDuration(n.allowedLatenessMs, true)) invalid(n, `the allowed lateness must be a duration ≥ 0, got ${n.allowedLatenessMs}`);
      break;
    }
    default:
      break;
  }
  if ((n.kind === 'eventWindow' || n.kind === 'reduceByKeyAndWindow') && n.state.ttlMs !== undefined) {
    invalid(
      n,
      `ttl ${f(n.state.ttlMs)} cannot apply to window state: a window's state is dropped when the window closes${n.kind === 'eventWindow' ? ' (after its allowed lateness)' : ''}`,
      n.kind === 'eventWindow' ? 'remove ttl; bound how long windows stay open with allowedLateness()' : 'remove ttl; the window duration already bounds the state',
    );
  }
}
