import { describe, expect, test } from 'vitest';
import type { Graph, Param } from './types.js';
import { verifyGraph } from './verify.js';

function oneConv(weight: Partial<Param>): Graph {
  const w: Param = { name: 'c.weight', dtype: 'float32', shape: [2, 1, 1, 1], role: 'weight', isParameter: true, trainable: true, init: { kind: 'const', value: 0 }, ...weight };
  return {
    name: 'g',
    inputs: ['x'],
    outputs: ['c'],
    values: new Map([
      ['x', { id: 'x', dtype: 'float32', shape: ['N', 1, 4, 4] }],
      ['c', { id: 'c', dtype: 'float32', shape: ['N', 2, 4, 4] }],
    ]),
    nodes: [{ name: 'c', op: 'Conv', attrs: { kernel: [1, 1], stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }, inputs: ['x'], params: ['c.weight'], outputs: ['c'], module: 'c' }],
    params: new Map([['c.weight', w]]),
    meta: new Map(),
    modules: [],
    symbols: new Map([['N', { reference: 1, multipleOf: 1 }]]),
  };
}

describe('verifyGraph: param rules', () => {
  test('a well-formed graph has no issues', () => {
    expect(verifyGraph(oneConv({ data: new Float32Array(2) }))).toEqual([]);
    expect(verifyGraph(oneConv({ dtype: 'float16', data: new Uint16Array(2) }))).toEqual([]);
    expect(verifyGraph(oneConv({}))).toEqual([]);
  });
  test('param-dtype: data must be stored as the declared dtype', () => {
    expect(verifyGraph(oneConv({ dtype: 'float16', data: new Float32Array(2) })).map((i) => i.rule)).toEqual(['param-dtype']);
    const [issue] = verifyGraph(oneConv({ dtype: 'float32', data: new Uint16Array(2) }));
    expect(issue).toEqual({ rule: 'param-dtype', message: 'param c.weight is declared float32 but holds float16 data' });
  });
  test('param-data: the element count must match the shape', () => {
    expect(verifyGraph(oneConv({ data: new Float32Array(3) })).map((i) => i.rule)).toEqual(['param-data']);
  });
});
