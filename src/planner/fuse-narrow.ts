import type { Plan } from '../ir/plan.js';

/**
 * Rule: fuse narrow (forward-connected) operators into groups, the future stages.
 *
 * Nodes are taken in topological order. A node with a shuffle input (or a source) starts a
 * new group. A node whose inputs are all forward joins its inputs' groups, merging them;
 * but a group that is upstream (through a shuffle) of another input's group is not merged,
 * since that would make a cycle of stages: the edge from it stays a forward edge between
 * stages (same partition index, same worker).
 *
 * Returns the groups as node ids in plan order, and the group of every node.
 * @category Planner
 */
export function fuseNarrow(plan: Plan): string[][] {
  const parent = new Map<number, number>();
  const find = (g: number): number => {
    let r = g;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(g, r);
    return r;
  };
  const groupOf = new Map<string, number>();
  let next = 0;
  const newGroup = (): number => { parent.set(next, next); return next++; };

  /** Group-level edges (producer group → consumer group), through current representatives. */
  const edges = (): Map<number, Set<number>> => {
    const out = new Map<number, Set<number>>();
    for (const n of plan.nodes) {
      const to = groupOf.get(n.id);
      if (to === undefined) continue;
      for (const i of n.inputs) {
        const a = find(groupOf.get(i.from)!);
        const b = find(to);
        if (a === b) continue;
        if (!out.has(a)) out.set(a, new Set());
        out.get(a)!.add(b);
      }
    }
    return out;
  };
  const isAncestor = (a: number, b: number, e: Map<number, Set<number>>): boolean => {
    const seen = new Set<number>();
    const stack = [a];
    while (stack.length) {
      const x = stack.pop()!;
      for (const y of e.get(x) ?? []) {
        if (y === b) return true;
        if (!seen.has(y)) { seen.add(y); stack.push(y); }
      }
    }
    return false;
  };

  for (const n of plan.nodes) {
    if (n.inputs.length === 0 || n.inputs.some((i) => i.edge === 'shuffle')) {
      groupOf.set(n.id, newGroup());
      continue;
    }
    const candidates = [...new Set(n.inputs.map((i) => find(groupOf.get(i.from)!)))];
    if (candidates.length === 1) { groupOf.set(n.id, candidates[0]); continue; }
    const e = edges();
    // The groups no other candidate descends from are pairwise unrelated: merge them.
    const latest = candidates.filter((a) => !candidates.some((b) => b !== a && isAncestor(a, b, e)));
    const root = latest[0];
    for (const g of latest.slice(1)) parent.set(find(g), root);
    groupOf.set(n.id, root);
  }

  const groups = new Map<number, string[]>();
  for (const n of plan.nodes) {
    const g = find(groupOf.get(n.id)!);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(n.id);
  }
  return [...groups.values()];
}
