/**
 * Seeded, fast random numbers for weight initialization.
 *
 * - Every parameter gets its own stream, seeded from (seed, state_dict name), so values
 *   do not depend on the order params are visited in (and could be filled in parallel).
 * - Generator: xorshift128 (Marsaglia 2003), 32-bit, state in locals inside the fill loops.
 * - Normals: the Ziggurat method (Marsaglia & Tsang 2000, 128 layers): ~98% of samples
 *   cost one random integer, one compare and one multiply. Box-Muller needs a log, a
 *   sqrt and a sin/cos per pair and was about 5x slower here (bench/micro.mjs; see
 *   BENCHMARKS.md).
 */

const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const M1 = 2147483648.0;

const KN = new Float64Array(128);
/** KN as int32 (all below 2^31), so the hot loop compares integers: |hz| < k  <=>  hz < k && hz > -k. */
const KNI = new Int32Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
(function buildTables(): void {
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / q) * M1);
  KN[1] = 0;
  WN[0] = q / M1;
  WN[127] = dn / M1;
  FN[0] = 1.0;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * M1);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / M1;
  }
  for (let i = 0; i < 128; i++) KNI[i] = Math.min(KN[i]!, 2147483647) | 0;
})();

/** 32-bit FNV-1a of a string, to derive per-parameter seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32: spreads a seed into well-mixed state words. */
function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Generator state: four 32-bit words, never all zero. */
export interface RngState {
  x: number;
  y: number;
  z: number;
  w: number;
}

/** Seeds are mixed as 32-bit words (`seed >>> 0` below): larger or negative ones would repeat another seed's weights. */
export const MAX_SEED = 0xffff_ffff;

/** A seed every value of which gives its own weights: an integer from 0 to MAX_SEED. */
export function isSeed(seed: number): boolean {
  return Number.isSafeInteger(seed) && seed >= 0 && seed <= MAX_SEED;
}

export function rngFor(seed: number, name: string): RngState {
  const sm = splitmix32((seed >>> 0) ^ Math.imul(hashString(name), 0x27d4eb2d));
  const s = { x: sm(), y: sm(), z: sm(), w: sm() };
  if ((s.x | s.y | s.z | s.w) === 0) s.w = 1;
  return s;
}

/** One uniform in [0, 1), advancing the state (slow path helper). */
export function nextUniform(s: RngState): number {
  const t = s.x ^ (s.x << 11);
  s.x = s.y;
  s.y = s.z;
  s.z = s.w;
  s.w = (s.w ^ (s.w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
  return s.w / 4294967296;
}

/**
 * Fill `out` with N(0, std^2) samples. The hot loop keeps the generator in locals and
 * scales a per-call copy of the strip widths by `std`, so a sample costs one xorshift
 * step, one compare and one multiply. The rare slow path (~1.5% of draws: the tail and
 * the wedges) draws from a second stream derived from the same state, so the hot loop
 * never has to spill its state.
 */
export function fillNormal(out: Float32Array, std: number, s: RngState): void {
  const W = new Float64Array(128);
  for (let i = 0; i < 128; i++) W[i] = WN[i]! * std;
  const slow: RngState = { x: s.y ^ 0x5bd1e995, y: s.z, z: s.w ^ 0x27d4eb2d, w: s.x | 1 };
  let x = s.x | 0,
    y = s.y | 0,
    z = s.z | 0,
    w = s.w | 0;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) | 0;
    const iz = w & 127;
    const k = KNI[iz]!;
    if (w < k && w > -k) out[i] = w * W[iz]!;
    else out[i] = normalSlow(w, iz, slow) * std;
  }
  s.x = x >>> 0;
  s.y = y >>> 0;
  s.z = z >>> 0;
  s.w = w >>> 0;
}

function nextInt(s: RngState): number {
  nextUniform(s);
  return s.w | 0;
}

/** The Ziggurat's rare path: the base strip's tail, or a wedge test. */
function normalSlow(hz: number, iz: number, s: RngState): number {
  for (;;) {
    const x = hz * WN[iz]!;
    if (iz === 0) {
      let tx: number, ty: number;
      do {
        tx = -Math.log(1 - nextUniform(s)) / ZIG_R;
        ty = -Math.log(1 - nextUniform(s));
      } while (ty + ty < tx * tx);
      return hz > 0 ? ZIG_R + tx : -ZIG_R - tx;
    }
    if (FN[iz]! + nextUniform(s) * (FN[iz - 1]! - FN[iz]!) < Math.exp(-0.5 * x * x)) return x;
    hz = nextInt(s);
    iz = hz & 127;
    if (Math.abs(hz) < KN[iz]!) return hz * WN[iz]!;
  }
}

/** Fill `out` with uniform samples in [-bound, bound). */
export function fillUniform(out: Float32Array, bound: number, s: RngState): void {
  let x = s.x | 0,
    y = s.y | 0,
    z = s.z | 0,
    w = s.w | 0;
  const scale = (2 * bound) / 4294967296;
  for (let i = 0; i < out.length; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
    out[i] = (w >>> 0) * scale - bound;
  }
  s.x = x >>> 0;
  s.y = y >>> 0;
  s.z = z >>> 0;
  s.w = w >>> 0;
}
