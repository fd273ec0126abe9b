/**
 * IEEE 754 binary16 ("half") <-> binary32 conversion on bit patterns (Node 20 has no
 * Float16Array or Math.f16round). Used by the to-float16 pass for parameters and by the
 * ONNX writer for float16 constants.
 *
 * float32 -> float16 rules (the same as numpy's astype(np.float16)):
 * 1. Round to nearest, ties to even, on the 10 stored mantissa bits.
 * 2. |x| >= 65520 (half-way past the largest half, 65504) becomes +-inf; rounding carries
 *    into the exponent naturally, so 65519.99 stays 65504.
 * 3. Results below 2^-14 are subnormal halves (steps of 2^-24); |x| <= 2^-25 rounds to +-0
 *    (2^-25 itself is a tie and goes to the even 0).
 * 4. +-0, +-inf keep their sign; NaN stays NaN (quiet, top payload bits kept).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `x` (after rounding `x` to float32). */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  const e = exp - 127 + 15; // the half's biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below 2^-25: rounds to zero
    const m = mant | 0x800000; // restore the implicit 1
    const shift = 14 - e; // 13 dropped bits plus the distance below the smallest normal
    const kept = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    // A carry out of the subnormal range gives 0x0400, the smallest normal: correct.
    return sign | (rest > halfway || (rest === halfway && (kept & 1) === 1) ? kept + 1 : kept);
  }
  const kept = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent; out of e=30 it gives 0x7c00 (inf): correct.
  return sign | (rest > 0x1000 || (rest === 0x1000 && (kept & 1) === 1) ? kept + 1 : kept);
}

/** The number a float16 bit pattern holds (exact: every half is a float32). */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toFloat16Bits(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float32ToFloat16Bits(src[i]!);
  return out;
}

export function fromFloat16Bits(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float16BitsToFloat32(src[i]!);
  return out;
}

/** The largest finite float16, 65504. */
export const FLOAT16_MAX = 65504;
