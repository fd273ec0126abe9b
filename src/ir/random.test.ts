import { describe, expect, test } from 'vitest';
import { MAX_SEED, fillNormal, fillUniform, isSeed, rngFor } from './random.js';

function moments(a: Float32Array): { mean: number; std: number; kurt: number; tail3: number } {
  let m = 0;
  for (const v of a) m += v;
  m /= a.length;
  let v2 = 0,
    v4 = 0,
    t = 0;
  for (const v of a) {
    const d = v - m;
    v2 += d * d;
    v4 += d * d * d * d;
    if (Math.abs(v) > 3) t++;
  }
  v2 /= a.length;
  v4 /= a.length;
  return { mean: m, std: Math.sqrt(v2), kurt: v4 / (v2 * v2), tail3: t / a.length };
}

describe('seeded normal sampler (Ziggurat)', () => {
  test('has the moments and tails of N(0, 1)', () => {
    const a = new Float32Array(2_000_000);
    fillNormal(a, 1, rngFor(0, 'w'));
    const s = moments(a);
    expect(Math.abs(s.mean)).toBeLessThan(0.005);
    expect(Math.abs(s.std - 1)).toBeLessThan(0.005);
    expect(Math.abs(s.kurt - 3)).toBeLessThan(0.05);
    // P(|z| > 3) = 0.0026998
    expect(Math.abs(s.tail3 - 0.0027)).toBeLessThan(0.0003);
  });
  test('the CDF matches at several points (Kolmogorov-Smirnov style bound)', () => {
    const a = new Float32Array(200_000);
    fillNormal(a, 1, rngFor(7, 'x'));
    const sorted = Float64Array.from(a).sort();
    const phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
    let d = 0;
    for (let i = 0; i < sorted.length; i += 97) d = Math.max(d, Math.abs((i + 0.5) / sorted.length - phi(sorted[i]!)));
    expect(d).toBeLessThan(0.006);
  });
  test('scales by std', () => {
    const a = new Float32Array(500_000);
    fillNormal(a, 0.05, rngFor(1, 'y'));
    expect(Math.abs(moments(a).std - 0.05)).toBeLessThan(0.0005);
  });
  test('is deterministic per (seed, name) and differs across them', () => {
    const f = (seed: number, name: string): Float32Array => {
      const a = new Float32Array(64);
      fillNormal(a, 1, rngFor(seed, name));
      return a;
    };
    expect(f(3, 'conv1.weight')).toEqual(f(3, 'conv1.weight'));
    expect(f(3, 'conv1.weight')).not.toEqual(f(4, 'conv1.weight'));
    expect(f(3, 'conv1.weight')).not.toEqual(f(3, 'conv2.weight'));
  });
});

describe('uniform sampler', () => {
  test('stays in [-b, b) with the right mean and variance', () => {
    const a = new Float32Array(1_000_000);
    fillUniform(a, 0.25, rngFor(0, 'u'));
    let lo = Infinity,
      hi = -Infinity;
    for (const v of a) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(-0.25);
    expect(hi).toBeLessThan(0.25);
    const s = moments(a);
    expect(Math.abs(s.mean)).toBeLessThan(0.001);
    expect(Math.abs(s.std - 0.25 / Math.sqrt(3))).toBeLessThan(0.001);
  });
});

/** Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  x = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}

describe('isSeed', () => {
  test('integers from 0 to MAX_SEED (2^32 - 1), nothing else', () => {
    expect([0, 1, MAX_SEED].map(isSeed)).toEqual([true, true, true]);
    expect([-1, MAX_SEED + 1, 1.5, Number.NaN].map(isSeed)).toEqual([false, false, false, false]);
  });
});
