/** How far an output is from a reference, as the parity suites report it. */
import { expect } from 'vitest';

/** max |a - b| and max |b| over two arrays of the same length (a NaN in a makes maxAbs NaN). */
export function maxDiff(a: Float32Array, b: Float32Array): { maxAbs: number; maxRef: number } {
  expect(a.length).toBe(b.length);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= maxAbs)) maxAbs = d; // NaN sticks
    maxRef = Math.max(maxRef, Math.abs(b[i]!));
  }
  return { maxAbs, maxRef };
}

/** max |a - b| / max |b|; fails when the reference is all zeros (no signal to compare). */
export function relError(a: Float32Array, b: Float32Array): number {
  const { maxAbs, maxRef } = maxDiff(a, b);
  expect(maxRef).toBeGreaterThan(0);
  return maxAbs / maxRef;
}
