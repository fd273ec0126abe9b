/**
 * Performance guard: a ResNet-50-sized (100 MB) ZIP checkpoint must parse far below a
 * second, which only holds if stored entries stay zero-copy and nothing loops per
 * element. The archive and its pickle are synthesized here so CI needs no torch.
 */
import { describe, expect, it } from 'vitest';
import { parsePth } from './pth.js';
import { toFloat32 } from './tensor.js';
import { buildZip, type BuildEntry } from '../../test/fixtures/weights/zipBuilder.js';

/** A protocol-2 state-dict pickle like torch.save writes, for float32 tensors of the given shapes. */
function stateDictPickle(shapes: readonly (readonly number[])[]): Uint8Array {
  const out: number[] = [];
  const str = (s: string): void => {
    const b = new TextEncoder().encode(s);
    out.push(0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b); // BINUNICODE
  };
  const int = (n: number): void => void out.push(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff); // BININT
  const text = (s: string): void => void out.push(...new TextEncoder().encode(s));
  out.push(0x80, 2, 0x7d, 0x28); // PROTO 2, EMPTY_DICT, MARK
  shapes.forEach((shape, i) => {
    str(`layer${i}.weight`);
    text('ctorch._utils\n_rebuild_tensor_v2\n');
    out.push(0x28, 0x28); // MARK MARK
    str('storage');
    text('ctorch\nFloatStorage\n');
    str(String(i));
    str('cpu');
    int(shape.reduce((a, b) => a * b, 1));
    out.push(0x74, 0x51); // TUPLE BINPERSID
    int(0);
    out.push(0x28);
    shape.forEach(int);
    out.push(0x74, 0x28); // size TUPLE, MARK
    const stride = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    stride.forEach(int);
    out.push(0x74, 0x89); // stride TUPLE, NEWFALSE
    text('ccollections\nOrderedDict\n');
    out.push(0x29, 0x52, 0x74, 0x52); // EMPTY_TUPLE REDUCE (hooks), TUPLE, REDUCE
  });
  out.push(0x75, 0x2e); // SETITEMS STOP
  return Uint8Array.from(out);
}

describe('performance', () => {
  it('parses a 100 MB checkpoint in well under a second, zero-copy', () => {
    // 160 tensors of 2048 x 80 float32 = 100 MiB, roughly ResNet-50's size and tensor count.
    const shapes = Array.from({ length: 160 }, () => [2048, 80]);
    const entries: BuildEntry[] = [{ name: 'ckpt/data.pkl', data: stateDictPickle(shapes) }];
    shapes.forEach((s, i) => entries.push({ name: `ckpt/data/${i}`, data: new Uint8Array(s[0]! * s[1]! * 4).fill(i) }));
    const buf = buildZip(entries);
    expect(buf.length).toBeGreaterThan(100 * 1024 * 1024);

    const t0 = performance.now();
    const sd = parsePth(buf, 'synthetic.pth');
    let n = 0;
    for (const t of sd.tensors.values()) n += toFloat32(t).length;
    const ms = performance.now() - t0;

    expect(sd.tensors.size).toBe(160);
    expect(n).toBe(160 * 2048 * 80);
    for (const t of sd.tensors.values()) expect(t.data.buffer).toBe(buf.buffer);
    expect(sd.tensors.get('layer7.weight')!.data[123]).toBe(7);
    // ~150 ms here: CRC-32 of 100 MB plus toFloat32 copies (this builder does not align entries
    // like torch does). The bound leaves room for slow CI machines.
    expect(ms).toBeLessThan(1000);
  });
});
