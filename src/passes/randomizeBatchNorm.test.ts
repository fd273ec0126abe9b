import { describe, expect, test } from 'vitest';
import type { Graph } from '../ir/types.js';
import { buildGraph } from '../dsl/builder.js';
import { batchNorm2d, conv2d } from '../dsl/layers.js';
import { initParams } from './initParams.js';
import { RANDOMIZED_BATCHNORM_META, randomizeBatchNorm } from './randomizeBatchNorm.js';

const C = 20_000;
const graph = (): Graph => initParams(buildGraph({ name: 'bn', input: [2, 1, 1] }, (x) => batchNorm2d(conv2d(x, { name: 'conv', outChannels: C, kernel: 1 }), { name: 'bn' })), 0);
const arr = (g: Graph, k: string): Float32Array => g.params.get(`bn.${k}`)!.data as Float32Array;

function stats(a: Float32Array): { min: number; max: number; mean: number; std: number } {
  let min = Infinity, max = -Infinity, s = 0, s2 = 0;
  for (const v of a) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    s += v;
    s2 += v * v;
  }
  const mean = s / a.length;
  return { min, max, mean, std: Math.sqrt(s2 / a.length - mean * mean) };
}

describe('randomize-batchnorm', () => {
  test('gamma ~ U(0.5, 1.5), beta ~ N(0, 0.1), mean ~ N(0, 0.1), var ~ U(0.5, 2)', () => {
    const g = randomizeBatchNorm(graph(), 3);
    const gamma = stats(arr(g, 'weight'));
    expect(gamma.min).toBeGreaterThanOrEqual(0.5);
    expect(gamma.max).toBeLessThan(1.5);
    expect(gamma.mean).toBeCloseTo(1, 1);
    const v = stats(arr(g, 'running_var'));
    expect(v.min).toBeGreaterThanOrEqual(0.5);
    expect(v.max).toBeLessThan(2);
    expect(v.mean).toBeCloseTo(1.25, 1);
    expect(v.max - v.min).toBeGreaterThan(1.4);
    for (const k of ['bias', 'running_mean']) {
      const s = stats(arr(g, k));
      expect(Math.abs(s.mean)).toBeLessThan(0.005);
      expect(Math.abs(s.std - 0.1)).toBeLessThan(0.005);
    }
  });

  test('seeded: same seed same values, another seed other values; conv untouched; input not mutated', () => {
    const g = graph();
    const copy = Float32Array.from(arr(g, 'weight'));
    const a = randomizeBatchNorm(g, 1);
    const b = randomizeBatchNorm(graph(), 1);
    const c = randomizeBatchNorm(g, 2);
    expect(arr(a, 'running_var')).toEqual(arr(b, 'running_var'));
    expect(arr(a, 'running_var')).not.toEqual(arr(c, 'running_var'));
    expect(a.params.get('conv.weight')).toBe(g.params.get('conv.weight'));
    expect(arr(g, 'weight')).toEqual(copy);
    expect(a.meta.get(RANDOMIZED_BATCHNORM_META)).toBe('1');
  });

  test('idempotent for one seed; a graph without BatchNorm is returned as is', () => {
    const a = randomizeBatchNorm(graph(), 1);
    expect(randomizeBatchNorm(a, 1)).toBe(a);
    expect(randomizeBatchNorm(a, 2)).not.toBe(a);
    const none = buildGraph({ name: 'n', input: [2, 1, 1] }, (x) => conv2d(x, { name: 'conv', outChannels: 2, kernel: 1 }));
    expect(randomizeBatchNorm(none, 1)).toBe(none);
  });
});
