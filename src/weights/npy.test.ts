import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy, readNpy, writeNpy } from './npy.js';
import { toFloat32, type WeightDType } from './tensor.js';
import { NetforgeError } from '../errors.js';
import { expected, expectNetforgeError, fixture, hex } from '../../test/fixtures/weights/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-npy-'));
const DTYPE: Record<string, WeightDType> = { '<f4': 'float32', '<f2': 'float16', '<f8': 'float64', '<i8': 'int64', '<i4': 'int32', '|u1': 'uint8', '|b1': 'bool' };

describe('npy', () => {
  for (const [name, want] of Object.entries(expected.npy)) {
    it(`reads ${name} written by numpy`, () => {
      const a = readNpy(fixture(name));
      expect(a.dtype).toBe(DTYPE[want.descr]);
      expect(a.shape).toEqual(want.shape);
      expect(hex(a.data)).toBe(want.hex);
      expect([...toFloat32(a)]).toEqual(want.values.map((v) => Math.fround(Number(v))));
    });
  }

  it('writes files byte-identical to numpy.save', () => {
    for (const name of ['f32.npy', 'i64.npy', 'bool.npy', 'scalar.npy', 'empty.npy', 'f16.npy', 'u8.npy']) {
      const a = readNpy(fixture(name));
      const out = join(dir, name);
      writeNpy(out, a.dtype, a.shape, a.data);
      expect(hex(readFileSync(out)), name).toBe(hex(readFileSync(fixture(name))));
    }
  });

  it('round-trips int8/int16 and large headers (version 2.0)', () => {
    const shape = new Array(30000).fill(1);
    const out = join(dir, 'v2.npy');
    writeNpy(out, 'int16', shape, new Uint8Array([1, 2]));
    const raw = readFileSync(out);
    expect(raw[6]).toBe(2);
    expect((raw.readUInt32LE(8) + 12) % 64).toBe(0);
    const a = readNpy(out);
    expect([a.dtype, a.shape.length, [...a.data]]).toEqual(['int16', 30000, [1, 2]]);
    writeNpy(join(dir, 'i8.npy'), 'int8', [2], new Uint8Array([0xff, 1]));
    expect([...toFloat32(readNpy(join(dir, 'i8.npy')))]).toEqual([-1, 1]);
  });

  it('refuses Fortran order with a hint', () => {
    const e = expectNetforgeError(() => readNpy(fixture('fortran.npy')), 'E_NPY_HEADER');
    expect(e.hint).toContain('ascontiguousarray');
  });

  const withHeader = (dict: string, data = new Uint8Array(0)): Uint8Array => {
    const h = new TextEncoder().encode(dict + '\n');
    const out = new Uint8Array(10 + h.length + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, h.length, true);
    out.set(h, 10);
    out.set(data, 10 + h.length);
    return out;
  };

  it('validates the header and the data size before allocating', () => {
    const hdr = (d: string, code: string) => expectNetforgeError(() => parseNpy(withHeader(d), 'x.npy'), code);
    hdr("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 'E_NPY_HEADER');
    hdr("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 'E_NPY_HEADER');
    hdr("{'descr': '<f4', 'shape': (1,), }", 'E_NPY_HEADER');
    hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 'E_NPY_HEADER');
    hdr("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", 'E_NPY_HEADER');
    hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk", 'E_NPY_HEADER');
    hdr("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 'E_NPY_HEADER');
    hdr('not a dict', 'E_NPY_HEADER');
    hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000000000), }", 'E_WEIGHTS_TRUNCATED');
    hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 'E_WEIGHTS_TRUNCATED');
    expectNetforgeError(() => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(5)), 'x.npy'), 'E_WEIGHTS_CORRUPT');
    expectNetforgeError(() => parseNpy(new Uint8Array([1, 2, 3]), 'x.npy'), 'E_WEIGHTS_FORMAT');
    const v9 = withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
    v9[6] = 9;
    expectNetforgeError(() => parseNpy(v9, 'x.npy'), 'E_NPY_HEADER');
  });

  it('refuses to write what .npy cannot hold', () => {
    expectNetforgeError(() => writeNpy(join(dir, 'b.npy'), 'bfloat16', [1], new Uint8Array(2)), 'E_NPY_HEADER');
    expectNetforgeError(() => writeNpy(join(dir, 'b.npy'), 'float32', [2], new Uint8Array(4)), 'E_NPY_HEADER');
    expectNetforgeError(() => writeNpy(join(dir, 'nope', 'b.npy'), 'uint8', [1], new Uint8Array(1)), 'E_OUTPUT_IO');
  });
});

describe('npy: damaged files', () => {
  it('gives NetforgeErrors for every truncation and byte change of numpy-written files', () => {
    for (const name of ['f32.npy', 'v2.npy', 'v3.npy', 'scalar.npy']) {
      const orig = new Uint8Array(readFileSync(fixture(name)));
      const attempt = (buf: Uint8Array): void => {
        try {
          parseNpy(buf, name);
        } catch (e) {
          expect(e).toBeInstanceOf(NetforgeError);
        }
      };
      for (let n = 0; n < orig.length; n++) attempt(orig.subarray(0, n));
      for (let i = 0; i < orig.length; i++) {
        for (const v of [0x00, 0xff, 0x28, 0x27, 0x2c]) {
          const buf = new Uint8Array(orig);
          buf[i] = v;
          attempt(buf);
        }
      }
    }
  });
});
