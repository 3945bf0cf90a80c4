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

  /** A name for a stateful operator: the user's, or one derived from its content and lineage. */
  stateSpec(kind: NodeKind, inputs: readonly Input[], detail: unknown, opts: { name?: string; ttl?: number; state?: { readonly avro: AvroSchemaJson } }): StateSpec {
    const schema = opts.state?.avro;
    if (opts.name !== undefined) {
      if (!/^[A-Za-z0-9_.-]+$/.test(opts.name)) {
        throw new PipelineError(`${kind}: state name '${opts.name}' may hold only letters, digits, '_', '.' and '-'`, { operator: kind }, 'rename the state');
      }
      return { name: opts.name, named: true, ttlMs: opts.ttl, ...(schema !== undefined ? { schema } : {}) };
    }
    const h = createHash('sha256').update(JSON.stringify([kind, detail, inputs.map((i) => this.lineage(i.from))])).digest('hex');
    return { name: `${kind}-${h.slice(0, 10)}`, named: false, ttlMs: opts.ttl, ...(schema !== undefined ? { schema } : {}) };
  }

  /** The kinds and specs upstream of a node, without ids: stable when unrelated branches change. */
  private lineage(id: string): unknown {
    const n = this.node(id);
    const { id: _id, inputs, ...rest } = n as IRNode & Record<string, unknown>;
    return [rest, inputs.map((i) => this.lineage(i.from))];
  }
}
