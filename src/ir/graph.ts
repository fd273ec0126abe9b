/** Read-only queries over a Graph, and helpers to build a changed copy. */
import type { Graph, Node, Param, Value } from './types.js';
import { numel } from './shapeMath.js';

/** value id -> the node that produces it. */
export function producers(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) m.set(o, n);
  return m;
}

/** value id -> nodes that read it (graph outputs are not nodes; see isGraphOutput). */
export function consumers(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      let list = m.get(i);
      if (!list) m.set(i, (list = []));
      list.push(n);
    }
  }
  return m;
}

/** param name -> nodes that use it. */
export function paramUsers(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const p of n.params) {
      let list = m.get(p);
      if (!list) m.set(p, (list = []));
      list.push(n);
    }
  }
  return m;
}

export function valueOf(g: Graph, id: string): Value {
  const v = g.values.get(id);
  if (!v) throw new Error(`internal: unknown value ${id}`);
  return v;
}

export function paramOf(g: Graph, name: string): Param {
  const p = g.params.get(name);
  if (!p) throw new Error(`internal: unknown param ${name}`);
  return p;
}

/** Number of PyTorch parameters (buffers such as running_mean excluded). */
export function countParams(g: Graph, filter: (p: Param) => boolean = () => true): number {
  let n = 0;
  for (const p of g.params.values()) if (p.isParameter && filter(p)) n += numel(p.shape);
  return n;
}

/** A copy of `g` with some fields replaced. */
export function withGraph(g: Graph, patch: Partial<Graph>): Graph {
  return { ...g, ...patch };
}

/** Bytes the parameter and buffer tensors take at a given element size. */
export function tensorBytes(g: Graph, bytesPerElement: number, onlyParameters = false): number {
  let n = 0;
  for (const p of g.params.values()) if (!onlyParameters || p.isParameter) n += numel(p.shape) * bytesPerElement;
  return n;
}
