/**
 * Streaming range statistics of one tensor over a calibration set, in bounded memory:
 * each batch's values are folded into a running min/max and, for the histogram methods, a
 * fixed-size histogram of |x|; no activation is kept. `range()` then gives the [min, max]
 * the quantize pass maps onto the integer type.
 *
 * Methods (onnxruntime's calibrate.py offers the same three: MinMax, Percentile, Entropy):
 * - minmax: the smallest and largest value seen.
 * - percentile p (default 99.999, onnxruntime's default): t = the upper edge of the first
 *   |x| histogram bin where the cumulative share reaches p / 100; range
 *   [max(min, -t), min(max, t)]. Like onnxruntime's symmetric percentile calibrator, on |x|
 *   and clamped to the observed range (so a Relu output keeps min 0).
 * - entropy: the threshold t that minimizes the KL divergence between the |x| distribution
 *   clipped at t and its quantized version (Migacz, "8-bit Inference with TensorRT", GTC
 *   2017, which onnxruntime's entropy calibrator cites): for each candidate i >= L bins,
 *   P = bins [0, i) with the mass beyond folded into bin i-1, Q = bins [0, i) merged into
 *   L levels and spread back over the nonzero bins, both smoothed (zeros get 1e-4 of the
 *   mass); t = i bin widths for the smallest KL(P || Q). L = 256 levels for a tensor that is
 *   never negative (an unsigned Relu output), 128 otherwise. Range clamped as for percentile.
 *
 * The histogram: BINS = 2048 bins of the nonzero |x| over [0, top], top set by the first
 * nonzero batch; a larger |x| later doubles top (adjacent bins merge in pairs) until it fits,
 * so the memory per tensor is fixed and the result does not depend on how the set was split
 * into batches beyond that resolution. Exact zeros (half of every Relu output) are counted
 * apart: percentile counts them as values, entropy leaves them out, since 0 quantizes
 * exactly at any threshold; kept in, their spike in the first bin made the KL search clip
 * Relu outputs at a third of their range and cost the 8x8 digits model 21 points of top-1.
 */
import type { TensorRange } from '../../passes/quantize.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

export const BINS = 2048;
export const DEFAULT_PERCENTILE = 99.999;
const SMOOTH = 1e-4;

export interface RangeOptions {
  readonly method?: CalibrationMethod;
  /** For 'percentile': the share of |x| to keep, in (0, 100]. Default 99.999. */
  readonly percentile?: number;
}

export interface RangeStats {
  min: number;
  max: number;
  count: number;
  /** Values exactly 0 (half of a Relu output, typically): kept out of the histogram. */
  zeros: number;
  /** Histogram of the nonzero |x| over [0, top] (histogram methods only). */
  readonly hist?: Float64Array;
  top: number;
}

export function newStats(method: CalibrationMethod = 'minmax'): RangeStats {
  return { min: Infinity, max: -Infinity, count: 0, zeros: 0, top: 0, ...(method === 'minmax' ? {} : { hist: new Float64Array(BINS) }) };
}

/** Merge adjacent bins in pairs: the same histogram over [0, 2 top]. */
function doubleRange(s: RangeStats): void {
  const h = s.hist!;
  for (let i = 0; i < BINS / 2; i++) h[i] = h[2 * i]! + h[2 * i + 1]!;
  h.fill(0, BINS / 2);
  s.top *= 2;
}

/** Fold one batch of values into the statistics. Non-finite values are the caller's to refuse. */
export function addValues(s: RangeStats, x: Float32Array): void {
  let lo = s.min;
  let hi = s.max;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  s.min = lo;
  s.max = hi;
  s.count += x.length;
  const h = s.hist;
  if (h === undefined || x.length === 0) return;
  const amax = Math.max(Math.abs(lo), Math.abs(hi));
  if (amax === 0) {
    s.zeros += x.length;
    return;
  }
  if (s.top === 0) s.top = amax;
  while (amax > s.top) doubleRange(s);
  const k = BINS / s.top;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === 0) {
      s.zeros++;
      continue;
    }
    const b = Math.floor(Math.abs(x[i]!) * k);
    const j = b >= BINS ? BINS - 1 : b;
    h[j] = h[j]! + 1;
  }
}

