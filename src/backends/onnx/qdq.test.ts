import { describe, expect, test } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Graph, Node, Quantization, Shape, Value } from '../../ir/types.js';
import { activationQuant, dequantizeValue, quantizeValue, quantizeWeight } from '../../ir/quant.js';
import { verifyGraph } from '../../ir/verify.js';
import { fillNormal, rngFor } from '../../ir/random.js';
import { toOnnxBytes } from './serialize.js';
import { qdqForm } from './qdq.js';
import { graphOf, readModel } from '../../../test/helpers/onnx.js';

/** x -> QuantizeLinear -> xq (int8/uint8, graph output) -> DequantizeLinear -> y (graph output). */
function qdqGraph(shape: Shape, dtype: 'int8' | 'uint8', q: Quantization): Graph {
  const values = new Map<string, Value>([
    ['x', { id: 'x', dtype: 'float32', shape }],
    ['xq', { id: 'xq', dtype, shape, quant: q }],
    ['y', { id: 'y', dtype: 'float32', shape }],
  ]);
  const nodes: Node[] = [
    { name: 'q', op: 'QuantizeLinear', attrs: { to: dtype }, inputs: ['x'], params: [], outputs: ['xq'], module: 'q' },
    { name: 'dq', op: 'DequantizeLinear', attrs: {}, inputs: ['xq'], params: [], outputs: ['y'], module: 'dq' },
  ];
  return { name: 'qdq', inputs: ['x'], outputs: ['xq', 'y'], values, nodes, params: new Map(), meta: new Map(), modules: [], symbols: new Map([['N', { reference: 1, multipleOf: 1 }]]) };
}

async function run(g: Graph, x: Float32Array, dims: number[]): Promise<{ q: ArrayLike<number>; y: Float32Array }> {
  const s = await ort.InferenceSession.create(toOnnxBytes(g), { logSeverityLevel: 3 });
  try {
    const out = await s.run({ x: new ort.Tensor('float32', x, dims) });
    return { q: out['xq']!.data as Int8Array | Uint8Array, y: out['y']!.data as Float32Array };
  } finally {
    await s.release();
  }
}

describe('QuantizeLinear / DequantizeLinear in onnxruntime compute what src/ir/quant.ts computes', () => {
  test('per-axis int8 (weights): the same integers as quantizeWeight, the same floats back', async () => {
    const rows = 6;
    const cols = 40;
    const w = new Float32Array(rows * cols);
    fillNormal(w, 0.3, rngFor(5, 'w'));
    const qw = quantizeWeight(w, [rows, cols]);
    // ties: values exactly half-way between two steps round to the even one
    w[3] = 2.5 * qw.quant.scale[0]!;
    w[4] = -3.5 * qw.quant.scale[0]!;
    const want = quantizeWeight(w, [rows, cols]);
    const g = qdqGraph([rows, cols], 'int8', want.quant);
    expect(verifyGraph(g)).toEqual([]);
    const r = await run(g, w, [rows, cols]);
    expect(Array.from(r.q)).toEqual(Array.from(want.data));
    expect(want.data[3]).toBe(2);
    expect(want.data[4]).toBe(-4);
    const back = Array.from(want.data, (v, i) => dequantizeValue(v, want.quant.scale[Math.floor(i / cols)]!, 0));
    expect(Array.from(r.y)).toEqual(back);
  });

  test('per-tensor uint8 (activations), values beyond the range saturate', async () => {
    const x = new Float32Array(3 * 50);
    fillNormal(x, 2, rngFor(6, 'x'));
    const q = activationQuant(-1.5, 3, 'uint8');
    const r = await run(qdqGraph(['N', 50], 'uint8', q), x, [3, 50]);
    const want = Array.from(x, (v) => quantizeValue(v, q.scale[0]!, q.zeroPoint[0]!, 'uint8'));
    expect(Array.from(r.q)).toEqual(want);
    expect(want).toContain(0);
    expect(want).toContain(255);
    expect(Array.from(r.y)).toEqual(want.map((v) => dequantizeValue(v, q.scale[0]!, q.zeroPoint[0]!)));
  });

  test('the ONNX form: scale/zero-point initializers named after the tensor, axis only per axis, opset 13 needed', () => {
    const q = activationQuant(-1, 1, 'int8');
    const g = qdqGraph(['N', 4], 'int8', q);
    const gp = graphOf(readModel(toOnnxBytes(g)));
    expect(gp.node.map((n) => [n.opType, n.input])).toEqual([
      ['QuantizeLinear', ['x', 'xq_scale', 'xq_zero_point']],
      ['DequantizeLinear', ['xq', 'xq_scale', 'xq_zero_point']],
    ]);
    expect(gp.node.every((n) => (n.attribute ?? []).length === 0)).toBe(true);
    const inits = new Map(gp.initializer.map((t) => [t.name, t]));
    expect(inits.get('xq_scale')!.dims).toEqual([]);
    expect(inits.get('xq_zero_point')!.dataType).toBe(3); // INT8
    expect(() => qdqForm(g, 12)).toThrow(/opset 13/);
    expect(qdqForm({ ...g, values: new Map([['x', g.values.get('x')!]]) }, 17)).toBeUndefined();
  });
});
