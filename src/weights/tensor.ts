/**
 * The tensor type every weights reader produces and the rest of netforge consumes:
 * raw little-endian bytes plus dtype and shape. Keeping raw bytes (not Float32Array)
 * lets readers hand out zero-copy views of the file buffer and lets float16/int64
 * weights survive a round trip without loss; `toFloat32` converts where math is needed.
 */
import { NetforgeError } from '../errors.js';
import { printable } from '../printable.js';

export type WeightDType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** Contiguous, row-major, little-endian raw bytes. */
export interface WeightTensor {
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export interface StateDict {
  readonly format: 'pth-zip' | 'pth-legacy' | 'safetensors';
  readonly file: string;
  readonly tensors: ReadonlyMap<string, WeightTensor>;
  /**
   * Set when the file held a training checkpoint and the tensors came from one of its
   * entries (`state_dict`, `model`, `model_state_dict`), so the CLI can say so.
   */
  readonly unwrappedFrom?: string;
  /** The PyTorch Lightning version that saved the checkpoint (its `pytorch-lightning_version` entry), when it is one. */
  readonly lightning?: string;
  /** Set when every key had a `module.` prefix (nn.DataParallel) and it was stripped. */
  readonly strippedPrefix?: string;
  /** Top-level entries that were not tensors (e.g. `_extra_state`), skipped. */
  readonly skipped?: readonly string[];
}

const SIZES: Readonly<Record<WeightDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export const WEIGHT_DTYPES: readonly WeightDType[] = Object.keys(SIZES) as WeightDType[];

export function dtypeSize(d: WeightDType): number {
  return SIZES[d];
}

/** Number of elements of `shape`; 1 for a scalar (empty shape). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** netforge only runs on little-endian hosts' typed arrays when this is true; else we go through DataView. */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Convert a tensor to float32 values. float32 data that is 4-byte aligned is returned as a
 * zero-copy view (callers must not mutate it if they did not own the tensor). Everything
 * else is converted into a fresh array; int64 values beyond 2^24 lose precision, as in
 * PyTorch's `.float()`.
 */
export function toFloat32(t: WeightTensor, name?: string, file?: string): Float32Array {
  const n = numelOf(t.shape);
  const es = dtypeSize(t.dtype);
  if (!Number.isSafeInteger(n) || n < 0 || t.data.byteLength !== n * es) {
    throw new NetforgeError({
      code: 'E_WEIGHTS_CORRUPT',
      message:
        `tensor${name !== undefined ? ` '${printable(name)}'` : ''} has ${t.data.byteLength} bytes of data but shape ` +
        `[${t.shape.join(', ')}] of ${t.dtype} needs ${n * es}`,
      file: file ?? '<memory>',
      hint: 'the weights file is damaged or was written by a buggy tool; re-export it',
    });
  }
  const { buffer, byteOffset } = t.data;
  const dv = new DataView(buffer, byteOffset, t.data.byteLength);
  switch (t.dtype) {
    case 'float32':
      if (HOST_LE && byteOffset % 4 === 0) return new Float32Array(buffer, byteOffset, n);
      if (HOST_LE) return new Float32Array(new Uint8Array(t.data).buffer, 0, n); // copy to an aligned buffer
      return fill(n, (i) => dv.getFloat32(i * 4, true));
    case 'float16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
      return out;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'float64':
      if (HOST_LE && byteOffset % 8 === 0) return Float32Array.from(new Float64Array(buffer, byteOffset, n));
      return fill(n, (i) => dv.getFloat64(i * 8, true));
    case 'int64':
      return fill(n, (i) => Number(dv.getBigInt64(i * 8, true)));
    case 'int32':
      return fill(n, (i) => dv.getInt32(i * 4, true));
    case 'int16':
      return fill(n, (i) => dv.getInt16(i * 2, true));
    case 'int8':
      return Float32Array.from(new Int8Array(buffer, byteOffset, n));
    case 'uint8':
      return Float32Array.from(t.data);
    case 'bool':
      return fill(n, (i) => (t.data[i] !== 0 ? 1 : 0));
  }
}

function fill(n: number, f: (i: number) => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/** IEEE 754 binary16 bits -> number (exact: every half is representable as a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero / subnormal
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
