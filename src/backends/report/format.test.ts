import { describe, expect, test } from 'vitest';
import type { Node, NodeOf } from '../../ir/types.js';
import { chw, int, kernelSpec, layerLabel, mb, pairStr, shortOp, si, spatial } from './format.js';

const conv = (attrs: Partial<NodeOf<'Conv'>['attrs']> = {}): Node => ({
  name: 'layer1.0.conv2',
  op: 'Conv',
  module: 'layer1.0.conv2',
  inputs: ['x'],
  params: ['w'],
  outputs: ['y'],
  attrs: { kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1, ...attrs },
});
const pool = (op: 'MaxPool' | 'AveragePool'): Node =>
  ({ name: 'p', op, module: 'p', inputs: ['x'], params: [], outputs: ['y'], attrs: { kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], ceilMode: false, countIncludePad: true } }) as Node;

describe('format', () => {
  test('numbers', () => {
    expect(int(25_557_032)).toBe('25,557,032');
    expect(si(4_089_184_256)).toBe('4.09 G');
    expect(si(512_000)).toBe('512.00 K');
    expect(si(640)).toBe('640');
    expect(mb(25_557_032 * 4)).toBe('102.2 MB');
    expect(mb(269_722 * 2)).toBe('0.539 MB');
  });
  test('shapes', () => {
    expect(chw(['N', 256, 56, 56])).toBe('256×56×56');
    expect(chw(['N', 1000])).toBe('1000');
    expect(spatial(['N', 256, 56, 56])).toBe('56×56');
    expect(spatial(['N', 10])).toBe('1×1');
    expect(pairStr([2, 2])).toBe('2');
    expect(pairStr([2, 1])).toBe('2x1');
  });
  test('kernel specs: conv shows k, s, d, g; pools k and s; others nothing', () => {
    expect(kernelSpec(conv({ stride: [2, 2], groups: 32 }))).toBe('3x3 s2 d1 g32');
    expect(kernelSpec(conv({ dilation: [2, 2] }))).toBe('3x3 s1 d2 g1');
    expect(kernelSpec(pool('MaxPool'))).toBe('3x3 s2');
    expect(kernelSpec({ name: 'r', op: 'Relu', module: 'r', inputs: ['x'], params: [], outputs: ['y'], attrs: {} })).toBe('');
  });
  test('layer labels in the paper\'s words', () => {
    expect(layerLabel(conv({ stride: [2, 2] }), ['N', 64, 56, 56])).toBe('3x3 conv, 64, /2');
    expect(layerLabel(conv({ groups: 32, dilation: [2, 2] }), ['N', 256, 28, 28])).toBe('3x3 conv, 256, g32, d2');
    expect(layerLabel(pool('MaxPool'), ['N', 64, 56, 56])).toBe('3x3 max pool, /2');
    expect(layerLabel(pool('AveragePool'), ['N', 64, 56, 56])).toBe('3x3 avg pool, /2');
    expect(layerLabel({ name: 'fc', op: 'Gemm', module: 'fc', inputs: ['x'], params: [], outputs: ['y'], attrs: {} }, ['N', 1000])).toBe('fc 1000');
  });
  test('short op names only for the long ones', () => {
    expect(shortOp('BatchNormalization')).toBe('BatchNorm');
    expect(shortOp('Conv')).toBe('Conv');
  });
});
