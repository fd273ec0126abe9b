/**
 * Turn a (storage, offset, size, stride) tensor view into contiguous row-major bytes.
 * PyTorch tensors are views: several can share a storage, and a saved tensor may be
 * transposed or sliced. The common case, a contiguous view, is returned as a zero-copy
 * subarray; only genuinely strided tensors are gathered into a new buffer.
 */
import { dtypeSize, type WeightDType } from './tensor.js';
import { corrupt } from './fail.js';

export interface StridedView {
  readonly dtype: WeightDType;
  /** In elements. */
  readonly storageOffset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

export function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    const s = size[d]!;
    // Dims of size 1 may carry any stride (PyTorch does not normalise them).
    if (s !== 1 && stride[d] !== expected) return false;
    expected *= s;
  }
  return true;
}

/**
 * Contiguous bytes of `view` read from `storage`. Every index the view can touch is
 * checked against the storage length first, so a lying checkpoint cannot read out of
 * bounds or make us allocate more than the storage could back.
 */
export function materialize(storage: Uint8Array, view: StridedView, file: string, name: string): Uint8Array {
  const es = dtypeSize(view.dtype);
  const { size, stride, storageOffset } = view;
  if (size.length !== stride.length) throw corrupt(file, `tensor '${name}' has ${size.length} sizes but ${stride.length} strides`);
  let numel = 1;
  let last = storageOffset; // highest element index the view reaches
  for (let d = 0; d < size.length; d++) {
    numel *= size[d]!;
    if (size[d]! > 0) last += (size[d]! - 1) * stride[d]!;
  }
  if (numel === 0) return new Uint8Array(0);
  const storageNumel = Math.floor(storage.length / es);
  if (!Number.isSafeInteger(last) || !Number.isSafeInteger(numel) || last >= storageNumel) {
    throw corrupt(
      file,
      `tensor '${name}' (size [${size.join(', ')}], stride [${stride.join(', ')}], offset ${storageOffset}) reaches element ${last} of a storage with only ${storageNumel} ${view.dtype} elements`,
    );
  }
  if (isContiguous(size, stride)) return storage.subarray(storageOffset * es, (storageOffset + numel) * es);
  return gather(storage, es, storageOffset, size, stride, numel);
}

/** Copy a strided view row by row; a unit inner stride copies whole rows with one `set`. */
function gather(src: Uint8Array, es: number, offset: number, size: readonly number[], stride: readonly number[], numel: number): Uint8Array {
  const out = new Uint8Array(numel * es);
  const nd = size.length;
  const inner = size[nd - 1]!;
  const innerStride = stride[nd - 1]!;
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  let o = 0;
  for (let row = 0, rows = numel / inner; row < rows; row++) {
    let base = offset;
    for (let d = 0; d < nd - 1; d++) base += idx[d]! * stride[d]!;
    if (innerStride === 1) {
      out.set(src.subarray(base * es, (base + inner) * es), o);
      o += inner * es;
    } else {
      for (let i = 0; i < inner; i++) {
        const s = (base + i * innerStride) * es;
        for (let b = 0; b < es; b++) out[o++] = src[s + b]!;
      }
    }
    // Odometer increment over the outer dims.
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Reverse the bytes of each element (big-endian storages), into a new buffer. */
export function byteSwapped(data: Uint8Array, es: number): Uint8Array {
  const out = new Uint8Array(data.length);
  if (es === 1) {
    out.set(data);
    return out;
  }
  for (let i = 0; i + es <= data.length; i += es) for (let b = 0; b < es; b++) out[i + b] = data[i + es - 1 - b]!;
  return out;
}
