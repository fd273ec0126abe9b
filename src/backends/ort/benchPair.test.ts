import { describe, expect, test } from 'vitest';
import { pairSessionOptions } from './benchPair.js';
import { ortSessionOptions } from './session.js';

describe('benchPair session options', () => {
  test('both sessions run with intra-op spinning off, optimizations on', () => {
    const o = ortSessionOptions(pairSessionOptions({}));
    expect(o.extra).toEqual({ 'session.intra_op.allow_spinning': '0' });
    expect(o.graphOptimizationLevel).toBe('all');
    expect(o.intraOpNumThreads).toBeUndefined();
  });
  test('the thread count is passed through', () => {
    expect(ortSessionOptions(pairSessionOptions({ intraOpNumThreads: 1 })).intraOpNumThreads).toBe(1);
  });
});
