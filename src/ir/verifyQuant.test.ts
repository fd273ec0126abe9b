import { describe, expect, test } from 'vitest';
import type { Graph, Param, Value } from './types.js';
import { verifyGraph } from './verify.js';
import { verifyQuant } from './verifyQuant.js';
import { toyResidual } from '../../test/helpers/toyResidual.js';
import { planQuantization } from '../passes/quantizePlan.js';
import { quantize } from '../passes/quantize.js';

function quantized(): Graph {
  const g = toyResidual();
  const plan = planQuantization(g);
  return quantize(g, new Map(plan.calibrate.map((t) => [t, { min: t.includes('relu') ? 0 : -1, max: 2 }])));
}

const withValue = (g: Graph, id: string, patch: Partial<Value>): Graph => ({ ...g, values: new Map(g.values).set(id, { ...g.values.get(id)!, ...patch }) });
const withParam = (g: Graph, name: string, patch: Partial<Param>): Graph => ({ ...g, params: new Map(g.params).set(name, { ...g.params.get(name)!, ...patch }) });
const rules = (g: Graph): string[] => [...new Set(verifyGraph(g).map((i) => i.rule))];

describe('verifier rules for quantized tensors', () => {
  test('a quantized graph passes', () => {
    expect(verifyGraph(quantized())).toEqual([]);
  });

  test('quant: integer tensors need a well-formed quantization, float tensors none', () => {
    const g = quantized();
    const q = g.values.get('relu_quantized')!.quant!;
    const { quant: _dropped, ...bare } = g.values.get('relu_quantized')!;
    expect(rules({ ...g, values: new Map(g.values).set('relu_quantized', bare) })).toEqual(['quant']);
    expect(rules(withValue(g, 'relu', { quant: q }))).toEqual(['quant']);
    expect(rules(withValue(g, 'relu_quantized', { quant: { ...q, scale: [0] } }))).toEqual(['quant']);
    expect(rules(withValue(g, 'relu_quantized', { quant: { ...q, scale: [0.1] } }))).toEqual(['quant']); // not a float32 value
    expect(rules(withValue(g, 'relu_quantized', { quant: { ...q, zeroPoint: [256] } }))).toEqual(['quant']);
    expect(rules(withValue(g, 'relu_quantized', { quant: { scale: [1, 1], zeroPoint: [0, 0] } }))).toEqual(['quant']);
    const w = g.params.get('conv1.weight')!;
    expect(rules(withParam(g, 'conv1.weight', { quant: { ...w.quant!, scale: w.quant!.scale.slice(1), zeroPoint: w.quant!.zeroPoint.slice(1) } }))).toContain('quant');
    expect(rules(withParam(g, 'conv1.weight', { quant: { ...w.quant!, axis: 4 } }))).toContain('quant');
    const b = g.params.get('conv1.bias')!;
    expect(rules(withParam(g, 'conv1.bias', { quant: { ...b.quant!, zeroPoint: b.quant!.zeroPoint.map(() => 1) } }))).toEqual(['quant']);
  });

  test('param-dtype: the data array matches the dtype', () => {
    const g = quantized();
    const w = g.params.get('conv1.weight')!;
    expect(rules(withParam(g, 'conv1.weight', { data: Uint8Array.from(w.data as Int8Array) }))).toEqual(['param-dtype']);
  });

  test('qdq: compute ops read float values only; DequantizeLinear reads 8-bit ones', () => {
    const g = quantized();
    const conv = g.nodes.find((n) => n.name === 'block.conv1')!;
    const nodes = g.nodes.map((n) => (n === conv ? { ...n, inputs: ['maxpool_quantized'] } : n));
    // verifyGraph stops at the structural dtype rule first; the quantization rules say why
    expect(rules({ ...g, nodes })).toEqual(['dtypes']);
    expect(verifyQuant({ ...g, nodes }).map((i) => i.rule)).toContain('qdq');
    const dq = g.nodes.find((n) => n.op === 'DequantizeLinear')!;
    expect(verifyQuant({ ...g, nodes: g.nodes.map((n) => (n === dq ? { ...n, inputs: ['relu'] } : n)) }).map((i) => i.rule)).toContain('qdq');
  });

  test('quantized-params: int8 weights and int32 biases of Conv/Gemm only', () => {
    const g = quantized();
    const w = g.params.get('conv1.weight')!;
    expect(rules(withParam(g, 'conv1.weight', { dtype: 'int32', data: Int32Array.from(w.data as Int8Array) }))).toContain('quantized-params');
    expect(rules(withParam(g, 'conv1.weight', { quant: { ...w.quant!, axis: 1, scale: [1, 1, 1], zeroPoint: [0, 0, 0] } }))).toContain('quantized-params');
  });

  test('qdq-bias: the bias scale is input scale x weight scale, and the input comes from DequantizeLinear', () => {
    const g = quantized();
    const b = g.params.get('block.conv2.bias')!;
    expect(rules(withParam(g, 'block.conv2.bias', { quant: { ...b.quant!, scale: b.quant!.scale.map((s) => Math.fround(s * 2)) } }))).toEqual(['qdq-bias']);
    const conv = g.nodes.find((n) => n.name === 'block.conv2')!;
    const nodes = g.nodes.map((n) => (n === conv ? { ...n, inputs: ['block.relu'] } : n));
    expect(rules({ ...g, nodes })).toContain('qdq-bias');
  });
});
