import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeNpy } from '../../weights/npy.js';
import { NetforgeError } from '../../errors.js';
import { inputBatches, openInputFiles, resolveInputFiles, syntheticInputs } from './calibrationSet.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-calset-'));
const INPUT = ['N', 3, 4, 4] as const;

function npy(name: string, shape: number[], fill: (i: number) => number = (i) => i / 100, dtype: 'float32' | 'float64' | 'uint8' = 'float32'): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  const n = shape.reduce((a, b) => a * b, 1);
  const a = dtype === 'float64' ? Float64Array.from({ length: n }, (_, i) => fill(i)) : dtype === 'uint8' ? Uint8Array.from({ length: n }, (_, i) => fill(i)) : Float32Array.from({ length: n }, (_, i) => fill(i));
  writeNpy(path, dtype, shape, new Uint8Array(a.buffer));
  return path;
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof NetforgeError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('calibration inputs', () => {
  test('files, directories (their .npy files, sorted) and globs in the file name; each file once', () => {
    const a = npy('set/b.npy', [2, 3, 4, 4]);
    const b = npy('set/a.npy', [3, 4, 4]);
    writeFileSync(join(dir, 'set', 'notes.txt'), 'x');
    expect(resolveInputFiles([join(dir, 'set')]).map((f) => f.path)).toEqual([b, a]);
    expect(resolveInputFiles([join(dir, 'set', '*.npy')]).map((f) => f.path)).toEqual([b, a]);
    expect(resolveInputFiles([join(dir, 'set', '?.npy'), a]).map((f) => f.path)).toEqual([b, a]);
    expect(resolveInputFiles([a, join(dir, 'set')]).map((f) => f.path)).toEqual([a, b]);
    expect(resolveInputFiles([`${a},${b}`]).map((f) => f.path)).toEqual([a, b]);
    const src = openInputFiles([join(dir, 'set')], INPUT);
    expect(src.samples).toBe(3); // a [2, 3, 4, 4] batch and one [3, 4, 4] sample
    expect(src.files.map((f) => f.samples)).toEqual([1, 2]);
  });

  test('a directory or a glob takes regular .npy files only: not dotfiles, subdirectories or other files; a bracketed file name is that file', () => {
    const a = npy('set2/a.npy', [3, 4, 4]);
    npy('set2/._a.npy', [3, 4, 4]); // macOS's resource fork beside it
    mkdirSync(join(dir, 'set2', 'sub.npy'));
    writeFileSync(join(dir, 'set2', 'readme.txt'), 'x');
    expect(resolveInputFiles([join(dir, 'set2')]).map((f) => f.path)).toEqual([a]);
    expect(resolveInputFiles([join(dir, 'set2', '*')]).map((f) => f.path)).toEqual([a]);
    const bracketed = npy('set3/x[1].npy', [3, 4, 4]);
    expect(resolveInputFiles([bracketed]).map((f) => f.path)).toEqual([bracketed]);
  });

  test('batches of at most N samples; the hash is the sha256 of the files in order', () => {
    const a = npy('h/0.npy', [3, 3, 4, 4]);
    const b = npy('h/1.npy', [2, 3, 4, 4], (i) => -i);
    const src = openInputFiles([join(dir, 'h')], INPUT);
    const it = inputBatches(src, 2);
    const dims: number[][] = [];
    let r = it.next();
    while (!r.done) {
      dims.push([...r.value.dims]);
      r = it.next();
    }
    expect(dims).toEqual([[2, 3, 4, 4], [1, 3, 4, 4], [2, 3, 4, 4]]);
    expect(r.value).toBe(createHash('sha256').update(readFileSync(a)).update(readFileSync(b)).digest('hex'));
  });

  test('float64 is read as float32; integer data, wrong shapes, empty sets, NaN and infinities are refused with their codes', () => {
    npy('f64.npy', [1, 3, 4, 4], (i) => i, 'float64');
    expect(openInputFiles([join(dir, 'f64.npy')], INPUT).files[0]!.dtype).toBe('float64');
    expect(codeOf(() => openInputFiles([npy('u8.npy', [1, 3, 4, 4], (i) => i % 255, 'uint8')], INPUT))).toBe('E_CALIBRATION_DTYPE');
    expect(codeOf(() => openInputFiles([npy('hw.npy', [1, 3, 5, 4])], INPUT))).toBe('E_CALIBRATION_SHAPE');
    expect(codeOf(() => openInputFiles([npy('rank.npy', [4, 4])], INPUT))).toBe('E_CALIBRATION_SHAPE');
    expect(codeOf(() => openInputFiles([npy('zero.npy', [0, 3, 4, 4])], INPUT))).toBe('E_CALIBRATION_EMPTY');
    mkdirSync(join(dir, 'none'), { recursive: true });
    expect(codeOf(() => openInputFiles([join(dir, 'none')], INPUT))).toBe('E_CALIBRATION_EMPTY');
    expect(codeOf(() => openInputFiles([join(dir, 'none', '*.npy')], INPUT))).toBe('E_CALIBRATION_EMPTY');
    expect(codeOf(() => openInputFiles([join(dir, 'missing.npy')], INPUT))).toBe('E_CALIBRATION_NOT_FOUND');
    writeFileSync(join(dir, 'x.npz'), 'PK');
    expect(codeOf(() => openInputFiles([join(dir, 'x.npz')], INPUT))).toBe('E_CALIBRATION_FORMAT');
    const nan = openInputFiles([npy('nan.npy', [2, 3, 4, 4], (i) => (i === 60 ? NaN : i))], INPUT);
    const e = (() => {
      try {
        inputBatches(nan, 8).next();
      } catch (err) {
        return err as NetforgeError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('E_CALIBRATION_NONFINITE');
    expect(e?.message).toContain('sample 1, element 12');
    const inf = openInputFiles([npy('inf.npy', [1, 3, 4, 4], (i) => (i === 3 ? -Infinity : i))], INPUT);
    expect(codeOf(() => inputBatches(inf, 8).next())).toBe('E_CALIBRATION_NONFINITE');
  });

  test('symbolic dimensions accept any size; synthetic inputs need a fixed shape and are seeded', () => {
    npy('big.npy', [1, 3, 9, 7]);
    expect(openInputFiles([join(dir, 'big.npy')], ['N', 3, 'H', 'W']).files[0]!.sample).toEqual([3, 9, 7]);
    expect(codeOf(() => syntheticInputs(4, [3, 'H', 'W'], 0))).toBe('E_USAGE');
    const a = inputBatches(syntheticInputs(4, [3, 4, 4], 7), 4).next().value;
    const b = inputBatches(syntheticInputs(4, [3, 4, 4], 7), 4).next().value;
    const c = inputBatches(syntheticInputs(4, [3, 4, 4], 8), 4).next().value;
    expect(typeof a === 'object' && typeof b === 'object' && typeof c === 'object').toBe(true);
    if (typeof a !== 'object' || typeof b !== 'object' || typeof c !== 'object') return;
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
  });
});
