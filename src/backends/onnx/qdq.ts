/**
 * The ONNX form of quantized tensors (QDQ), for the writer in ./serialize.ts.
 *
 * Rules:
 * 1. A quantized tensor T (a value or a param) gets two initializers, `T_scale` (float32)
 *    and `T_zero_point` (its integer type), of shape [] per tensor or [C] per axis.
 *    int32 tensors (biases) get no zero point: ONNX's DequantizeLinear defines none for
 *    int32 ("supposed to be 0").
 * 2. QuantizeLinear reads [x, T_scale, T_zero_point] with T its output;
 *    DequantizeLinear reads [T, T_scale, T_zero_point] with T its input. Per-axis tensors
 *    add the `axis` attribute (opset 13 and later).
 * 3. A quantized param P read by a node is written as an integer initializer P and a node
 *    `P_DequantizeLinear` = DequantizeLinear(P, P_scale[, P_zero_point]) -> `P_dequantized`,
 *    placed before the first node that reads P; readers take `P_dequantized` in P's place.
 *    This is the form onnxruntime fuses (DequantizeLinear -> Conv/Gemm -> QuantizeLinear
 *    into QLinearConv / QGemm).
 */
import type { Graph, Node, Quantization, QuantDType } from '../../ir/types.js';
import type { OnnxConstInput } from '../../ir/ops.js';
import { NetforgeError } from '../../errors.js';

/** An initializer with its full name. */
export interface QdqConst extends OnnxConstInput {
  readonly name: string;
}

/** A DequantizeLinear node for a quantized param. */
export interface QdqNode {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly axis?: number;
  readonly module: string;
}

export interface QdqForm {
  readonly consts: readonly QdqConst[];
  /** DequantizeLinear nodes of params, by the name of the node they go before. */
  readonly before: ReadonlyMap<string, readonly QdqNode[]>;
  /** A quantized param's name -> the dequantized value its readers take. */
  readonly paramInput: ReadonlyMap<string, string>;
  /** QuantizeLinear/DequantizeLinear nodes: the scale and zero point inputs to append. */
  readonly extraInputs: ReadonlyMap<string, readonly string[]>;
  /** Per-axis QuantizeLinear/DequantizeLinear nodes: their axis attribute. */
  readonly axis: ReadonlyMap<string, number>;
}

/** Per-axis scales need the `axis` attribute of QuantizeLinear/DequantizeLinear-13; int8 MaxPool needs opset 12. */
export const MIN_QDQ_OPSET = 13;

/** The QDQ form of a graph; undefined when nothing in it is quantized. */
export function qdqForm(g: Graph, opset: number): QdqForm | undefined {
  const hasQuant = [...g.values.values()].some((v) => v.quant !== undefined) || [...g.params.values()].some((p) => p.quant !== undefined);
  if (!hasQuant) return undefined;
  if (opset < MIN_QDQ_OPSET) {
    throw new NetforgeError({
      code: 'E_OPSET',
      message: `a quantized model needs opset ${MIN_QDQ_OPSET} or later, got --opset ${opset}`,
      hint: `per-channel QuantizeLinear/DequantizeLinear came with opset 13; use --opset ${MIN_QDQ_OPSET} or later (default 17)`,
      exitCode: 2,
    });
  }
  const consts: QdqConst[] = [];
  const named = new Set<string>();
  /** Rule 1: the scale and zero point initializers of tensor `t`, emitted once; returns their names. */
  const params = (t: string, dtype: QuantDType, q: Quantization): string[] => {
    const dims = q.axis === undefined ? [] : [q.scale.length];
    const scale = `${t}_scale`;
    const zp = `${t}_zero_point`;
    if (!named.has(scale)) {
      named.add(scale);
      consts.push({ name: scale, suffix: 'scale', dtype: 'float32', dims, values: q.scale });
      if (dtype !== 'int32') consts.push({ name: zp, suffix: 'zero_point', dtype, dims, values: q.zeroPoint });
    }
    return dtype === 'int32' ? [scale] : [scale, zp];
  };
  const before = new Map<string, QdqNode[]>();
  const paramInput = new Map<string, string>();
  const extraInputs = new Map<string, string[]>();
  const axis = new Map<string, number>();
  for (const n of g.nodes) {
    const tensor = quantizedTensorOf(g, n);
    if (tensor !== undefined) {
      extraInputs.set(n.name, params(tensor.id, tensor.dtype as QuantDType, tensor.quant!));
      if (tensor.quant!.axis !== undefined) axis.set(n.name, tensor.quant!.axis);
    }
    for (const pn of n.params) {
      const p = g.params.get(pn)!;
      if (p.quant === undefined || paramInput.has(pn)) continue;
      const output = `${pn}_dequantized`;
      paramInput.set(pn, output);
      const dq: QdqNode = {
        name: `${pn}_DequantizeLinear`,
        inputs: [pn, ...params(pn, p.dtype as QuantDType, p.quant)],
        output,
        ...(p.quant.axis !== undefined ? { axis: p.quant.axis } : {}),
        module: n.module,
      };
      before.set(n.name, [...(before.get(n.name) ?? []), dq]);
    }
  }
  return { consts, before, paramInput, extraInputs, axis };
}

/** Rule 2: the quantized tensor whose parameters a QuantizeLinear (its output) or DequantizeLinear (its input) uses. */
function quantizedTensorOf(g: Graph, n: Node): { id: string; dtype: string; quant?: Quantization } | undefined {
  if (n.op === 'QuantizeLinear') return g.values.get(n.outputs[0]!);
  if (n.op === 'DequantizeLinear') return g.values.get(n.inputs[0]!);
  return undefined;
}

/** How many quantized params nodes read: each is one DequantizeLinear in the ONNX file (rule 3). */
export function quantizedParamCount(g: Graph): number {
  const used = new Set(g.nodes.flatMap((n) => n.params));
  return [...g.params.values()].filter((p) => p.quant !== undefined && used.has(p.name)).length;
}
