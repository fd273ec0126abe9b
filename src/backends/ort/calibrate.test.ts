import { describe, expect, test } from 'vitest';
import { toyResidual } from '../../../test/helpers/toyResidual.js';
import { planQuantization } from '../../passes/quantizePlan.js';
import { calibrate } from './calibrate.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillNormal, rngFor } from '../../ir/random.js';
import { writeNpy } from '../../weights/npy.js';
import { openInputFiles, syntheticInputs } from './calibrationSet.js';

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

  test('a symbolic model calibrated on files of two sizes measures its slice again for the larger samples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netforge-calib-'));
    const write = (name: string, shape: number[], seed: number): string => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      fillNormal(data, 1, rngFor(seed, name));
      writeNpy(join(dir, name), 'float32', shape, new Uint8Array(data.buffer));
      return join(dir, name);
    };
    const small = write('small.npy', [12, 3, 8, 8], 1);
    const large = write('large.npy', [12, 3, 64, 64], 2);
    const sym = toyResidual({ symbolic: true });
    const planned = planQuantization(sym);
    const source = openInputFiles([small, large], sym.values.get(sym.inputs[0]!)!.shape);
    // 8x8 samples: the budget holds ~6 a run; 64x64 samples are 64 times larger: one a run
    const budget = 6 * 8 * 8 * 8 * 4 * 6;
    const r = await calibrate(sym, planned.calibrate, source, { memoryBudgetBytes: budget });
    expect(r.samples).toBe(24);
    expect(r.subBatch).toBe(1);
    // small: 1 measuring run + ceil(11 / k); large: 1 measuring run + 11 single runs
    expect(r.runs).toBeGreaterThanOrEqual(12 + 2);
    expect(r.runs).toBeLessThanOrEqual(12 + 12);
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
