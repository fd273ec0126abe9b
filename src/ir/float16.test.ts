import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FLOAT16_MAX, float16BitsToFloat32, float32ToFloat16Bits, fromFloat16Bits, toFloat16Bits } from './float16.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (b: number): number => {
  u32[0] = b >>> 0;
  return f32[0]!;
};

describe('float32 -> float16 bits', () => {
  // [input, expected half bits]; expectations from the IEEE 754 binary16 layout.
  const cases: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [1 / 3, 0x3555], // 0.333251953125, the nearest half
    [65504, 0x7bff], // largest finite half
    [65519, 0x7bff], // below the half-way point 65520: stays finite
    [65520, 0x7c00], // the tie rounds to even, which is the (overflowed) inf
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie between 0 and 2^-24: to even (0)
    [1.5 * 2 ** -25, 0x0001], // above the tie
    [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps: to even (2)
    [5 * 2 ** -25, 0x0002], // tie between 2 and 3: to even (2)
    [2 ** -26, 0x0000],
    [-(2 ** -24), 0x8001],
    [(1023 / 1024) * 2 ** -14, 0x03ff], // largest subnormal
    [(2047 / 2048) * 2 ** -14, 0x0400], // rounds up out of the subnormal range
    [1 + 2 ** -11, 0x3c00], // tie at 1 + half an ulp: to even (1)
    [1 + 3 * 2 ** -11, 0x3c02], // tie at 1 + 1.5 ulp: to even (1 + 2 ulp)
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
    [2047.5, 0x6800], // ulp is 1 in [1024, 2048): a tie between 2047 (odd) and 2048 (even)
    [2046.5, 0x67fe], // a tie between 2046 (even) and 2047
  ];

  test.each(cases)('%s -> 0x%s', (x, bits) => {
    expect(float32ToFloat16Bits(x).toString(16)).toBe(bits.toString(16));
  });

  test('NaN stays NaN (quiet), whatever its payload', () => {
    expect(float32ToFloat16Bits(NaN)).toBe(0x7e00);
    const h = float32ToFloat16Bits(fromBits(0x7f800001)); // signalling NaN with a low payload
    expect(Number.isNaN(float16BitsToFloat32(h))).toBe(true);
  });

  test('every finite half survives the round trip half -> float32 -> half', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaNs
      if (float32ToFloat16Bits(float16BitsToFloat32(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  test('FLOAT16_MAX is the largest finite half', () => {
    expect(float16BitsToFloat32(0x7bff)).toBe(FLOAT16_MAX);
  });

  test('array helpers convert elementwise', () => {
    const a = new Float32Array([1, -2, 0.1, 70000]);
    const h = toFloat16Bits(a);
    expect([...h]).toEqual([0x3c00, 0xc000, 0x2e66, 0x7c00]);
    expect([...fromFloat16Bits(h)]).toEqual([1, -2, 0.0999755859375, Infinity]);
  });
});

const PYTHON = '/usr/bin/python3';
const hasNumpy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.warn(`[netforge tests] ${PYTHON} lacks numpy: the float16 numpy oracle test is skipped`);

describe.skipIf(!hasNumpy)("against numpy's float16", () => {
  test('6,000 float32 values: random bit patterns over every exponent, ties, subnormals, overflow', () => {
    // numpy draws the float32 bit patterns (so no value crosses a text format) and converts them.
    const code = `
import numpy as np, sys
rng = np.random.default_rng(20240527)
exp = rng.integers(96, 146, 4000, dtype=np.uint32)          # 2^-31 .. 2^18: zero, subnormal, normal, overflow
mant = rng.integers(0, 1 << 23, 4000, dtype=np.uint32)
sign = rng.integers(0, 2, 4000, dtype=np.uint32) << 31
bits = sign | (exp << 23) | mant
# exact ties: the dropped 13 bits are 1000000000000 (normal halves) for both parities
tie = (rng.integers(103, 143, 1000, dtype=np.uint32) << 23) | (rng.integers(0, 1 << 10, 1000, dtype=np.uint32) << 13) | (1 << 12)
# near the overflow threshold 65520 and the subnormal range
edge = np.concatenate([np.arange(0x477fe000, 0x477fe000 + 500, dtype=np.uint32), np.arange(0x33000000 - 250, 0x33000000 + 250, dtype=np.uint32)])
allbits = np.concatenate([bits, tie, edge]).astype(np.uint32)
half = allbits.view(np.float32).astype(np.float16).view(np.uint16)
sys.stdout.write(' '.join(f'{int(a)}:{int(b)}' for a, b in zip(allbits, half)))
`;
    const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', maxBuffer: 16 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const pairs = r.stdout.split(' ').map((s) => s.split(':').map(Number) as [number, number]);
    expect(pairs.length).toBe(6000);
    const wrong = pairs.filter(([b, h]) => float32ToFloat16Bits(fromBits(b)) !== h);
    expect(wrong.slice(0, 5).map(([b, h]) => `0x${b.toString(16)} -> numpy 0x${h.toString(16)}, ours 0x${float32ToFloat16Bits(fromBits(b)).toString(16)}`)).toEqual([]);
  });

  test('all 65,536 half patterns decode as numpy decodes them', () => {
    const code = `
import numpy as np, sys
f = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)
sys.stdout.buffer.write(f.tobytes())
`;
    const r = spawnSync(PYTHON, ['-c', code], { maxBuffer: 16 << 20 });
    expect(r.status, r.stderr?.toString()).toBe(0);
    const theirs = new Float32Array(new Uint8Array(r.stdout).buffer);
    expect(theirs.length).toBe(65536);
    let mismatches = 0;
    for (let h = 0; h < 0x10000; h++) {
      const ours = float16BitsToFloat32(h);
      const t = theirs[h]!;
      if (Number.isNaN(t) ? !Number.isNaN(ours) : !Object.is(Math.fround(ours), t)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});
