import { describe, expect, test } from 'vitest';
import { ZOO } from './zoo/index.js';
import { compile } from './compile.js';
import { checkFolding, FLOAT16_TOLERANCE } from './checkFolding.js';

describe('checkFolding', () => {
  const def = ZOO.get('cifar_resnet20')!;
  test('seeded weights: BatchNorm statistics randomized in both graphs, folded vs unfolded agree, the compile is reused when it can be', async () => {
    const c = compile(def, { seed: 3, randomizeBatchNorm: true });
    const r = await checkFolding(def, { seed: 3, randomizeBatchNorm: true }, { compiled: c });
    expect(r.randomized).toBe(true);
    expect(r.candidate).toBe(c);
    expect(r.result.passed).toBe(true);
    expect(r.result.maxRel).toBeGreaterThan(0); // a real fold, not the identity
    expect(r.result.maxRel).toBeLessThan(1e-5);
  });
  test('without randomization asked, a compile of seeded weights is not reused (its BatchNorm is the identity)', async () => {
    const c = compile(def, { seed: 3 });
    const r = await checkFolding(def, { seed: 3 }, { compiled: c });
    expect(r.randomized).toBe(true);
    expect(r.candidate).not.toBe(c);
    expect(r.result.passed).toBe(true);
  });
  test('float16 is checked against the float32 reference at its own tolerance', async () => {
    const r = await checkFolding(def, { seed: 1, dtype: 'float16' });
    expect(r.result.tolerance).toBe(FLOAT16_TOLERANCE);
    expect(r.result.passed).toBe(true);
    expect(r.result.maxRel).toBeGreaterThan(1e-5);
  });
});
