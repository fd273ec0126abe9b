/**
 * Renaming values: the one place a rewrite says "readers of y now read x" (or "x's producer
 * now writes y"). Renames chain (a -> b -> c resolves a to c).
 *
 * Rules:
 * 1. Every node input and output, and the graph's inputs and outputs, are resolved.
 * 2. A renamed value's entry moves to its new id; when the new id already has an entry
 *    (the value it now aliases), the old entry is dropped.
 * 3. Nodes in `drop` are removed. Unchanged nodes keep their identity; with nothing to do
 *    the same graph is returned.
 */
import type { Graph, Node, Value } from './types.js';

export function resolveRename(renames: ReadonlyMap<string, string>, id: string): string {
  let out = id;
  for (let next = renames.get(out), hops = 0; next !== undefined; next = renames.get(out)) {
    out = next;
    if (++hops > renames.size) throw new Error(`internal: value renames form a cycle through ${id}`);
  }
  return out;
}

export function applyRenames(g: Graph, renames: ReadonlyMap<string, string>, drop: ReadonlySet<Node> = new Set()): Graph {
  if (renames.size === 0 && drop.size === 0) return g;
  const r = (id: string): string => resolveRename(renames, id);
  const map = (ids: readonly string[]): readonly string[] => (ids.some((i) => renames.has(i)) ? ids.map(r) : ids);
  const nodes: Node[] = [];
  for (const n of g.nodes) {
    if (drop.has(n)) continue;
    const inputs = map(n.inputs);
    const outputs = map(n.outputs);
    nodes.push(inputs === n.inputs && outputs === n.outputs ? n : ({ ...n, inputs, outputs } as Node));
  }
  let values: ReadonlyMap<string, Value> = g.values;
  if (renames.size > 0) {
    const next = new Map<string, Value>();
    // in place, so the table keeps its order (value_info follows it)
    for (const [id, v] of g.values) {
      if (!renames.has(id)) next.set(id, v);
      else {
        const to = r(id);
        if (!g.values.has(to)) next.set(to, { ...v, id: to });
      }
    }
    values = next;
  }
  return { ...g, inputs: map(g.inputs), outputs: map(g.outputs), values, nodes };
}
