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
 * Checks a plan before it runs: it must write somewhere, every stream must end in a sink,
 * and window and slide durations must fit the batch interval. Throws
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
  if (!plan.nodes.some((n) => n.kind === 'sink')) {
    throw new PipelineError(
      `pipeline ${plan.name} has no output: nothing would be computed`,
      {},
      'end a stream with .to(sink), .print() or .foreachBatch(fn)',
    );
  }
  const consumed = new Set(plan.nodes.flatMap((n) => n.inputs.map((i) => i.from)));
  for (const n of plan.nodes) {
    if (n.kind !== 'sink' && !consumed.has(n.id)) {
      throw new PipelineError(
        `${n.id}: this stream has no sink, so its results would be lost`,
        { operator: n.id },
        `end it with .to(sink), .print() or .foreachBatch(fn), or remove it`,
      );
    }
  }
  nodeSlides(plan);
}
