/**
 * The plan as the web UI draws it: operators grouped by stage, laid out by dagre
 * (@dagrejs/dagre) in this process, sent to the page as coordinates.
 * @module
 */
import dagre from '@dagrejs/dagre';
import type { Plan } from '../ir/plan.js';
import { planPhysical } from '../planner/index.js';

export interface GraphNode {
  readonly id: string;
  readonly kind: string;
  readonly label?: string;
  readonly stage: string;
  readonly partitions: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface GraphStage {
  readonly id: string;
  readonly partitions: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly shuffle: boolean;
  /** How a shuffle routes records (hash, gather, roundRobin, split). */
  readonly mode?: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

export interface PlanGraph {
  readonly pipeline: string;
  readonly batchIntervalMs: number;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly stages: readonly GraphStage[];
  readonly edges: readonly GraphEdge[];
}

const NODE_W = 170;
const NODE_H = 58;

/** Lays out `plan` cut into stages as the planner does with `partitions` partitions. */
export function planGraph(plan: Plan, partitions: number): PlanGraph {
  const physical = planPhysical(plan, { partitions });
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 46, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const s of physical.stages) g.setNode(s.id, { width: 0, height: 0, paddingTop: 22 });
  for (const n of plan.nodes) {
    g.setNode(n.id, { width: NODE_W, height: NODE_H });
    g.setParent(n.id, physical.nodeStage[n.id]);
  }
  for (const n of plan.nodes) for (const i of n.inputs) g.setEdge(i.from, n.id);
  dagre.layout(g);
  const modes = new Map(physical.edges.map((e) => [`${e.from}→${e.to}`, e.mode]));
  const box = (id: string) => {
    const v = g.node(id) as { x: number; y: number; width: number; height: number };
    return { x: v.x - v.width / 2, y: v.y - v.height / 2, width: v.width, height: v.height };
  };
  const size = g.graph() as { width?: number; height?: number };
  return {
    pipeline: plan.name,
    batchIntervalMs: plan.batchIntervalMs,
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    stages: physical.stages.map((s) => ({ id: s.id, partitions: s.partitions, ...box(s.id) })),
    nodes: plan.nodes.map((n) => ({
      id: n.id, kind: n.kind, ...(n.label ? { label: n.label } : {}), stage: physical.nodeStage[n.id], partitions: physical.nodePartitions[n.id], ...box(n.id),
    })),
    edges: plan.nodes.flatMap((n) => n.inputs.map((i) => {
      const mode = modes.get(`${i.from}→${n.id}`);
      const e = g.edge(i.from, n.id) as { points?: Array<{ x: number; y: number }> };
      return { from: i.from, to: n.id, shuffle: i.edge === 'shuffle' || mode !== undefined, ...(mode ? { mode } : {}), points: e.points ?? [] };
    })),
  };
}
