/**
 * quantize: rewrite a float32 graph into int8 QDQ form from calibrated tensor ranges. Run it
 * last, after fold-batchnorm (folding first gives one weight per conv to quantize, as
 * onnxruntime's quantization guide recommends) and eliminate-dead; params need their data.
 * Which nodes and tensors: ./quantizePlan.ts. The arithmetic: src/ir/quant.ts.
 *
 * Rules:
 * 1. Each planned tensor t gets t -> QuantizeLinear -> t_quantized (int8/uint8) ->
 *    DequantizeLinear -> t_dequantized, right after t is produced (graph inputs first);
 *    every reader of t reads t_dequantized. A graph output keeps its name: its producer
 *    writes t_float instead and the DequantizeLinear writes t.
 * 2. Activations are quantized per tensor, asymmetric, over the type's full range: uint8
 *    (U8S8, the default: what onnxruntime's x86 kernels fuse best) or int8 (S8S8), from the
 *    calibrated [min, max]; a passthrough's output takes its input's parameters (plan rule 4).
 * 3. Each quantized Conv/Gemm's weight becomes int8, symmetric, per output channel (or per
 *    tensor), 7-bit with reduceRange; its bias becomes int32 with scale input scale x weight
 *    scale (quant.ts rules 6-7). A bias value that does not fit int32 is saturated, with a note.
 * 4. Meta `netforge.quantization` records the scheme, the options, the quantized node
 *    counts and the layers left in float.
 * A graph the plan leaves unchanged cannot happen: planning refuses a graph with nothing to quantize.
 */
import type { Graph, Node, NodeOf, Param, Quantization, Value } from '../ir/types.js';
import { activationQuant, quantizeBias, quantizeWeight, type Int8DType } from '../ir/quant.js';
import { NetforgeError } from '../errors.js';
import type { Pass, PassContext } from './pass.js';
import { ROLES, planQuantization, type QuantizePlanOptions } from './quantizePlan.js';

export const QUANTIZATION_META = 'netforge.quantization';

export interface QuantizeOptions extends QuantizePlanOptions {
  /** Activation type: 'uint8' (U8S8, default) or 'int8' (S8S8). */
  readonly activations?: Int8DType;
  /** One weight scale per output channel (default true) or one per tensor. */
  readonly perChannel?: boolean;
  /** 7-bit weights ([-64, 64]) against U8S8 saturation on x86 without VNNI. Default false. */
  readonly reduceRange?: boolean;
}

/** A calibrated tensor's range. */
export interface TensorRange {
  readonly min: number;
  readonly max: number;
}

/** U8S8 / S8S8: activations / weights, onnxruntime's shorthand. */
export const schemeOf = (activations: Int8DType): string => (activations === 'uint8' ? 'U8S8' : 'S8S8');

