import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
import { readPth } from './pth.js';
import type { WeightTensor } from './tensor.js';
import { expectNetforgeError, fixture, hex } from '../../test/fixtures/weights/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-st-'));

/** A safetensors file from a raw header object and data buffer. */
function build(header: unknown, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

describe('safetensors', () => {
  it('round-trips every dtype and zero-size/scalar tensors byte for byte', () => {
    const sd = readPth(fixture('mixed_zip.pth'));
    const path = join(dir, 'mixed.safetensors');
    writeSafetensors(path, sd.tensors, { format: 'pt', source: 'netforge-test' });
    const back = readSafetensors(path);
    expect(back.format).toBe('safetensors');
    expect(back.metadata).toEqual({ format: 'pt', source: 'netforge-test' });
    expect([...back.tensors.keys()]).toEqual([...sd.tensors.keys()].sort());
    for (const [k, t] of sd.tensors) {
      const u = back.tensors.get(k)!;
      expect([u.dtype, u.shape, hex(u.data)], k).toEqual([t.dtype, t.shape, hex(t.data)]);
    }
    // Writing the read-back tensors again gives the identical file (deterministic output).
    const path2 = join(dir, 'mixed2.safetensors');
    writeSafetensors(path2, back.tensors, back.metadata);
    expect(hex(readFileSync(path2))).toBe(hex(readFileSync(path)));
    // No temp files left behind by the atomic writer.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('pads the header to 8 bytes and returns zero-copy views', () => {
    const path = join(dir, 'one.safetensors');
    const t: WeightTensor = { dtype: 'float32', shape: [3], data: new Uint8Array(new Float32Array([1, 2, 3]).buffer) };
    writeSafetensors(path, new Map([['w', t]]));
    const raw = readFileSync(path);
    const n = Number(raw.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    expect(raw.subarray(8, 8 + n).toString()).toMatch(/^\{"w":\{"dtype":"F32","shape":\[3\],"data_offsets":\[0,12\]\}\} *$/);
    const buf = new Uint8Array(raw);
    const st = parseSafetensors(buf, 'one.safetensors');
    expect(st.tensors.get('w')!.data.buffer).toBe(buf.buffer);
    expect(st.metadata).toEqual({});
  });

  it('accepts tensors stored out of name order and empty files', () => {
    const data = new Uint8Array(8);
    const st = parseSafetensors(build({ b: f32([1], 0, 4), a: f32([1], 4, 8), z: f32([0], 8, 8) }, data), 't');
    expect([...st.tensors.keys()]).toEqual(['b', 'a', 'z']);
    expect(parseSafetensors(build({}, new Uint8Array(0)), 't').tensors.size).toBe(0);
  });

  const bad = (header: unknown, data = new Uint8Array(8)) =>
    expectNetforgeError(() => parseSafetensors(build(header, data), 'bad.safetensors'), 'E_SAFETENSORS_HEADER');

  it('refuses overlaps, holes and out-of-bounds offsets', () => {
    expect(bad({ a: f32([2], 0, 8), b: f32([1], 4, 8) }).message).toContain('overlaps');
    expect(bad({ a: f32([1], 4, 8) }).message).toContain('belong to no tensor');
    expect(bad({ a: f32([1], 0, 4) }).message).toContain('trailing');
    expect(bad({ a: f32([4], 0, 16) }).message).toContain('outside');
    bad({ a: f32([1], 8, 4) });
  });

  it('refuses bad dtypes, shapes, sizes and metadata', () => {
    expect(bad({ a: { dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] } }).message).toContain('F8_E4M3');
    bad({ a: f32([-2], 0, 8) });
    bad({ a: f32([1.5], 0, 8) });
    bad({ a: f32([3], 0, 8) }); // 12 bytes needed
    bad({ a: { dtype: 'F32', shape: [2] } });
    bad({ __metadata__: { x: 1 }, a: f32([2], 0, 8) });
    bad({ __metadata__: 'x', a: f32([2], 0, 8) });
    bad([1, 2]);
    bad({ a: 5 });
  });

  it('refuses broken header framing', () => {
    const ok = build({ a: f32([2], 0, 8) }, new Uint8Array(8));
    const huge = new Uint8Array(ok);
    new DataView(huge.buffer).setBigUint64(0, 200n * 1024n * 1024n, true);
    expectNetforgeError(() => parseSafetensors(huge, 't'), 'E_SAFETENSORS_HEADER');
    const past = new Uint8Array(ok);
    new DataView(past.buffer).setBigUint64(0, 1000n, true);
    expectNetforgeError(() => parseSafetensors(past, 't'), 'E_WEIGHTS_TRUNCATED');
    expectNetforgeError(() => parseSafetensors(ok.subarray(0, 5), 't'), 'E_WEIGHTS_TRUNCATED');
    const notJson = new Uint8Array(ok);
    notJson[9] = 0x7b;
    expectNetforgeError(() => parseSafetensors(notJson, 't'), 'E_SAFETENSORS_HEADER');
    // Truncating the data is caught by the coverage check.
    expectNetforgeError(() => parseSafetensors(ok.subarray(0, ok.length - 1), 't'), 'E_SAFETENSORS_HEADER');
  });

  it('refuses to write inconsistent tensors and reports write failures', () => {
    const t: WeightTensor = { dtype: 'float32', shape: [3], data: new Uint8Array(8) };
    expectNetforgeError(() => writeSafetensors(join(dir, 'x.safetensors'), new Map([['w', t]])), 'E_SAFETENSORS_HEADER');
    const ok: WeightTensor = { dtype: 'uint8', shape: [1], data: new Uint8Array(1) };
    expectNetforgeError(() => writeSafetensors(join(dir, 'x.safetensors'), new Map([['__metadata__', ok]])), 'E_SAFETENSORS_HEADER');
    expectNetforgeError(() => writeSafetensors(join(dir, 'missing', 'x.safetensors'), new Map([['w', ok]])), 'E_OUTPUT_IO');
  });

  it('keeps an existing file intact when the write fails', () => {
    const path = join(dir, 'keep.safetensors');
    writeFileSync(path, 'old');
    const t: WeightTensor = { dtype: 'float32', shape: [3], data: new Uint8Array(8) };
    expectNetforgeError(() => writeSafetensors(path, new Map([['w', t]])));
    expect(readFileSync(path, 'utf8')).toBe('old');
  });
});
