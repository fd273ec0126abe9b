/**
 * eliminate-identity: remove Identity nodes, and Dropout (the identity at inference).
 *
 * Rules:
 * 0. Dropout is treated as Identity below: an inference graph holds none (its p stays in
 *    the model as defined, where summary and report show it).
 * 1. For y = Identity(x) where y is not a graph output: readers of y read x; the node and
 *    the value y go.
 * 2. For y = Identity(x) where y is a graph output: the graph keeps the output name y, so
 *    x's producer writes y instead of x (x's other readers read y) and the node goes.
 * 3. The Identity stays when y is a graph output and x is a graph input or another graph
 *    output (two graph names for one tensor need a node between them).
 * 4. Nothing to do returns the same graph object.
 */
import type { Graph, Node } from '../ir/types.js';
import { applyRenames, resolveRename } from '../ir/rename.js';
import type { Pass, PassContext } from './pass.js';

export function eliminateIdentity(g: Graph, ctx?: PassContext): Graph {
  if (!g.nodes.some(isIdentity)) return g;
  const inputs = new Set(g.inputs);
  const outputs = new Set(g.outputs);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const rename = new Map<string, string>();
  const removed = new Set<Node>();
  for (const n of g.nodes) {
    if (!isIdentity(n)) continue;
    const x = resolveRename(rename, n.inputs[0]!);
    const y = n.outputs[0]!;
    if (!outputs.has(y)) {
      // y = Identity(x) -> uses of y read x
      rename.set(y, x);
      removed.add(n);
      ctx?.note(`removed ${n.name}: readers of ${y} now read ${x}`);
    } else if (inputs.has(x) || outputs.has(x)) {
      ctx?.note(`kept ${n.name}: it copies ${inputs.has(x) ? 'graph input' : 'graph output'} ${x} to graph output ${y}`);
    } else {
      // y = Identity(x), y a graph output -> x's producer writes y
      rename.set(x, y);
      removed.add(n);
      ctx?.note(`removed ${n.name}: ${producer.get(x)?.name ?? x} now writes graph output ${y}`);
    }
  }
  if (removed.size === 0) return g;
  return applyRenames(g, rename, removed);
}

/** Rule 0. */
const isIdentity = (n: Node): boolean => n.op === 'Identity' || n.op === 'Dropout';

export const eliminateIdentityPass: Pass = { name: 'eliminate-identity', run: (g, ctx) => eliminateIdentity(g, ctx) };