function clampRange(s: RangeStats, t: number): TensorRange {
  return { min: Math.max(s.min, -t), max: Math.min(s.max, t) };
}

export function percentileThreshold(s: RangeStats, percentile: number): number {
  const h = s.hist!;
  let total = s.zeros;
  for (let i = 0; i < BINS; i++) total += h[i]!;
  const want = (percentile / 100) * total;
  let acc = s.zeros;
  for (let i = 0; i < BINS; i++) {
    acc += h[i]!;
    if (acc >= want) return ((i + 1) * s.top) / BINS;
  }
  return s.top;
}

/**
 * Give every empty bin SMOOTH counts, taken evenly from the others, so KL(P || Q) stays finite
 * (onnxruntime's smooth_distribution). It works on raw counts, before normalizing: on
 * probabilities, SMOOTH can exceed a small bin's mass and push it below zero.
 * Undefined if every bin is empty.
 */
function smoothCounts(p: Float64Array): Float64Array | undefined {
  let zeros = 0;
  for (const v of p) if (v === 0) zeros++;
  const nonzeros = p.length - zeros;
  if (nonzeros === 0) return undefined;
  const take = (SMOOTH * zeros) / nonzeros;
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] === 0 ? SMOOTH : p[i]! - take;
  return out;
}

function normalize(p: Float64Array): Float64Array {
  let sum = 0;
  for (const v of p) sum += v;
  if (sum > 0) for (let i = 0; i < p.length; i++) p[i] = p[i]! / sum;
  return p;
}

function kl(p: Float64Array, q: Float64Array): number {
  let d = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) d += p[i]! * Math.log(p[i]! / q[i]!);
  return d;
}

/** The 128 (signed) or 256 (non-negative) quantization levels of a tensor's histogram. */
function levelsOf(s: RangeStats): number {
  return s.min >= 0 ? 256 : 128;
}

/**
 * KL(P || Q) for clipping the |x| histogram `h` after its first `i` bins: P is the clipped
 * histogram (the outliers added to its last bin), Q its quantization to `levels` levels, each
 * level's mass spread over the bins where P is non-zero. Both smoothed as counts, then
 * normalized. Infinity where either has no mass.
 */
export function clippingKl(h: Float64Array | readonly number[], i: number, levels: number): number {
  const p = new Float64Array(i);
  let outliers = 0;
  for (let k = 0; k < h.length; k++) {
    if (k < i) p[k] = h[k]!;
    else outliers += h[k]!;
  }
  p[i - 1] = p[i - 1]! + outliers;
  const q = new Float64Array(i);
  for (let j = 0; j < levels; j++) {
    const start = Math.floor((j * i) / levels);
    const end = Math.floor(((j + 1) * i) / levels);
    let mass = 0;
    let nonzero = 0;
    for (let k = start; k < end; k++) {
      mass += h[k]!;
      if (p[k] !== 0) nonzero++;
    }
    if (nonzero > 0) for (let k = start; k < end; k++) if (p[k] !== 0) q[k] = mass / nonzero;
  }
  const ps = smoothCounts(p);
  const qs = smoothCounts(q);
  return ps === undefined || qs === undefined ? Infinity : kl(normalize(ps), normalize(qs));
}

export function entropyThreshold(s: RangeStats): number {
  const h = s.hist!;
  const levels = levelsOf(s);
  let last = BINS;
  while (last > 0 && h[last - 1] === 0) last--;
  if (last <= levels) return (last * s.top) / BINS || s.top;
  let best = last;
  let bestKl = Infinity;
  for (let i = levels; i <= last; i++) {
    const d = clippingKl(h, i, levels);
    if (d < bestKl) {
      bestKl = d;
      best = i;
    }
  }
  return (best * s.top) / BINS;
}

/** The range a method gives from collected statistics. */
export function rangeOf(s: RangeStats, o: RangeOptions = {}): TensorRange {
  const method = o.method ?? 'minmax';
  if (s.count === 0) return { min: 0, max: 0 };
  if (method === 'minmax' || s.hist === undefined || s.top === 0) return { min: s.min, max: s.max };
  if (method === 'percentile') return clampRange(s, percentileThreshold(s, o.percentile ?? DEFAULT_PERCENTILE));
  return clampRange(s, entropyThreshold(s));
}
