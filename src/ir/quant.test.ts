import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { activationQuant, quantRange, quantizeBias, quantizeValue, quantizeWeight, roundHalfEven, saturatedInt32, scaleZeroPoint } from './quant.js';
import { fillNormal, rngFor } from './random.js';
import { PYTHON, pythonHas } from '../../test/helpers/python.js';

describe('onnxruntime quantization formulas on hand-built tensors', () => {
  test('ranges: uint8 [0, 255], int8 [-128, 127], symmetric int8 [-127, 127], reduce-range [0, 127] / [-64, 64]', () => {
    expect(quantRange('uint8')).toEqual({ qmin: 0, qmax: 255 });
    expect(quantRange('int8')).toEqual({ qmin: -128, qmax: 127 });
    expect(quantRange('int8', { symmetric: true })).toEqual({ qmin: -127, qmax: 127 });
    expect(quantRange('uint8', { reduceRange: true })).toEqual({ qmin: 0, qmax: 127 });
    expect(quantRange('int8', { symmetric: true, reduceRange: true })).toEqual({ qmin: -64, qmax: 64 });
  });

  test('asymmetric: scale = (rmax - rmin) / (qmax - qmin), zero point = round(qmin - rmin / scale)', () => {
    // [-1, 2] on uint8: 3 / 255 per step, 0.0 lands on 85.
    expect(scaleZeroPoint(-1, 2, quantRange('uint8'))).toEqual({ scale: Math.fround(3 / 255), zeroPoint: 85 });
    // the same range on int8: -128 + 85
    expect(scaleZeroPoint(-1, 2, quantRange('int8'))).toEqual({ scale: Math.fround(3 / 255), zeroPoint: -43 });
    // a range above 0 is widened to include it (zero must be exact): a Relu output maps 0 -> 0 on uint8
    expect(scaleZeroPoint(0.5, 2, quantRange('uint8'))).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 0 });
    expect(scaleZeroPoint(0, 6, quantRange('int8'))).toEqual({ scale: Math.fround(6 / 255), zeroPoint: -128 });
    // below 0 as well: 0 is the top of the range
    expect(scaleZeroPoint(-4, -1, quantRange('uint8'))).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 255 });
  });

  test('symmetric: scale = max(|rmin|, |rmax|) * 2 / (qmax - qmin), zero point (qmin + qmax) / 2', () => {
    expect(scaleZeroPoint(-0.5, 2, quantRange('int8', { symmetric: true }), true)).toEqual({ scale: Math.fround(4 / 254), zeroPoint: 0 });
    expect(scaleZeroPoint(-3, 1, quantRange('int8', { symmetric: true, reduceRange: true }), true)).toEqual({ scale: Math.fround(6 / 128), zeroPoint: 0 });
    // onnxruntime keeps uint8's full range when symmetric: zero point round_half_even(255 / 2) = 128
    expect(scaleZeroPoint(-3, 1, quantRange('uint8', { symmetric: true }), true)).toEqual({ scale: Math.fround(6 / 255), zeroPoint: 128 });
  });

  test('an all-zero range gets scale 1, zero point 0', () => {
    expect(scaleZeroPoint(0, 0, quantRange('uint8'))).toEqual({ scale: 1, zeroPoint: 0 });
    expect(scaleZeroPoint(0, 1e-45, quantRange('int8', { symmetric: true }), true)).toEqual({ scale: 1, zeroPoint: 0 });
  });

  test('rounding is half to even (numpy.round, QuantizeLinear), saturating to the type', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
    expect(quantizeValue(2.5, 1, 0, 'int8')).toBe(2);
    expect(quantizeValue(3.5, 1, 0, 'int8')).toBe(4);
    expect(quantizeValue(1000, 1, 0, 'int8')).toBe(127);
    expect(quantizeValue(-1000, 1, 0, 'int8')).toBe(-128);
    expect(quantizeValue(-1, 0.1, 5, 'uint8')).toBe(0);
  });

  test('per-channel weight scales are exactly max|w_c| / 127 (max|w_c| / 64 with reduce-range), zero points 0', () => {
    const w = new Float32Array(8 * 27);
    fillNormal(w, 0.2, rngFor(3, 'w'));
    for (let i = 0; i < 27; i++) w[5 * 27 + i] = 0; // an all-zero channel
    const maxAbs = (c: number): number => Math.max(...Array.from(w.subarray(c * 27, (c + 1) * 27), Math.abs));
    const q = quantizeWeight(w, [8, 3, 3, 3]);
    expect(q.quant.axis).toBe(0);
    expect(q.quant.zeroPoint).toEqual(new Array(8).fill(0));
    for (let c = 0; c < 8; c++) expect(q.quant.scale[c]).toBe(c === 5 ? 1 : Math.fround(maxAbs(c) / 127));
    const r = quantizeWeight(w, [8, 3, 3, 3], { reduceRange: true });
    for (let c = 0; c < 8; c++) if (c !== 5) expect(r.quant.scale[c]).toBe(Math.fround(maxAbs(c) / 64));
    // the largest |w| of a channel lands on +-127 (+-64), nothing beyond
    expect(Math.max(...Array.from(q.data, Math.abs))).toBe(127);
    expect(Math.max(...Array.from(r.data, Math.abs))).toBe(64);
    // per tensor: one scale for all
    const t = quantizeWeight(w, [8, 3, 3, 3], { perChannel: false });
    expect(t.quant).toEqual({ scale: [Math.fround(Math.max(...Array.from(w, Math.abs)) / 127)], zeroPoint: [0] });
  });

  test('biases: int32 with scale input scale x weight scale, saturated at the int32 limits', () => {
    const wq = { scale: [Math.fround(0.01), Math.fround(0.02)], zeroPoint: [0, 0], axis: 0 };
    const b = quantizeBias(Float32Array.from([0.3, -1e30]), Math.fround(0.5), wq);
    expect(b.quant).toEqual({ scale: [Math.fround(Math.fround(0.5) * Math.fround(0.01)), Math.fround(Math.fround(0.5) * Math.fround(0.02))], zeroPoint: [0, 0], axis: 0 });
    expect(b.data[0]).toBe(roundHalfEven(Math.fround(Math.fround(0.3) / b.quant.scale[0]!)));
    expect(b.data[1]).toBe(-2147483648);
    expect(b.saturated).toBe(1);
    // found again in the quantized graph's params (what compile --quantize warns about)
    const param = (name: string, data: Int32Array) => ({ name, dtype: 'int32' as const, data });
    expect(saturatedInt32([param('fc.bias', b.data), param('conv1.bias', Int32Array.from([5, -7]))])).toEqual([{ name: 'fc.bias', values: 1 }]);
  });
});

