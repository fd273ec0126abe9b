/**
 * Quantization arithmetic: integer ranges, scale and zero point from a real range, and
 * quantizing weights and biases. What onnxruntime's quantization tool computes and what
 * ONNX's QuantizeLinear defines, reimplemented from their documentation:
 *
 * - onnxruntime, "Quantize ONNX Models" (onnxruntime.ai/docs/performance/model-optimizations/
 *   quantization.html): real = scale * (q - zero_point); asymmetric
 *   scale = (rmax - rmin) / (qmax - qmin); symmetric scale = max(|rmax|, |rmin|) * 2 / (qmax - qmin);
 *   zero must be exactly representable.
 * - onnxruntime's quant_utils.py (compute_scale_zp, get_qmin_qmax_for_qType) for the details
 *   the page leaves out, listed as rules below.
 * - ONNX QuantizeLinear: y = saturate(round(x / y_scale) + y_zero_point), rounding half to
 *   even, saturating to the type's range; DequantizeLinear: y = (x - x_zero_point) * x_scale.
 *
 * Rules:
 * 1. Ranges [qmin, qmax]: uint8 [0, 255], int8 [-128, 127]; symmetric int8 [-127, 127]
 *    (symmetric uint8 stays [0, 255], as in get_qmin_qmax_for_qType); reduce-range (7 bits, for U8S8 on x86 without VNNI)
 *    uint8 [0, 127], int8 [-64, 64], taking precedence over symmetric.
 * 2. The real range is first widened to include 0: rmin = min(rmin, 0), rmax = max(rmax, 0).
 *    Symmetric: rmin = -a, rmax = a with a = max(|rmin|, |rmax|).
 * 3. scale = (rmax - rmin) / (qmax - qmin), the difference taken in float32 and the quotient
 *    in float64, stored as float32. A scale below the smallest normal float32 (an all-zero
 *    range) becomes scale 1, zero point 0.
 * 4. zero point = round_half_even(qmin - rmin / scale) with the float64 scale; symmetric:
 *    round_half_even((qmin + qmax) / 2), i.e. 0 for int8, 128 for uint8.
 * 5. Quantizing x: saturate(round_half_even(x / scale) + zero point) to the type's full range,
 *    x / scale divided in float32.
 * 6. Weights: int8, symmetric, per output channel (axis 0) by default, so channel c's scale
 *    is max|w_c| / 127 (max|w_c| / 64 with reduce-range), zero point 0.
 * 7. Biases: int32, zero point 0, scale_c = input scale * weight scale_c (float32 product,
 *    what QLinearConv and QGemm assume), q = round_half_even(b / scale_c) saturated to int32.
 */
import type { Param, Quantization, QuantDType } from './types.js';

export type Int8DType = 'int8' | 'uint8';

export interface QuantRange {
  readonly qmin: number;
  readonly qmax: number;
}

/** The full value range of an integer type (what QuantizeLinear saturates to). */
export const TYPE_RANGE: Readonly<Record<QuantDType, QuantRange>> = {
  int8: { qmin: -128, qmax: 127 },
  uint8: { qmin: 0, qmax: 255 },
  int32: { qmin: -2147483648, qmax: 2147483647 },
};

/** Rule 1. */
export function quantRange(dtype: Int8DType, o: { readonly symmetric?: boolean; readonly reduceRange?: boolean } = {}): QuantRange {
  if (o.reduceRange) return dtype === 'int8' ? { qmin: -64, qmax: 64 } : { qmin: 0, qmax: 127 };
  if (o.symmetric && dtype === 'int8') return { qmin: -127, qmax: 127 };
  return TYPE_RANGE[dtype];
}

/** Round to the nearest integer, ties to the even one (numpy.round, ONNX's QuantizeLinear). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +infinity
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The smallest normal float32, numpy.finfo(float32).tiny. */
const FLOAT32_TINY = 2 ** -126;

