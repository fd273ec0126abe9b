/**
 * Which nodes of a float graph run in int8 and which tensors get a QuantizeLinear/
 * DequantizeLinear pair: the layout onnxruntime's CPU provider fuses into integer kernels
 * (its QDQ selectors: onnxruntime/core/optimizer/qdq_transformer/selectors_actions).
 * Planning needs only the graph, not data: calibration then measures the tensors the plan
 * names, and the quantize pass rewrites the graph (./quantize.ts).
 *
 * Rules:
 * 1. Each op kind has a role (ROLES): weighted (Conv, Gemm -> QLinearConv, QGemm), binary
 *    (Add, Mul -> QLinearAdd, QLinearMul), unary (GlobalAveragePool, AveragePool, Sigmoid ->
 *    QLinear*), passthrough (MaxPool, Flatten, Slice: with equal input and output
 *    parameters onnxruntime drops the Q/DQ pair and runs the op on int8). Other ops
 *    (Relu, Pad, BatchNormalization, ReduceMean, ...) compute in float.
 * 2. A node with a role is quantized unless its module (or a module above it) is named in
 *    `exclude`, or it shares a weight or bias with another node (one int32 bias cannot
 *    carry two input scales). Every exclude entry must name a module of the graph.
 * 3. Quantized tensors: every activation input of a quantized node, and every output of
 *    one: when that output's only reader is a Relu, the Relu's output instead (onnxruntime
 *    removes a Relu before a QuantizeLinear whose zero point is the type's minimum, which
 *    calibrating the Relu's output gives). A Gemm's output stays float unless a quantized
 *    node reads it (QGemm can write float: the logits are not rounded).
 * 4. A passthrough node's output takes its input's parameters; every other quantized
 *    tensor is calibrated (`calibrate`, graph inputs included).
 * 5. A graph with no quantized Conv or Gemm is refused (E_QUANTIZE_NOTHING).
 */
import type { Graph, Node, OpKind } from '../ir/types.js';
import { consumers } from '../ir/graph.js';
import { NetforgeError } from '../errors.js';

export type QuantRole = 'weighted' | 'binary' | 'unary' | 'passthrough';

export const ROLES: Readonly<Partial<Record<OpKind, QuantRole>>> = {
  Conv: 'weighted',
  Gemm: 'weighted',
  Add: 'binary',
  Mul: 'binary',
  GlobalAveragePool: 'unary',
  AveragePool: 'unary',
  Sigmoid: 'unary',
  MaxPool: 'passthrough',
  Flatten: 'passthrough',
  Slice: 'passthrough',
};

export interface QuantizePlanOptions {
  /** Module paths to keep in float (a path covers the modules under it: `layer4` covers `layer4.2.conv3`). */
  readonly exclude?: readonly string[];
}

/** A compute node left in float, and why. */
export interface FloatLayer {
  readonly node: string;
  readonly module: string;
  readonly op: string;
  readonly reason: 'excluded' | 'shared weights' | 'no int8 kernel';
}

export interface PlannedTensor {
  readonly id: string;
  /** 'calibrate', or the tensor whose parameters it takes (a passthrough's input). */
  readonly params: 'calibrate' | { readonly sameAs: string };
}

export interface QuantizePlan {
  /** Names of the nodes that run in int8. */
  readonly nodes: ReadonlySet<string>;
  /** Tensors that get a QuantizeLinear/DequantizeLinear pair, in graph order. */
  readonly tensors: readonly PlannedTensor[];
  /** Tensors whose range calibration must measure (graph inputs included). */
  readonly calibrate: readonly string[];
  /** Conv, Gemm, Add, pools ... that stay float (Relu and Pad are not listed: they have no int8 form here). */
  readonly float: readonly FloatLayer[];
}

const covers = (path: string, module: string): boolean => module === path || module.startsWith(`${path}.`);

/** Nodes that compute (weighted layers and elementwise math), the ones worth listing when they stay float. */
const listsWhenFloat = (op: OpKind): boolean => op === 'Conv' || op === 'Gemm' || op === 'Add' || op === 'Mul' || op === 'BatchNormalization';

