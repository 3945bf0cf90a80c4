import { PipelineError, RuntimeError } from '../errors.js';
import { explain } from '../ir/explain.js';
import { explainPhysical } from '../planner/explain-physical.js';
import { toDot } from '../ir/dot.js';
import { IR_VERSION } from '../ir/nodes.js';
import { planHash, planToJSON, type Plan } from '../ir/plan.js';
import { validatePlan } from '../ir/validate.js';
import type { DeadLetter, Sink, Source } from '../io/connector.js';
import { resolveRuntime, type ClusterShorthand, type RunOptions, type RunResult } from '../runtime.js';
import type { Duration } from '../time/duration.js';
import { Graph, type Bindings } from './graph.js';
import { Stream } from './stream.js';

/**
 * Options of {@link Pipeline.create}.
 * @example
 * ```ts
 * Pipeline.create('sensors', { batchInterval: seconds(1), keyGroups: 128 });
 * ```
 * @category DSL
 */
export interface PipelineOptions {
  /** The micro-batch interval. */
  batchInterval: Duration;
  /** Key groups that keys hash into (default 128); fixed for the life of the job's state. */
  keyGroups?: number;
  /** Where malformed records and failed records (with `onError: 'deadLetter'`) go; see the README for the default. */
  deadLetters?: Sink<DeadLetter>;
}

/**
 * A pipeline: sources, the operators applied to them and the sinks they end in. Build it
 * with the fluent API, then `run()` it, `explain()` it or hand `plan()` to a runtime.
 *
 * @example
 * ```ts
 * import { Pipeline, Sources, pair, seconds } from 'sluice';
 * const p = Pipeline.create('word-count', { batchInterval: seconds(1) });
 * p.source(Sources.textFile('data/lines.txt'))
 *   .flatMap((l) => l.split(/\s+/).filter(Boolean))
 *   .map((w) => pair(w, 1))
 *   .reduceByKey((a, b) => a + b)
 *   .print();
 * await p.run();
 * ```
 * @category DSL
 */
export class Pipeline {
  /** @internal */
  readonly graph: Graph;
  private readonly deadLetters?: Sink<DeadLetter>;

  private constructor(name: string, opts: PipelineOptions) {
    if (!name || typeof name !== 'string') throw new PipelineError('Pipeline.create: a pipeline needs a name');
    if (!opts || typeof opts.batchInterval !== 'number' || !(opts.batchInterval > 0)) {
      throw new PipelineError(`pipeline ${name}: batchInterval must be a positive duration`, {}, 'pass { batchInterval: seconds(1) }');
    }
    const keyGroups = opts.keyGroups ?? 128;
    if (!Number.isInteger(keyGroups) || keyGroups < 1) throw new PipelineError(`pipeline ${name}: keyGroups must be a positive integer`);
    this.graph = new Graph(name, opts.batchInterval, keyGroups);
    this.deadLetters = opts.deadLetters;
  }

  /**
   * Creates an empty pipeline.
   * @example
   * ```ts
   * const p = Pipeline.create('fraud', { batchInterval: seconds(2) });
   * ```
   */
  static create(name: string, opts: PipelineOptions): Pipeline {
    return new Pipeline(name, opts);
  }

  /** The pipeline's name. @example `p.name // 'word-count'` */
  get name(): string {
    return this.graph.name;
  }

  /**
   * Adds a source; returns its stream.
   * @example
   * ```ts
   * const lines = p.source(Sources.textFile('data/lines.txt'));
   * ```
   */
  source<T>(source: Source<T>): Stream<T> {
    if (!source || typeof source.open !== 'function' || !source.spec) throw new PipelineError('source: expected a Source (see Sources.*)', { operator: 'source' });
    const id = this.graph.add({ kind: 'source', inputs: [], source: source.spec, schema: source.schema?.avro });
    this.graph.sources.set(id, source as Source<unknown>);
    return new Stream<T>(this.graph, id);
  }

  /**
   * The validated plan. Throws {@link PipelineError} if the pipeline cannot run.
   * @example
   * ```ts
   * const plan = p.plan();
   * ```
   */
  plan(): Plan {
    const plan: Plan = { version: IR_VERSION, name: this.graph.name, batchIntervalMs: this.graph.batchIntervalMs, keyGroups: this.graph.keyGroups, nodes: [...this.graph.nodes] };
    validatePlan(plan);
    return plan;
  }

  /**
   * The user functions and connectors by node id, for runtimes.
   * @example
   * ```ts
   * localRuntime.run(p.plan(), p.bindings(), {});
   * ```
   */
  bindings(): Bindings {
    const g = this.graph;
    return { fns: g.fns, sources: g.sources, sinks: g.sinks, tables: g.tables, deadLetters: this.deadLetters };
  }

  /**
   * The plan as readable text: the logical plan, or with `{ physical: true }` the stages,
   * partitions, shuffle edges and edge schemas the cluster runtime would run.
   * @example
   * ```ts
   * console.log(p.explain());
   * console.log(p.explain({ physical: true, partitions: 4 }));
   * ```
   */
  explain(opts: { physical?: boolean; partitions?: number } = {}): string {
    return opts.physical ? explainPhysical(this.plan(), { partitions: opts.partitions }) : explain(this.plan());
  }

  /** The plan as a Graphviz digraph. @example `writeFileSync('p.dot', p.toDot())` */
  toDot(): string {
    return toDot(this.plan());
  }

  /** A stable hash of the plan. @example `p.hash() // '3f2a…'` */
  hash(): string {
    return planHash(this.plan());
  }

  /** The plan as JSON text. @example `writeFileSync('plan.json', p.toJSON())` */
  toJSON(): string {
    return planToJSON(this.plan());
  }

  /**
   * Runs the pipeline. Resolves when every bounded source is drained (or `numBatches`
   * were run, or `signal` aborted); rejects with a typed error naming the operator.
   * @example
   * ```ts
   * import { cluster } from 'sluice';
   * const { metrics } = await p.run(); // the local runtime
   * await p.run({ runtime: cluster({ workers: 2, checkpointDir: 'ckpt' }) });
   * ```
   */
  async run(opts: RunOptions | ClusterShorthand = {}): Promise<RunResult> {
    const plan = this.plan();
    const { runtime, options } = await resolveRuntime(opts);
    const missing = plan.nodes.filter((n) => !runtime.supports.has(n.kind));
    if (missing.length) {
      throw new RuntimeError(`runtime '${runtime.name}' does not support ${missing.map((n) => n.id).join(', ')}`, { operator: missing[0].id }, "run these operators on the 'local' runtime");
    }
    return runtime.run(plan, this.bindings(), options);
  }
}