const numpyOracle = pythonHas().torch; // python3-torch brings numpy
describe.skipIf(!numpyOracle)(`the same formulas as numpy computes them (${PYTHON}, onnxruntime quant_utils semantics)`, () => {
  test('random ranges and weights: scales, zero points and int8 values equal', () => {
    const rng = rngFor(11, 'ranges');
    const ranges: [number, number][] = [];
    const r = new Float32Array(400);
    fillNormal(r, 3, rng);
    for (let i = 0; i < 200; i++) ranges.push([Math.fround(Math.min(r[2 * i]!, r[2 * i + 1]!)), Math.fround(Math.max(r[2 * i]!, r[2 * i + 1]!))]);
    ranges.push([0, 0], [-1, 101], [0, 1e-30], [-7, -7]);
    const w = new Float32Array(16 * 50);
    fillNormal(w, 0.05, rngFor(12, 'w'));
    // numpy, as onnxruntime's quant_utils.compute_scale_zp and quantize_nparray compute:
    // float32 ranges widened to 0, difference in float32, quotient in float64, numpy.round.
    const code = `
import json, sys, numpy as np
d = json.loads(sys.stdin.read())
def szp(rmin, rmax, qmin, qmax, sym):
    rmin = np.minimum(np.float32(rmin), np.float32(0)); rmax = np.maximum(np.float32(rmax), np.float32(0))
    if sym:
        a = np.maximum(np.abs(rmin), np.abs(rmax)); rmin, rmax = -a, a
    scale = np.array(rmax - rmin, dtype=np.float64) / (np.float64(qmax) - np.float64(qmin))
    if scale < np.finfo(np.float32).tiny: return 1.0, 0
    zp = np.round((qmin + qmax) / 2.0) if sym else np.round(qmin - rmin / scale)
    return float(np.float32(scale)), int(zp)
out = {'uint8': [szp(a, b, 0, 255, False) for a, b in d['ranges']],
       'int8': [szp(a, b, -128, 127, False) for a, b in d['ranges']]}
w = np.array(d['w'], dtype=np.float32).reshape(16, 50)
scales = np.array([szp(w[c].min(), w[c].max(), -127, 127, True)[0] for c in range(16)], dtype=np.float32)
q = np.clip(np.round(w / scales[:, None]), -128, 127).astype(np.int8)
out['wscale'] = [float(s) for s in scales]; out['wq'] = q.ravel().tolist()
print(json.dumps(out))`;
    const py = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify({ ranges, w: Array.from(w) }), encoding: 'utf8', maxBuffer: 16 << 20 });
    expect(py.status, py.stderr).toBe(0);
    const res = JSON.parse(py.stdout) as { uint8: [number, number][]; int8: [number, number][]; wscale: number[]; wq: number[] };
    ranges.forEach(([a, b], i) => {
      const u = activationQuant(a, b, 'uint8');
      const s = activationQuant(a, b, 'int8');
      expect([u.scale[0], u.zeroPoint[0]], `uint8 [${a}, ${b}]`).toEqual(res.uint8[i]);
      expect([s.scale[0], s.zeroPoint[0]], `int8 [${a}, ${b}]`).toEqual(res.int8[i]);
    });
    const q = quantizeWeight(w, [16, 50]);
    expect(q.quant.scale).toEqual(res.wscale);
    expect(Array.from(q.data)).toEqual(res.wq);
  });
});
