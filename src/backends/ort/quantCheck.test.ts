import { describe, expect, test } from 'vitest';
import { buildGraph } from '../../dsl/builder.js';
import { conv2d } from '../../dsl/layers.js';
import { initParams } from '../../passes/initParams.js';
import type { Graph } from '../../ir/types.js';
import { checkQuantized } from './quantCheck.js';
import { syntheticInputs } from './calibrationSet.js';

/** Two outputs from two convs of the input; `skew` scales the second conv's weights. */
function twoOutputs(skew: number): Graph {
  const g = initParams(
    buildGraph({ name: 'two', input: [3, 8, 8] }, (x) => ({
      first: conv2d(x, { name: 'a', outChannels: 4, kernel: 3, padding: 1 }),
      second: conv2d(x, { name: 'b', outChannels: 4, kernel: 3, padding: 1 }),
    })),
    5,
  );
  if (skew === 1) return g;
  const params = new Map(g.params);
  const w = params.get('b.weight')!;
  params.set('b.weight', { ...w, data: (w.data as Float32Array).map((v) => v * skew) });
  return { ...g, params };
}

describe('checkQuantized', () => {
  test('judges every output: a difference in the second output alone lowers the SQNR', async () => {
    const inputs = syntheticInputs(4, [3, 8, 8], 1);
    const same = await checkQuantized(twoOutputs(1), twoOutputs(1), inputs);
    expect(same.sqnrDb).toBe(Infinity);
    // the first output is identical; only looking at it would report Infinity again
    const r = await checkQuantized(twoOutputs(1), twoOutputs(1.5), inputs);
    expect(r.sqnrDb).toBeLessThan(20);
    expect(r.passed).toBe(false);
  });
});
