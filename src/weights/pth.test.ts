import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePth, readPth } from './pth.js';
import { toFloat32, type StateDict } from './tensor.js';
import { expected, expectNetforgeError, fixture, hex } from '../../test/fixtures/weights/helpers.js';
import { dictPickle, legacyCheckpoint, op, tensorPickle, viewsCheckpoint, zipCheckpoint, type Pickle, type ViewSpec } from '../../test/fixtures/weights/pthBuilder.js';

/** Compare every tensor of `sd` with what torch reported when writing the fixture. */
function checkAgainstTorch(sd: StateDict, name: string): void {
  const want = expected.files[name]!;
  expect(sd.format).toBe(want.format);
  expect([...sd.tensors.keys()]).toEqual(want.order);
  for (const [k, w] of Object.entries(want.tensors)) {
    const t = sd.tensors.get(k)!;
    expect(t, k).toBeDefined();
    expect(t.dtype, k).toBe(w.dtype);
    expect(t.shape, k).toEqual(w.shape);
    expect(hex(t.data), k).toBe(w.hex);
    const values = w.values.map((v) => (typeof v === 'boolean' ? Number(v) : v));
    expect([...toFloat32(t, k)], k).toEqual(values.map((v) => Math.fround(v)));
  }
}

describe('readPth', () => {
  for (const name of ['mixed_zip.pth', 'mixed_legacy.pth', 'mixed_proto4.pth', 'parameters.pth', 'deflated.pth', 'big_endian.pth']) {
    it(`reads ${name} exactly as torch wrote it`, () => {
      checkAgainstTorch(readPth(fixture(name)), name);
    });
  }

  it('keeps state-dict insertion order', () => {
    const keys = [...readPth(fixture('mixed_zip.pth')).tensors.keys()];
    expect(keys.slice(0, 3)).toEqual(['conv.weight', 'bn.running_mean', 'bn.num_batches_tracked']);
  });

  it('returns contiguous tensors as zero-copy views of the file buffer, strided ones as copies', () => {
    const buf = readFileSync(fixture('mixed_zip.pth'));
    const sd = parsePth(buf, 'mixed_zip.pth');
    for (const k of ['conv.weight', 'shared.head', 'shared.tail', 'scalar']) expect(sd.tensors.get(k)!.data.buffer, k).toBe(buf.buffer);
    for (const k of ['transposed', 'permuted', 'shared.stepped', 'row_slice']) expect(sd.tensors.get(k)!.data.buffer, k).not.toBe(buf.buffer);
    // Tensors sharing a storage view the same bytes.
    const head = sd.tensors.get('shared.head')!.data;
    const tail = sd.tensors.get('shared.tail')!.data;
    expect(tail.byteOffset - head.byteOffset).toBe(24);
  });

  it('strips a DataParallel module. prefix and says so', () => {
    const sd = readPth(fixture('dataparallel.pth'));
    expect(sd.strippedPrefix).toBe('module.');
    checkAgainstTorch(sd, 'dataparallel.pth');
    expect(sd.tensors.has('bn.num_batches_tracked')).toBe(true);
  });

  it('unwraps training checkpoints and says which key held the state dict', () => {
    const zip = readPth(fixture('wrapped.pth'));
    expect(zip.unwrappedFrom).toBe('state_dict');
    checkAgainstTorch(zip, 'wrapped.pth');
    const legacy = readPth(fixture('wrapped_legacy.pth'));
    expect(legacy.unwrappedFrom).toBe('model');
    checkAgainstTorch(legacy, 'wrapped_legacy.pth');
  });

  it('refuses malicious pickles naming the global', () => {
    for (const [file, global] of Object.entries(expected.malicious)) {
      const e = expectNetforgeError(() => readPth(fixture(file)), 'E_PICKLE_GLOBAL');
      expect(e.message).toContain(global);
      expect(e.file).toBe(fixture(file));
      expect(e.hint).toMatch(/malicious/);
    }
  });

  it('refuses a whole pickled nn.Module with a hint to save the state dict', () => {
    const e = expectNetforgeError(() => readPth(fixture('whole_module.pth')), 'E_PICKLE_GLOBAL');
    expect(e.message).toContain('torch.nn.modules.linear.Linear');
    expect(e.hint).toContain('state_dict()');
  });

  it('refuses archives that are not checkpoints', () => {
    expectNetforgeError(() => readPth(fixture('zip_slip.zip')), 'E_ZIP_UNSAFE_PATH');
    expectNetforgeError(() => readPth(fixture('f32.npy')), 'E_WEIGHTS_FORMAT');
  });

  it('refuses tensors that reach past their storage', () => {
    // In the legacy file num_batches_tracked's storage is int64 count 1, then the value 3.
    // Rewrite it as an empty storage: the tensor then points past the end of its storage.
    const buf = readFileSync(fixture('wrapped_legacy.pth'));
    const pattern = Buffer.from('0100000000000000' + '0300000000000000', 'hex');
    const i = buf.indexOf(pattern);
    expect(i).toBeGreaterThan(0);
    const bad = Buffer.concat([buf.subarray(0, i), Buffer.alloc(8), buf.subarray(i + 16)]);
    const e = expectNetforgeError(() => parsePth(bad, 'x.pth'), 'E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('bn.num_batches_tracked');
  });

  it('legacy: every contiguous float32 tensor is a view of one buffer, wherever the storage data lands (an aligned copy of the storage region when it is misaligned)', () => {
    const storages = { '0': { dtype: 'float32', numel: 6, bytes: new Uint8Array(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer) }, '1': { dtype: 'float32', numel: 2, bytes: new Uint8Array(Float32Array.from([7, 8]).buffer) } } as const;
    const views: ViewSpec[] = [
      { name: 'a', storage: '0', size: [2, 3], stride: [3, 1] },
      { name: 'b', storage: '1', size: [2], stride: [1] },
    ];
    const file = viewsCheckpoint('legacy', views, storages);
    // the same bytes at each of 8 byte offsets: the storage data's alignment takes every value mod 8
    for (let shift = 0; shift < 8; shift++) {
      const backing = new Uint8Array(file.length + shift);
      backing.set(file, shift);
      const sd = parsePth(backing.subarray(shift), 'shifted.pth');
      const a = toFloat32(sd.tensors.get('a')!);
      const b = toFloat32(sd.tensors.get('b')!);
      expect([...a, ...b], `shift ${shift}`).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(a.buffer, `shift ${shift}`).toBe(b.buffer);
    }
  });

  it('reports truncation of legacy files', () => {
    const buf = readFileSync(fixture('mixed_legacy.pth'));
    expectNetforgeError(() => parsePth(buf.subarray(0, buf.length - 3), 'x.pth'), 'E_WEIGHTS_TRUNCATED');
  });
});

describe('pickles that used to end in a stack trace (issue 17, item 5)', () => {
  const storages = { '0': { dtype: 'float32', numel: 4 } } as const;
  const view: ViewSpec = { name: 'w', storage: '0', size: [4], stride: [1] };
  for (const format of ['zip', 'legacy'] as const) {
    it(`${format}: a UNICODE opcode escaping a code point past U+10FFFF is E_WEIGHTS_CORRUPT, not a RangeError`, () => {
      const buf = viewsCheckpoint(format, [{ ...view, rawKey: op.unicodeRaw('\\U00110000') }], storages);
      const e = expectNetforgeError(() => parsePth(buf, 'bad-unicode.pth'), 'E_WEIGHTS_CORRUPT');
      expect(e.message).toContain('\\U00110000 is not a Unicode code point');
      // the largest code point itself is fine
      const ok = parsePth(viewsCheckpoint(format, [{ ...view, rawKey: op.unicodeRaw('\\U0010ffff') }], storages), 'ok.pth');
      expect([...ok.tensors.keys()]).toEqual(['\u{10ffff}']);
    });
    it(`${format}: _rebuild_from_type_v2 nested 5,000 deep is E_WEIGHTS_CORRUPT, not a stack overflow; nested twice it loads`, () => {
      const nested = (depth: number): Pickle => {
        const inner = tensorPickle(view, storages, format === 'legacy');
        // inner is `_rebuild_tensor_v2 (args) REDUCE`: take the global and the args apart
        const reduce = inner.length - 1;
        const globalEnd = inner.indexOf(0x0a, inner.indexOf(0x0a) + 1) + 1;
        const innermost: Pickle = [...inner.slice(0, globalEnd), ...op.global('torch', 'Tensor'), ...inner.slice(globalEnd, reduce), ...op.tuple3];
        // each level: (_rebuild_from_type_v2, Tensor, <the level inside>) as a TUPLE3
        const open: Pickle = [...op.global('torch._tensor', '_rebuild_from_type_v2'), ...op.global('torch', 'Tensor')];
        const parts: Pickle[] = [op.global('torch._tensor', '_rebuild_from_type_v2')];
        for (let i = 1; i < depth; i++) parts.push(open);
        parts.push(innermost);
        for (let i = 1; i < depth; i++) parts.push(op.tuple3);
        parts.push(op.reduce);
        return parts.flat();
      };
      const file = (depth: number): Uint8Array => {
        const pickle = dictPickle([[op.str('w'), nested(depth)]]);
        return format === 'legacy' ? legacyCheckpoint(pickle, storages) : zipCheckpoint(pickle, storages);
      };
      expect(parsePth(file(2), 'twice.pth').tensors.get('w')!.shape).toEqual([4]);
      const e = expectNetforgeError(() => parsePth(file(5000), 'deep.pth'), 'E_WEIGHTS_CORRUPT');
      expect(e.message).toContain('_rebuild_from_type_v2 is nested in itself more than 16 deep');
    });
  }
});
