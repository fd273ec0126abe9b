import { describe, expect, test } from 'vitest';
import type { Graph } from '../../ir/types.js';
import { buildGraph } from '../../dsl/builder.js';
import { batchNorm2d, conv2d, flatten, linear, relu } from '../../dsl/layers.js';
import { initParams } from '../../passes/initParams.js';
import { randomizeBatchNorm } from '../../passes/randomizeBatchNorm.js';
import { foldBatchNorm } from '../../passes/foldBatchNorm.js';
import { NetforgeError } from '../../errors.js';
import { assertCheckPassed, compareGraphs, formatCompare, outputDiff, seededInput } from './compare.js';

const f = (xs: number[]): Float32Array => Float32Array.from(xs);

function small(): Graph {
  const g = buildGraph({ name: 'small', input: [3, 8, 8] }, (x) => {
    const y = relu(batchNorm2d(conv2d(x, { name: 'conv', outChannels: 4, kernel: 3, padding: 1, bias: false }), { name: 'bn' }));
    return linear(flatten(y), { name: 'fc', outFeatures: 3 });
  });
  return randomizeBatchNorm(initParams(g, 0), 0);
}

describe('outputDiff', () => {
  test('max abs = max|a-b|; max rel = max|a-b| / max|a| (not element-wise)', () => {
    const d = outputDiff(f([10, -20, 0.001]), f([10.5, -20, 0.002]));
    expect(d.maxAbs).toBeCloseTo(0.5, 6);
    expect(d.refMaxAbs).toBe(20);
    expect(d.maxRel).toBeCloseTo(0.025, 6);
  });
  test('identical outputs give 0; zero reference with a difference gives Infinity; NaN never passes', () => {
    expect(outputDiff(f([1, 2]), f([1, 2]))).toEqual({ maxAbs: 0, maxRel: 0, refMaxAbs: 2 });
    expect(outputDiff(f([0, 0]), f([0, 1])).maxRel).toBe(Infinity);
    expect(outputDiff(f([1, 2]), f([NaN, 2])).maxRel).toBeNaN();
    expect(outputDiff(f([1, 2, 3]), f([NaN, 2, 4])).maxRel).toBeNaN();
  });
});

describe('compareGraphs (onnxruntime)', () => {
  test('folded vs unfolded agree; the input is seeded', async () => {
    const g = small();
    const r = await compareGraphs(g, foldBatchNorm(g), { seed: 4 });
    expect(r.passed).toBe(true);
    expect(r.inputDims).toEqual([2, 3, 8, 8]);
    expect(r.outputDims).toEqual([2, 3]);
    expect(r.refMaxAbs).toBeGreaterThan(0);
    expect(r.maxRel).toBeLessThan(1e-5);
    expect(() => assertCheckPassed(r, 'small')).not.toThrow();
    expect(formatCompare(r)).toMatch(/max rel .*tolerance 1\.00e-5: ok/);
    expect(seededInput(g, 2, 4).data).toEqual(seededInput(g, 2, 4).data);
    expect(seededInput(g, 2, 4).data).not.toEqual(seededInput(g, 2, 5).data);
  });

  test('a wrong candidate fails with E_CHECK_FAILED', async () => {
    const g = small();
    const folded = foldBatchNorm(g);
    // Drop beta from the folded bias: the mistake a broken fold would make.
    const bias = Float32Array.from(folded.params.get('conv.bias')!.data as Float32Array);
    const beta = g.params.get('bn.bias')!.data as Float32Array;
    for (let c = 0; c < bias.length; c++) bias[c] = bias[c]! - beta[c]!;
    const params = new Map(folded.params);
    params.set('conv.bias', { ...params.get('conv.bias')!, data: bias });
    const r = await compareGraphs(g, { ...folded, params });
    expect(r.passed).toBe(false);
    let err: unknown;
    try {
      assertCheckPassed(r, 'small');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetforgeError);
    expect((err as NetforgeError).code).toBe('E_CHECK_FAILED');
    expect((err as NetforgeError).exitCode).toBe(1);
  });
});
