import { describe, expect, test } from 'vitest';
import type { Graph } from '../ir/types.js';
import { verifyGraph } from '../ir/verify.js';
import { printGraph } from '../ir/print.js';
import type { NetforgeError } from '../errors.js';
import { toyResidual } from '../../test/helpers/toyResidual.js';
import { runPasses } from './manager.js';
import { int8Footprint, planQuantization } from './quantizePlan.js';
import { QUANTIZATION_META, quantize, quantizePass, type TensorRange } from './quantize.js';

/** Made-up ranges for every tensor the plan calibrates (what calibration would measure). */
function ranges(g: Graph, tensors: readonly string[]): Map<string, TensorRange> {
  return new Map(tensors.map((t, i) => [t, g.values.get(t) && t.includes('relu') ? { min: 0, max: 2 + i / 10 } : { min: -1 - i / 10, max: 1.5 }]));
}

const ops = (g: Graph): Record<string, number> => {
  const c: Record<string, number> = {};
  for (const n of g.nodes) c[n.op] = (c[n.op] ?? 0) + 1;
  return c;
};

describe('quantize plan', () => {
  test('Conv, Gemm, Add, MaxPool, GlobalAveragePool, Flatten run in int8; Relu outputs are quantized in place of the convs before them', () => {
    const g = toyResidual();
    const plan = planQuantization(g);
    expect([...plan.nodes].sort()).toEqual(['avgpool', 'block.add', 'block.conv1', 'block.conv2', 'conv1', 'fc', 'flatten', 'maxpool'].sort());
    expect(plan.tensors.map((t) => t.id)).toEqual(['input', 'relu', 'maxpool', 'block.relu', 'block.conv2', 'block.relu_1', 'avgpool', 'flatten']);
    // MaxPool and Flatten keep their input's parameters (onnxruntime drops their Q/DQ pairs)
    expect(plan.tensors.filter((t) => t.params !== 'calibrate')).toEqual([
      { id: 'maxpool', params: { sameAs: 'relu' } },
      { id: 'flatten', params: { sameAs: 'avgpool' } },
    ]);
    expect(plan.calibrate).toEqual(['input', 'relu', 'block.relu', 'block.conv2', 'block.relu_1', 'avgpool']);
    expect(plan.float).toEqual([]);
  });

  test('--quantize-exclude keeps modules (and everything under a path) in float; unknown paths are refused', () => {
    const g = toyResidual();
    const plan = planQuantization(g, { exclude: ['block', 'fc'] });
    expect(plan.float.map((f) => `${f.node}:${f.reason}`)).toEqual(['block.conv1:excluded', 'block.conv2:excluded', 'block.add:excluded', 'fc:excluded']);
    // the excluded block computes in float: its inner tensors get no Q/DQ; its output does, for the int8 pool that reads it
    expect(plan.tensors.map((t) => t.id)).toEqual(['input', 'relu', 'maxpool', 'block.relu_1', 'avgpool', 'flatten']);
    const e = (() => {
      try {
        planQuantization(g, { exclude: ['block.conv9', 'fc'] });
      } catch (err) {
        return err as NetforgeError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('E_QUANTIZE_EXCLUDE');
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toContain('block.conv9');
  });

  test('nothing to quantize is refused (E_QUANTIZE_NOTHING)', () => {
    expect(() => planQuantization(toyResidual(), { exclude: ['conv1', 'block', 'fc'] })).toThrow(expect.objectContaining({ code: 'E_QUANTIZE_NOTHING' }));
  });

  test('footprint: int8 weights, int32 biases with their scales, float params at 4 bytes', () => {
    const g = toyResidual();
    const f = int8Footprint(g, planQuantization(g));
    const w = 8 * 3 * 9 + 8 * 8 * 9 * 2 + 5 * 8;
    const b = 8 * 3 + 5;
    expect(f).toMatchObject({ int8Weights: w, int32Biases: b, floatBytes: 4 * (w + b) });
    expect(f.bytes).toBe(w + 5 * b + 8 * b + 8 * 5);
  });
});

describe('quantize pass', () => {
  test('QDQ pairs after each planned tensor, int8 weights per channel, int32 biases with scale x-scale * w-scale; the verifier holds', () => {
    const g = toyResidual();
    const plan = planQuantization(g);
    const { graph: q, trace } = runPasses(g, [quantizePass(ranges(g, plan.calibrate))]);
    expect(verifyGraph(q)).toEqual([]);
    expect(ops(q)).toMatchObject({ QuantizeLinear: 8, DequantizeLinear: 8, Conv: 3, Gemm: 1, Relu: 3, Add: 1 });
    const w = q.params.get('block.conv1.weight')!;
    expect(w.dtype).toBe('int8');
    expect(w.data).toBeInstanceOf(Int8Array);
    expect(w.quant?.axis).toBe(0);
    const b = q.params.get('block.conv1.bias')!;
    expect(b.dtype).toBe('int32');
    const xs = q.values.get('maxpool_quantized')!.quant!.scale[0]!;
    expect(b.quant!.scale).toEqual(w.quant!.scale.map((s) => Math.fround(xs * s)));
    // a Relu output calibrated from 0 gets zero point 0 (uint8): onnxruntime then removes the Relu
    expect(q.values.get('relu_quantized')!.quant!.zeroPoint).toEqual([0]);
    // the logits stay float: fc reads a dequantized input and writes float
    expect(q.outputs).toEqual(['logits']);
    expect(q.nodes.at(-1)!.op).toBe('Gemm');
    expect(JSON.parse(q.meta.get(QUANTIZATION_META)!)).toMatchObject({ format: 'QDQ', scheme: 'U8S8', weights: 'int8 symmetric per channel', reduceRange: false });
    expect(trace[0]!.notes.some((n) => n.startsWith('quantized block.conv1 (Conv): weight int8 per channel [8]'))).toBe(true);
    expect(printGraph(q)).toContain('%relu_quantized = QuantizeLinear(%relu) {to=uint8} : u8[N,8,12,12] q(scale=');
  });

  test('a quantized graph output keeps its name: the producer writes <name>_float, DequantizeLinear writes the output', () => {
    const g = toyResidual({ head: false });
    const plan = planQuantization(g);
    expect(plan.tensors.at(-1)!.id).toBe('features');
    const q = quantize(g, ranges(g, plan.calibrate));
    expect(verifyGraph(q)).toEqual([]);
    expect(q.outputs).toEqual(['features']);
    const last = q.nodes.slice(-3).map((n) => `${n.op}(${n.inputs.join(',')})->${n.outputs.join(',')}`);
    expect(last).toEqual(['Relu(block.add)->features_float', 'QuantizeLinear(features_float)->features_quantized', 'DequantizeLinear(features_quantized)->features']);
  });

  test('S8S8: int8 activations; a Relu output gets zero point -128', () => {
    const g = toyResidual();
    const q = quantize(g, ranges(g, planQuantization(g).calibrate), { activations: 'int8' });
    expect(verifyGraph(q)).toEqual([]);
    expect(q.values.get('relu_quantized')).toMatchObject({ dtype: 'int8', quant: { zeroPoint: [-128] } });
  });

  test('a non-finite calibrated range is refused; the input graph is not mutated', () => {
    const g = toyResidual();
    const before = (g.params.get('conv1.weight')!.data as Float32Array).slice();
    const r = ranges(g, planQuantization(g).calibrate);
    r.set('block.conv2', { min: -1, max: Infinity });
    expect(() => quantize(g, r)).toThrow(expect.objectContaining({ code: 'E_QUANTIZE_RANGE' }));
    quantize(g, ranges(g, planQuantization(g).calibrate));
    expect(g.params.get('conv1.weight')!.dtype).toBe('float32');
    expect(g.params.get('conv1.weight')!.data).toEqual(before);
  });
});
