/**
 * Verifier rules for quantized tensors (run by verifyGraph after the structural rules).
 *
 * Rules:
 * 1. quant: a value or param has a quantization exactly when its dtype is an integer type;
 *    its scales are positive finite float32 numbers, as many as its zero points; per tensor
 *    that is one, per axis the axis is inside the shape and, where that dimension is known,
 *    there is one per index; zero points are integers in the type's range, 0 for int32.
 * 2. qdq: QuantizeLinear reads a float value; DequantizeLinear reads an int8/uint8 value;
 *    every other op reads only float values.
 * 3. quantized-params: integer params are read only by Conv and Gemm: an int8 weight
 *    (per tensor or per output channel, axis 0) and an int32 bias.
 * 4. qdq-bias: an int32 bias goes with an int8 weight and an activation input produced by
 *    DequantizeLinear, and its scale is input scale x weight scale (float32 product) for each
 *    channel, so onnxruntime's QLinearConv and QGemm (which assume exactly that) compute what
 *    the graph says.
 */
import type { DType, Graph, Node, Param, Quantization, Shape } from './types.js';
import { TYPE_RANGE } from './quant.js';
import type { VerifyIssue } from './verify.js';

const isInt = (d: DType): d is 'int8' | 'uint8' | 'int32' => d === 'int8' || d === 'uint8' || d === 'int32';

/** What is wrong with a tensor's quantization, or undefined. */
export function quantProblem(dtype: DType, shape: Shape, q: Quantization | undefined): string | undefined {
  if (!isInt(dtype)) return q === undefined ? undefined : `is ${dtype} but has a quantization`;
  if (q === undefined) return `is ${dtype} but has no quantization (scale, zero point)`;
  if (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) return `has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`;
  if (q.axis === undefined) {
    if (q.scale.length !== 1) return `is quantized per tensor but has ${q.scale.length} scales`;
  } else {
    if (!Number.isInteger(q.axis) || q.axis < 0 || q.axis >= shape.length) return `is quantized along axis ${q.axis}, outside its rank ${shape.length}`;
    const d = shape[q.axis];
    if (typeof d === 'number' && d !== q.scale.length) return `is quantized along axis ${q.axis} of size ${d} but has ${q.scale.length} scales`;
  }
  const bad = q.scale.findIndex((s) => !(s > 0) || !Number.isFinite(s) || Math.fround(s) !== s);
  if (bad >= 0) return `has scale ${q.scale[bad]} at ${bad}: scales must be positive finite float32 numbers`;
  const { qmin, qmax } = TYPE_RANGE[dtype];
  const zp = q.zeroPoint.findIndex((z) => !Number.isInteger(z) || z < qmin || z > qmax || (dtype === 'int32' && z !== 0));
  if (zp >= 0) return `has zero point ${q.zeroPoint[zp]} at ${zp}: ${dtype === 'int32' ? 'int32 tensors have zero point 0' : `must be an integer in [${qmin}, ${qmax}]`}`;
  return undefined;
}

function biasProblem(g: Graph, producer: ReadonlyMap<string, Node>, n: Node, w: Param, b: Param): string | undefined {
  if (w.dtype !== 'int8') return `bias ${b.name} is int32 but weight ${w.name} is ${w.dtype}`;
  const dq = producer.get(n.inputs[0]!);
  if (dq === undefined || dq.op !== 'DequantizeLinear') return `has an int32 bias but its input ${n.inputs[0]} does not come from DequantizeLinear`;
  const xq = g.values.get(dq.inputs[0]!)?.quant;
  const wq = w.quant;
  const bq = b.quant;
  if (xq === undefined || wq === undefined || bq === undefined) return undefined; // rule 1 reports it
  if ((wq.axis === undefined) !== (bq.axis === undefined) || bq.scale.length !== wq.scale.length) {
    return `bias ${b.name} is quantized ${bq.axis === undefined ? 'per tensor' : 'per channel'} but weight ${w.name} ${wq.axis === undefined ? 'per tensor' : 'per channel'}`;
  }
  const c = bq.scale.findIndex((s, i) => s !== Math.fround(xq.scale[0]! * wq.scale[i]!));
  if (c >= 0) return `bias ${b.name} has scale ${bq.scale[c]} at ${c}, not input scale x weight scale = ${Math.fround(xq.scale[0]! * wq.scale[c]!)}`;
  return undefined;
}

export function verifyQuant(g: Graph): VerifyIssue[] {
  const issues: VerifyIssue[] = [];
  for (const v of g.values.values()) {
    const p = quantProblem(v.dtype, v.shape, v.quant);
    if (p !== undefined) issues.push({ rule: 'quant', message: `value ${v.id} ${p}` });
  }
  for (const p of g.params.values()) {
    const q = quantProblem(p.dtype, p.shape, p.quant);
    if (q !== undefined) issues.push({ rule: 'quant', message: `param ${p.name} ${q}` });
  }
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  for (const n of g.nodes) {
    const at = (rule: string, message: string): void => void issues.push({ rule, node: n.name, module: n.module, message });
    const ins = n.inputs.map((i) => g.values.get(i)?.dtype);
    if (n.op === 'QuantizeLinear') {
      if (ins[0] !== undefined && isInt(ins[0])) at('qdq', `QuantizeLinear reads ${n.inputs[0]}, which is ${ins[0]}, not float`);
    } else if (n.op === 'DequantizeLinear') {
      if (ins[0] !== undefined && ins[0] !== 'int8' && ins[0] !== 'uint8') at('qdq', `DequantizeLinear reads ${n.inputs[0]}, which is ${ins[0]}, not int8/uint8`);
    } else {
      ins.forEach((d, i) => {
        if (d !== undefined && isInt(d)) at('qdq', `${n.op} reads ${n.inputs[i]}, which is ${d}: integer tensors go through DequantizeLinear first`);
      });
    }
    const ps = n.params.map((p) => g.params.get(p));
    ps.forEach((p, i) => {
      if (p === undefined || !isInt(p.dtype)) return;
      const role = i === 0 ? 'weight' : 'bias';
      if (n.op !== 'Conv' && n.op !== 'Gemm') at('quantized-params', `${n.op} reads the ${p.dtype} param ${p.name}: only Conv and Gemm take quantized params`);
      else if (role === 'weight' && p.dtype !== 'int8') at('quantized-params', `weight ${p.name} is ${p.dtype}: quantized weights are int8`);
      else if (role === 'bias' && p.dtype !== 'int32') at('quantized-params', `bias ${p.name} is ${p.dtype}: quantized biases are int32`);
      else if (role === 'weight' && p.quant?.axis !== undefined && p.quant.axis !== 0) at('quantized-params', `weight ${p.name} is quantized along axis ${p.quant.axis}: per-channel weights run along axis 0, the output channels`);
    });
    const [w, b] = ps;
    if ((n.op === 'Conv' || n.op === 'Gemm') && w !== undefined && b !== undefined && b.dtype === 'int32') {
      const problem = biasProblem(g, producer, n, w, b);
      if (problem !== undefined) at('qdq-bias', problem);
    }
  }
  return issues;
}
