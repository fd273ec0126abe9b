import { describe, expect, test } from 'vitest';
import { toyResidual } from '../../../test/helpers/toyResidual.js';
import { planQuantization } from '../../passes/quantizePlan.js';
import { calibrate } from './calibrate.js';
import { syntheticInputs } from './calibrationSet.js';

describe('calibrate', () => {
  const g = toyResidual();
  const plan = planQuantization(g);
  const src = syntheticInputs(20, [3, 12, 12], 4);

  test('every planned tensor gets a range; outputs are read in slices that fit the memory budget', async () => {
    const r = await calibrate(g, plan.calibrate, src, { memoryBudgetBytes: 40_000 });
    expect([...r.ranges.keys()].sort()).toEqual([...plan.calibrate].sort());
    for (const [t, range] of r.ranges) {
      expect(range.min, t).toBeLessThanOrEqual(range.max);
      if (t.includes('relu')) expect(range.min, t).toBe(0);
    }
    expect(r.samples).toBe(20);
    // one sample's outputs are 8*12*12*4*... bytes; 40 kB holds a couple of samples per run
    expect(r.subBatch).toBeGreaterThanOrEqual(1);
    expect(r.subBatch).toBeLessThan(20);
    expect(r.runs).toBe(1 + Math.ceil(19 / r.subBatch));
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the graph input keeps its observed range under every method; inner tensors are clipped by percentile', async () => {
    const mm = await calibrate(g, plan.calibrate, src, { method: 'minmax' });
    for (const method of ['percentile', 'entropy'] as const) {
      const r = await calibrate(g, plan.calibrate, src, { method, percentile: 99 });
      expect(r.ranges.get('input'), method).toEqual(mm.ranges.get('input'));
    }
    const p = await calibrate(g, plan.calibrate, src, { method: 'percentile', percentile: 99 });
    expect(p.ranges.get('block.conv2')!.max).toBeLessThan(mm.ranges.get('block.conv2')!.max);
  });
});