export function planQuantization(g: Graph, o: QuantizePlanOptions = {}): QuantizePlan {
  const exclude = o.exclude ?? [];
  const unknown = exclude.filter((path) => !g.nodes.some((n) => covers(path, n.module) || n.name === path));
  if (unknown.length > 0) {
    const modules = [...new Set(g.nodes.map((n) => n.module))];
    const top = [...new Set(modules.map((m) => m.split('.')[0]!))];
    const near = unknown.flatMap((u) => modules.filter((m) => m.startsWith(`${u.split('.')[0]!}.`) || m === u.split('.')[0]).slice(0, 3));
    throw new NetforgeError({
      code: 'E_QUANTIZE_EXCLUDE',
      message: `--quantize-exclude names ${unknown.length === 1 ? 'a module' : 'modules'} the model does not have: ${unknown.join(', ')}`,
      hint: `give module paths as summary --depth 3 lists them${near.length ? `, e.g. ${near.join(', ')}` : `; the top-level modules are ${top.join(', ')}`}`,
      exitCode: 2,
    });
  }
  const paramUse = new Map<string, number>();
  for (const n of g.nodes) for (const p of n.params) paramUse.set(p, (paramUse.get(p) ?? 0) + 1);

  const nodes = new Set<string>();
  const float: FloatLayer[] = [];
  for (const n of g.nodes) {
    const role = ROLES[n.op];
    const excluded = exclude.some((path) => covers(path, n.module) || n.name === path);
    if (role === undefined) {
      if (listsWhenFloat(n.op)) float.push({ node: n.name, module: n.module, op: n.op, reason: excluded ? 'excluded' : 'no int8 kernel' });
      continue;
    }
    if (excluded) {
      float.push({ node: n.name, module: n.module, op: n.op, reason: 'excluded' });
      continue;
    }
    if (n.params.some((p) => (paramUse.get(p) ?? 0) > 1)) {
      float.push({ node: n.name, module: n.module, op: n.op, reason: 'shared weights' });
      continue;
    }
    nodes.add(n.name);
  }
  if (!g.nodes.some((n) => nodes.has(n.name) && ROLES[n.op] === 'weighted')) {
    throw new NetforgeError({
      code: 'E_QUANTIZE_NOTHING',
      message: `${g.name} has no Conv or Gemm left to quantize${exclude.length ? ` after --quantize-exclude ${exclude.join(',')}` : ''}`,
      hint: exclude.length ? 'exclude fewer modules' : 'int8 quantization speeds up convolutions and fully connected layers; this model has none',
    });
  }

  const readers = consumers(g);
  const outputs = new Set(g.outputs);
  const quantized = new Set<string>();
  const sameAs = new Map<string, string>();
  for (const n of g.nodes) {
    if (!nodes.has(n.name)) continue;
    for (const i of n.inputs) quantized.add(i);
    const role = ROLES[n.op]!;
    const out = n.outputs[0]!;
    const rs = readers.get(out) ?? [];
    if (role === 'passthrough') {
      quantized.add(out);
      sameAs.set(out, n.inputs[0]!);
      continue;
    }
    if (role === 'weighted' && n.op === 'Gemm' && !rs.some((r) => nodes.has(r.name))) continue;
    const onlyRelu = rs.length === 1 && rs[0]!.op === 'Relu' && !outputs.has(out);
    quantized.add(onlyRelu ? rs[0]!.outputs[0]! : out);
  }
  const order = [...g.inputs, ...g.nodes.flatMap((n: Node) => n.outputs)];
  const tensors: PlannedTensor[] = order
    .filter((id) => quantized.has(id))
    .map((id) => ({ id, params: sameAs.has(id) ? { sameAs: sameAs.get(id)! } : 'calibrate' }));
  return { nodes, tensors, calibrate: tensors.filter((t) => t.params === 'calibrate').map((t) => t.id), float };
}

/** What the int8 model's tensors weigh, computed from the float graph and its plan. */
export interface Int8Footprint {
  /** Every initializer of the int8 model: int8 weights, int32 biases, scales and zero points, params left float. */
  readonly bytes: number;
  /** The same params in float32. */
  readonly floatBytes: number;
  readonly int8Weights: number;
  readonly int32Biases: number;
  /** Op -> nodes that run in int8. */
  readonly layers: Readonly<Record<string, number>>;
}

export function int8Footprint(g: Graph, plan: QuantizePlan, o: { readonly perChannel?: boolean } = {}): Int8Footprint {
  const perChannel = o.perChannel ?? true;
  const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  const quantized = new Map<string, 'weight' | 'bias'>();
  const channels = new Map<string, number>();
  const layers: Record<string, number> = {};
  for (const n of g.nodes) {
    if (!plan.nodes.has(n.name)) continue;
    layers[n.op] = (layers[n.op] ?? 0) + 1;
    if (ROLES[n.op] !== 'weighted') continue;
    const [w, b] = n.params;
    const c = perChannel ? (g.params.get(w!)!.shape[0] ?? 1) : 1;
    quantized.set(w!, 'weight');
    channels.set(w!, c);
    if (b !== undefined) {
      quantized.set(b, 'bias');
      channels.set(b, c);
    }
  }
  let bytes = 0;
  let floatBytes = 0;
  let int8Weights = 0;
  let int32Biases = 0;
  for (const p of g.params.values()) {
    const n = numel(p.shape);
    floatBytes += 4 * n;
    const role = quantized.get(p.name);
    const c = channels.get(p.name) ?? 0;
    if (role === 'weight') {
      bytes += n + c * 5; // int8 values, a float32 scale and an int8 zero point per channel
      int8Weights += n;
    } else if (role === 'bias') {
      bytes += 4 * n + c * 4; // int32 values and a float32 scale per channel (int32 has no zero point)
      int32Biases += n;
    } else bytes += 4 * n;
  }
  bytes += plan.tensors.length * 5; // each activation: a float32 scale and an 8-bit zero point
  return { bytes, floatBytes, int8Weights, int32Biases, layers };
}
