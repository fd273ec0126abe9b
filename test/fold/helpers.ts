/** Shared by the BatchNorm-folding tests: graph surgery for edge cases, and the onnxruntime comparison. */
import { expect } from 'vitest';
import type { Graph, Node } from '../../src/ir/types.js';
import { initParams } from '../../src/passes/initParams.js';
import { randomizeBatchNorm } from '../../src/passes/randomizeBatchNorm.js';
import { compareGraphs, type CompareResult } from '../../src/backends/ort/compare.js';

/** Seeded weights with random (non-identity) BatchNorm statistics. */
export function withWeights(g: Graph, seed = 0): Graph {
  return randomizeBatchNorm(initParams(g, seed), seed + 1);
}

/** A copy of `g` with param `name` holding `values` (a number fills every element). */
export function withParam(g: Graph, name: string, values: number | readonly number[]): Graph {
  const p = g.params.get(name)!;
  const data = typeof values === 'number' ? new Float32Array(p.data!.length).fill(values) : Float32Array.from(values);
  const params = new Map(g.params);
  params.set(name, { ...p, data });
  return { ...g, params };
}

/**
 * Insert `to = Identity(from)` right after from's producer; readers of `from` (graph outputs
 * included) read `to`, unless `moveReaders` is false (then `to` is read by nobody).
 */
export function insertIdentity(g: Graph, from: string, to: string, moveReaders = true): Graph {
  const node: Node = { name: to, op: 'Identity', attrs: {}, inputs: [from], params: [], outputs: [to], module: to };
  const r = (ids: readonly string[]): string[] => ids.map((i) => (moveReaders && i === from ? to : i));
  const nodes: Node[] = g.inputs.includes(from) ? [node] : [];
  for (const n of g.nodes) {
    nodes.push({ ...n, inputs: r(n.inputs) } as Node);
    if (n.outputs.includes(from)) nodes.push(node);
  }
  const values = new Map(g.values);
  values.set(to, { ...g.values.get(from)!, id: to });
  return { ...g, nodes, values, outputs: r(g.outputs) };
}

/** Append a 1x1 conv reading `from` whose output nobody reads (what eliminate-dead removes). */
export function addDeadConv(g: Graph, from: string, name = 'dead_conv'): Graph {
  const v = g.values.get(from)!;
  const cin = v.shape[1] as number;
  const node: Node = {
    name,
    op: 'Conv',
    attrs: { kernel: [1, 1], stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1], groups: 1 },
    inputs: [from],
    params: [`${name}.weight`],
    outputs: [name],
    module: name,
  };
  const values = new Map(g.values);
  values.set(name, { id: name, dtype: 'float32', shape: [v.shape[0]!, 2, v.shape[2]!, v.shape[3]!] });
  const params = new Map(g.params);
  params.set(`${name}.weight`, {
    name: `${name}.weight`,
    dtype: 'float32',
    shape: [2, cin, 1, 1],
    role: 'weight',
    isParameter: true,
    trainable: true,
    init: { kind: 'kaimingNormalFanOut', fanOut: 2 },
  });
  return { ...g, nodes: [...g.nodes, node], values, params };
}

export const opCount = (g: Graph, op: string): number => g.nodes.filter((n) => n.op === op).length;

/** Run both graphs in onnxruntime on the same seeded batch of 2 and expect max rel diff <= 1e-5. */
export async function expectSameOutputs(before: Graph, after: Graph, seed = 0): Promise<CompareResult> {
  const r = await compareGraphs(before, after, { seed });
  expect(r.refMaxAbs, 'the reference output is all zeros: the comparison would prove nothing').toBeGreaterThan(0);
  expect(r.maxRel, `max |a-b| ${r.maxAbs} vs max |a| ${r.refMaxAbs}`).toBeLessThanOrEqual(1e-5);
  return r;
}