function uniqueName(taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function floatData(p: Param, n: Node): Float32Array {
  if (p.data instanceof Float32Array && p.dtype === 'float32') return p.data;
  throw new NetforgeError({
    code: 'E_QUANTIZE_INPUT',
    message: `cannot quantize ${n.module}: param ${p.name} is ${p.data === undefined ? 'not initialized' : p.dtype}, not float32 values`,
    modulePath: n.module,
    hint: 'quantize a float32 model after its weights are initialized or loaded (not together with --dtype float16)',
  });
}

export function quantize(g: Graph, ranges: ReadonlyMap<string, TensorRange>, o: QuantizeOptions = {}, ctx?: PassContext): Graph {
  const act = o.activations ?? 'uint8';
  const perChannel = o.perChannel ?? true;
  const reduceRange = o.reduceRange ?? false;
  const plan = planQuantization(g, o);

  // Rule 2: activation parameters.
  const quantOf = new Map<string, Quantization>();
  for (const t of plan.tensors) {
    if (t.params !== 'calibrate') {
      quantOf.set(t.id, quantOf.get(t.params.sameAs)!);
      continue;
    }
    const r = ranges.get(t.id);
    if (r === undefined) throw new Error(`internal: no calibrated range for ${t.id}`);
    if (!Number.isFinite(r.min) || !Number.isFinite(r.max) || r.min > r.max) {
      throw new NetforgeError({
        code: 'E_QUANTIZE_RANGE',
        message: `the calibrated range of ${t.id} is [${r.min}, ${r.max}]: it cannot be quantized`,
        hint: 'the float model produced non-finite values on the calibration data; check the weights and the data',
      });
    }
    quantOf.set(t.id, activationQuant(r.min, r.max, act));
  }

  // Rule 3: weights and biases.
  const params = new Map(g.params);
  for (const n of g.nodes) {
    if (!plan.nodes.has(n.name) || ROLES[n.op] !== 'weighted') continue;
    const [wName, bName] = n.params;
    const w = g.params.get(wName!)!;
    const qw = quantizeWeight(floatData(w, n), w.shape, { perChannel, reduceRange });
    params.set(w.name, { ...w, dtype: 'int8', data: qw.data, quant: qw.quant });
    let biasNote = '';
    if (bName !== undefined) {
      const b = g.params.get(bName)!;
      const xq = quantOf.get(n.inputs[0]!)!;
      const qb = quantizeBias(floatData(b, n), xq.scale[0]!, qw.quant);
      params.set(b.name, { ...b, dtype: 'int32', data: qb.data, quant: qb.quant });
      biasNote = `, bias int32${qb.saturated ? ` (${qb.saturated} values beyond int32 saturated)` : ''}`;
    }
    ctx?.note(`quantized ${n.name} (${n.op}): weight int8 ${perChannel ? `per channel [${qw.quant.scale.length}]` : 'per tensor'}${reduceRange ? ', 7-bit' : ''}${biasNote}`);
  }

  // Rule 1: Q/DQ pairs.
  const taken = new Set<string>([...g.nodes.map((n) => n.name), ...g.values.keys()]);
  const values = new Map<string, Value>(g.values);
  const planned = new Set(plan.tensors.map((t) => t.id));
  const outputs = new Set(g.outputs);
  const readAs = new Map<string, string>();
  const nodes: Node[] = [];
  const pair = (t: string, source: string, module: string): void => {
    const v = g.values.get(t)!;
    const q = quantOf.get(t)!;
    const qId = uniqueName(taken, `${t}_quantized`);
    const dqId = outputs.has(t) ? t : uniqueName(taken, `${t}_dequantized`);
    values.set(qId, { id: qId, dtype: act, shape: v.shape, quant: q });
    values.set(dqId, { id: dqId, dtype: 'float32', shape: v.shape });
    const qn: NodeOf<'QuantizeLinear'> = { name: uniqueName(taken, `${t}_QuantizeLinear`), op: 'QuantizeLinear', attrs: { to: act }, inputs: [source], params: [], outputs: [qId], module };
    const dqn: NodeOf<'DequantizeLinear'> = { name: uniqueName(taken, `${t}_DequantizeLinear`), op: 'DequantizeLinear', attrs: {}, inputs: [qId], params: [], outputs: [dqId], module };
    nodes.push(qn, dqn);
    readAs.set(t, dqId);
  };
  for (const i of g.inputs) if (planned.has(i)) pair(i, i, i);
  for (const n of g.nodes) {
    const inputs = n.inputs.map((i) => readAs.get(i) ?? i);
    const renamed = new Map<string, string>();
    for (const out of n.outputs) {
      if (!planned.has(out) || !outputs.has(out)) continue;
      const f = uniqueName(taken, `${out}_float`);
      values.set(f, { ...g.values.get(out)!, id: f });
      renamed.set(out, f);
    }
    const changed = inputs.some((v, k) => v !== n.inputs[k]) || renamed.size > 0;
    nodes.push(changed ? ({ ...n, inputs, outputs: n.outputs.map((x) => renamed.get(x) ?? x) } as Node) : n);
    for (const out of n.outputs) if (planned.has(out)) pair(out, renamed.get(out) ?? out, n.module);
  }

  // Rule 4.
  const counts: Record<string, number> = {};
  for (const n of g.nodes) if (plan.nodes.has(n.name)) counts[n.op] = (counts[n.op] ?? 0) + 1;
  const meta = new Map(g.meta);
  meta.set(
    QUANTIZATION_META,
    JSON.stringify({
      format: 'QDQ',
      scheme: schemeOf(act),
      activations: `${act} asymmetric per tensor`,
      weights: `int8 symmetric ${perChannel ? 'per channel' : 'per tensor'}`,
      biases: 'int32',
      reduceRange,
      quantized: counts,
      exclude: o.exclude ?? [],
      float: plan.float.map((f) => ({ module: f.module, op: f.op, reason: f.reason })),
    }),
  );
  ctx?.note(`${plan.tensors.length} tensors quantized (${schemeOf(act)}), ${plan.calibrate.length} from calibrated ranges; ${plan.nodes.size} nodes in int8, ${plan.float.length} compute nodes in float`);
  for (const f of plan.float) ctx?.note(`kept ${f.node} (${f.op}) in float: ${f.reason}`);
  return { ...g, nodes, values, params, meta };
}

export function quantizePass(ranges: ReadonlyMap<string, TensorRange>, o: QuantizeOptions = {}): Pass {
  return { name: 'quantize', run: (g, ctx) => quantize(g, ranges, o, ctx) };
}
