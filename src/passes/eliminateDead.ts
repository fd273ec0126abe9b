/**
 * eliminate-dead: remove what cannot affect a graph output.
 *
 * Rules:
 * 1. A node whose outputs reach no graph output (walking back from the outputs) goes,
 *    with its output values.
 * 2. Then a param (or buffer) that no remaining node uses goes.
 * 3. Graph inputs stay, used or not (they are the model's interface).
 * 4. Nothing to do returns the same graph object.
 */
import type { Graph, Node, Param, Value } from '../ir/types.js';
import type { Pass, PassContext } from './pass.js';

export function eliminateDead(g: Graph, ctx?: PassContext): Graph {
  const live = new Set<string>(g.outputs);
  const keep: boolean[] = new Array<boolean>(g.nodes.length).fill(false);
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!;
    if (!n.outputs.some((o) => live.has(o))) continue;
    keep[k] = true;
    for (const i of n.inputs) live.add(i);
  }
  const nodes: Node[] = [];
  let values: Map<string, Value> | undefined;
  g.nodes.forEach((n, k) => {
    if (keep[k]) {
      nodes.push(n);
      return;
    }
    values ??= new Map(g.values);
    for (const o of n.outputs) values.delete(o);
    ctx?.note(`removed ${n.name} (${n.op}): its output reaches no graph output`);
  });
  const used = new Set<string>();
  for (const n of nodes) for (const p of n.params) used.add(p);
  let params: Map<string, Param> | undefined;
  for (const [name, p] of g.params) {
    if (used.has(name)) continue;
    params ??= new Map(g.params);
    params.delete(name);
    ctx?.note(`removed param ${p.name}: no node uses it`);
  }
  if (values === undefined && params === undefined) return g;
  return { ...g, nodes: values ? nodes : g.nodes, values: values ?? g.values, params: params ?? g.params };
}

export const eliminateDeadPass: Pass = { name: 'eliminate-dead', run: (g, ctx) => eliminateDead(g, ctx) };
