import { createHash } from 'node:crypto';
import { PipelineError } from '../errors.js';
import type { AvroSchemaJson, IRNode, Input, NodeKind, StateSpec } from '../ir/nodes.js';
import type { DeadLetter, Sink, Source } from '../io/connector.js';
import type { StaticTable } from './table.js';

type Fn = (...args: any[]) => any;

/** Omit that distributes over a union. @internal */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * What a runtime needs besides the plan: the user functions and connectors, by node id.
 * Built by the DSL; runtimes never see DSL objects.
 * @category Runtime
 */
export interface Bindings {
  /** User functions of each node (e.g. `{ f }` for map, `{ f, inverse }` for reduceByKeyAndWindow). */
  readonly fns: ReadonlyMap<string, Readonly<Record<string, Fn | unknown>>>;
  readonly sources: ReadonlyMap<string, Source<unknown>>;
  readonly sinks: ReadonlyMap<string, Sink<unknown>>;
  readonly tables: ReadonlyMap<string, StaticTable<unknown, unknown>>;
  /** Where dead letters go when the pipeline names no sink for them. */
  readonly deadLetters?: Sink<DeadLetter>;
}

/** The mutable graph behind a pipeline while the DSL builds it. @internal */
export class Graph {
  readonly nodes: IRNode[] = [];
  readonly fns = new Map<string, Record<string, unknown>>();
  readonly sources = new Map<string, Source<unknown>>();
  readonly sinks = new Map<string, Sink<unknown>>();
  readonly tables = new Map<string, StaticTable<unknown, unknown>>();
  private readonly byId = new Map<string, IRNode>();

  constructor(readonly name: string, readonly batchIntervalMs: number, readonly keyGroups: number) {}

  add(node: DistributiveOmit<IRNode, 'id'>, fns?: Record<string, unknown>): string {
    const id = `${node.kind}#${this.nodes.length}`;
    const full = { ...node, id } as IRNode;
    this.nodes.push(full);
    this.byId.set(id, full);
    if (fns) this.fns.set(id, fns);
    return id;
  }

  node(id: string): IRNode {
    const n = this.byId.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /**
   * A name for a stateful operator: the user's, or one derived from its kind, settings and
   * lineage. Operators that derive the same name (two of one kind on one stream) are told
   * apart by their occurrence among those siblings: `-2`, `-3`… in the order the program
   * builds them, so the same program derives the same names on every run and in every
   * process. (Not the functions' source text: it differs between loaders — tsx, vitest —
   * of the same file.) Reordering such siblings needs explicit names.
   */
  stateSpec(kind: NodeKind, inputs: readonly Input[], detail: unknown, opts: { name?: string; ttl?: number; state?: { readonly avro: AvroSchemaJson } }): StateSpec {
    const ttl = opts.ttl !== undefined ? { ttlMs: opts.ttl } : {};
    const schema = opts.state?.avro !== undefined ? { schema: opts.state.avro } : {};
    if (opts.name !== undefined) {
      if (!/^[A-Za-z0-9_.-]+$/.test(opts.name)) {
        throw new PipelineError(`${kind}: state name '${opts.name}' may hold only letters, digits, '_', '.' and '-'`, { operator: kind }, 'rename the state');
      }
      return { name: opts.name, named: true, ...ttl, ...schema };
    }
    const h = createHash('sha256').update(JSON.stringify([kind, detail, inputs.map((i) => this.lineage(i.from))])).digest('hex');
    const base = `${kind}-${h.slice(0, 10)}`;
    const siblings = this.derivedNames.get(base) ?? 0;
    this.derivedNames.set(base, siblings + 1);
    return { name: siblings === 0 ? base : `${base}-${siblings + 1}`, named: false, ...ttl, ...schema };
  }

  /** How many operators derived each base state name so far. */
  private readonly derivedNames = new Map<string, number>();

  /** The kinds and specs upstream of a node, without ids: stable when unrelated branches change. */
  private lineage(id: string): unknown {
    const n = this.node(id);
    const { id: _id, inputs, ...rest } = n as IRNode & Record<string, unknown>;
    return [rest, inputs.map((i) => this.lineage(i.from))];
  }
}
