import { describe, expect, it } from 'vitest';
import { dtypeSize, halfToFloat, numelOf, toFloat32, WEIGHT_DTYPES, type WeightTensor } from './tensor.js';
import { expectNetforgeError } from '../../test/fixtures/weights/helpers.js';

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('dtypeSize / numelOf', () => {
  it('knows every dtype', () => {
    expect(WEIGHT_DTYPES.map((d) => [d, dtypeSize(d)])).toEqual([
      ['float32', 4], ['float16', 2], ['bfloat16', 2], ['float64', 8], ['int64', 8],
      ['int32', 4], ['int16', 2], ['int8', 1], ['uint8', 1], ['bool', 1],
    ]);
  });
  it('counts scalars as one element and empty dims as zero', () => {
    expect(numelOf([])).toBe(1);
    expect(numelOf([2, 0, 3])).toBe(0);
    expect(numelOf([2, 3, 4])).toBe(24);
  });
});

describe('toFloat32', () => {
  it('returns a zero-copy view for aligned float32 data', () => {
    const src = new Float32Array([1, 2, 3, 4]);
    const t: WeightTensor = { dtype: 'float32', shape: [2, 2], data: bytesOf(src) };
    const out = toFloat32(t);
    expect(out.buffer).toBe(src.buffer);
    expect([...out]).toEqual([1, 2, 3, 4]);
  });
  it('copies unaligned float32 data', () => {
    const buf = new Uint8Array(17);
    new DataView(buf.buffer).setFloat32(1, 1.5, true);
    new DataView(buf.buffer).setFloat32(5, -2, true);
    const out = toFloat32({ dtype: 'float32', shape: [2], data: buf.subarray(1, 9) });
    expect([...out]).toEqual([1.5, -2]);
  });
  it('copies unaligned float32 data held in a Node Buffer (whose slice() does not copy)', () => {
    const buf = Buffer.alloc(64);
    buf.writeFloatLE(3.25, 9);
    const out = toFloat32({ dtype: 'float32', shape: [1], data: buf.subarray(9, 13) });
    expect([...out]).toEqual([3.25]);
  });
  it('converts float16 exactly, including subnormals, infinities and NaN', () => {
    const bits = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    const out = toFloat32({ dtype: 'float16', shape: [bits.length], data: bytesOf(new Uint16Array(bits)) });
    expect([...out.slice(0, 7)]).toEqual([1, -2.5, 65504, 2 ** -24, -0, Infinity, -Infinity]);
    expect(Number.isNaN(out[7])).toBe(true);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
  });
  it('converts bfloat16 by bit placement', () => {
    const out = toFloat32({ dtype: 'bfloat16', shape: [2], data: bytesOf(new Uint16Array([0x3f80, 0xc049])) });
    expect([...out]).toEqual([1, -3.140625]);
  });
  it('converts float64 and integer types', () => {
    expect([...toFloat32({ dtype: 'float64', shape: [2], data: bytesOf(new Float64Array([0.5, -1e10])) })]).toEqual([0.5, -1e10]);
    expect([...toFloat32({ dtype: 'int64', shape: [2], data: bytesOf(new BigInt64Array([-(2n ** 40n), 7n])) })]).toEqual([-(2 ** 40), 7]);
    expect([...toFloat32({ dtype: 'int32', shape: [1], data: bytesOf(new Int32Array([-9])) })]).toEqual([-9]);
    expect([...toFloat32({ dtype: 'int16', shape: [1], data: bytesOf(new Int16Array([-300])) })]).toEqual([-300]);
    expect([...toFloat32({ dtype: 'int8', shape: [2], data: bytesOf(new Int8Array([-128, 5])) })]).toEqual([-128, 5]);
    expect([...toFloat32({ dtype: 'uint8', shape: [1], data: Uint8Array.of(255) })]).toEqual([255]);
    expect([...toFloat32({ dtype: 'bool', shape: [3], data: Uint8Array.of(0, 1, 2) })]).toEqual([0, 1, 1]);
  });
  it('handles unaligned float64 data', () => {
    const buf = new Uint8Array(9);
    new DataView(buf.buffer).setFloat64(1, 0.25, true);
    expect([...toFloat32({ dtype: 'float64', shape: [1], data: buf.subarray(1) })]).toEqual([0.25]);
  });
  it('refuses data whose length does not match the shape, naming the tensor', () => {
    const e = expectNetforgeError(() => toFloat32({ dtype: 'float32', shape: [3], data: new Uint8Array(8) }, 'fc.weight', 'x.pth'), 'E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('fc.weight');
    expect(e.file).toBe('x.pth');
  });
});
