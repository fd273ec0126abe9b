/**
 * Naming a graph's outputs: the graph's outputs become the given values, in order, under
 * the given names.
 *
 * Rules:
 * 1. Each value is renamed to its output name (its readers follow, ir/rename.ts).
 * 2. A value asked for under a second name, the graph input, or a value that another
 *    output keeps under its own name, is copied by an Identity node (ONNX gives a value
 *    one name).
 * 3. Two outputs with one name, or a name already taken by another value (or the input),
 *    are refused (OutputNameError; callers report it with their own context).
 */
import type { Graph, Node } from './types.js';
import { applyRenames, resolveRename } from './rename.js';

export class OutputNameError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'OutputNameError';
  }
}

export interface NamedOutput {
  readonly name: string;
  /** The value id that becomes the output. */
  readonly value: string;
}

export function withNamedOutputs(g: Graph, outputs: readonly NamedOutput[]): Graph {
  const names = new Set<string>();
  for (const o of outputs) {
    if (names.has(o.name)) throw new OutputNameError(`two outputs are named ${o.name}`, 'give every output its own name');
    names.add(o.name);
  }
  const renames = new Map<string, string>();
  const copies: NamedOutput[] = [];
  for (const o of outputs) {
    if (o.value === o.name) continue;
    if (g.values.has(o.name) || g.inputs.includes(o.name)) {
      const what = g.inputs.includes(o.name) ? 'the input' : 'another value of the graph';
      throw new OutputNameError(`output name ${o.name} is already the name of ${what}`, `choose another name for that output`);
    }
    const keptAsItself = outputs.some((p) => p.value === o.value && p.name === o.value);
    if (renames.has(o.value) || keptAsItself || g.inputs.includes(o.value)) copies.push(o);
    else renames.set(o.value, o.name);
  }
  let out = applyRenames(g, renames);
  if (copies.length > 0) {
    const values = new Map(out.values);
    const nodes: Node[] = [...out.nodes];
    for (const c of copies) {
      const from = resolveRename(renames, c.value);
      values.set(c.name, { ...values.get(from)!, id: c.name });
      nodes.push({ name: c.name, op: 'Identity', attrs: {}, inputs: [from], params: [], outputs: [c.name], module: c.name });
    }
    out = { ...out, values, nodes };
  }
  return { ...out, outputs: outputs.map((o) => o.name) };
}

/** The value a module outputs: the output of its last node (graph order), or undefined when no node is in it. */
export function moduleOutput(g: Graph, module: string): string | undefined {
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!;
    if (n.module === module || n.module.startsWith(`${module}.`)) return n.outputs[0];
  }
  return undefined;
}

/** Every module path of the graph (each node's module and its ancestors), sorted. */
export function modulePaths(g: Graph): string[] {
  const out = new Set<string>();
  for (const n of g.nodes) {
    const parts = n.module.split('.');
    for (let i = 1; i <= parts.length; i++) if (parts[0] !== '') out.add(parts.slice(0, i).join('.'));
  }
  return [...out].sort();
}