export interface ScaleZeroPoint {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** Rules 2-4: scale and zero point mapping [rmin, rmax] onto [qmin, qmax]. */
export function scaleZeroPoint(rmin: number, rmax: number, r: QuantRange, symmetric = false): ScaleZeroPoint {
  let lo = Math.fround(Math.min(rmin, 0));
  let hi = Math.fround(Math.max(rmax, 0));
  if (symmetric) {
    const a = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -a;
    hi = a;
  }
  const scale = Math.fround(hi - lo) / (r.qmax - r.qmin);
  if (!(scale >= FLOAT32_TINY)) return { scale: 1, zeroPoint: 0 };
  const zeroPoint = symmetric ? roundHalfEven((r.qmin + r.qmax) / 2) : roundHalfEven(r.qmin - lo / scale);
  return { scale: Math.fround(scale), zeroPoint };
}

/** Rule 5 for one value. */
export function quantizeValue(x: number, scale: number, zeroPoint: number, dtype: QuantDType): number {
  const { qmin, qmax } = TYPE_RANGE[dtype];
  const q = roundHalfEven(Math.fround(x / scale)) + zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/** (q - zeroPoint) * scale, as DequantizeLinear computes it (float32). */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround((q - zeroPoint) * scale);
}

export interface QuantizedWeight {
  readonly data: Int8Array;
  readonly quant: Quantization;
}

/** Rule 6: int8 symmetric weights, one scale per slice along axis 0 (per channel) or one for all. */
export function quantizeWeight(w: Float32Array, shape: readonly number[], o: { readonly perChannel?: boolean; readonly reduceRange?: boolean } = {}): QuantizedWeight {
  const perChannel = o.perChannel ?? true;
  const range = quantRange('int8', { symmetric: true, reduceRange: o.reduceRange ?? false });
  const channels = perChannel ? (shape[0] ?? 1) : 1;
  const per = channels === 0 ? 0 : w.length / channels;
  const data = new Int8Array(w.length);
  const scale: number[] = [];
  const zeroPoint: number[] = [];
  for (let c = 0; c < channels; c++) {
    let lo = 0;
    let hi = 0;
    for (let i = c * per; i < (c + 1) * per; i++) {
      const v = w[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const sz = scaleZeroPoint(lo, hi, range, true);
    scale.push(sz.scale);
    zeroPoint.push(sz.zeroPoint);
    // quantizeValue inlined (25M calls for resnet50): float32 quotient, ties to even, saturate
    const s = sz.scale;
    for (let i = c * per; i < (c + 1) * per; i++) {
      const x = Math.fround(w[i]! / s);
      let q = Math.round(x);
      if (q - x === 0.5 && (q & 1) !== 0) q -= 1;
      data[i] = q < -128 ? -128 : q > 127 ? 127 : q;
    }
  }
  return { data, quant: perChannel ? { scale, zeroPoint, axis: 0 } : { scale, zeroPoint } };
}

export interface QuantizedBias {
  readonly data: Int32Array;
  readonly quant: Quantization;
  /** How many values did not fit int32 and were saturated. */
  readonly saturated: number;
}

/**
 * int32 params holding a value at int32's bounds: biases rule 7 saturated (a bias that fits
 * lands there only by a one-in-2^31 chance), with how many values each.
 */
export function saturatedInt32(params: Iterable<Pick<Param, 'name' | 'dtype' | 'data'>>): { readonly name: string; readonly values: number }[] {
  const { qmin, qmax } = TYPE_RANGE.int32;
  const out: { name: string; values: number }[] = [];
  for (const p of params) {
    if (p.dtype !== 'int32' || !(p.data instanceof Int32Array)) continue;
    let values = 0;
    for (const v of p.data) if (v === qmin || v === qmax) values++;
    if (values > 0) out.push({ name: p.name, values });
  }
  return out;
}

/** Rule 7. `weight` is the quantization of the weight the bias goes with. */
export function quantizeBias(b: Float32Array, inputScale: number, weight: Quantization): QuantizedBias {
  const perChannel = weight.axis !== undefined;
  const scale = weight.scale.map((s) => Math.fround(inputScale * s));
  const data = new Int32Array(b.length);
  let saturated = 0;
  const { qmin, qmax } = TYPE_RANGE.int32;
  for (let i = 0; i < b.length; i++) {
    const s = scale[perChannel ? i : 0]!;
    const q = roundHalfEven(Math.fround(b[i]! / s));
    if (q < qmin || q > qmax) saturated++;
    data[i] = q < qmin ? qmin : q > qmax ? qmax : q;
  }
  const zeroPoint = scale.map(() => 0);
  return { data, quant: perChannel ? { scale, zeroPoint, axis: 0 } : { scale, zeroPoint }, saturated };
}

/** Activation parameters from a calibrated range: asymmetric over the type's full range (rules 1-4). */
export function activationQuant(rmin: number, rmax: number, dtype: Int8DType): Quantization {
  const sz = scaleZeroPoint(rmin, rmax, quantRange(dtype));
  return { scale: [sz.scale], zeroPoint: [sz.zeroPoint] };
}

/** Bytes a tensor of `dtype` takes per element. */
export function quantBytes(dtype: QuantDType): number {
  return dtype === 'int32' ? 4 : 1;
}
