/**
 * Turn a (storage, offset, size, stride) tensor view into contiguous row-major bytes.
 * PyTorch tensors are views: several can share a storage, and a saved tensor may be
 * transposed or sliced. The common case, a contiguous view, is returned as a zero-copy
 * subarray; only genuinely strided tensors are gathered into a new buffer.
 *
 * A view can name far more elements than its storage holds (stride 0: `zeros(1).expand(2**28)`;
 * overlapping strides: `as_strided(zeros(40000), (20000, 20000), (1, 1))`), and many views can
 * share one storage, so a file of a few hundred bytes could make netforge allocate gigabytes.
 * Two caps, checked before anything is allocated (E_WEIGHTS_CORRUPT naming the tensor):
 * - a view may materialize at most as many bytes as its storage holds, or MAX_SMALL_VIEW
 *   bytes (a small broadcast, such as a bias expanded from one value, stays legal);
 * - all tensors of a file together may take at most its TensorBudget: twice the file's size
 *   plus TENSOR_SLACK (each storage used twice over, as tied weights do, fits), or less when
 *   the caller knows the model (8 bytes per parameter plus TENSOR_SLACK).
 */
import { dtypeSize, type WeightDType } from './tensor.js';
import { corrupt } from './fail.js';
import { printable } from '../printable.js';

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

/** A view that repeats its storage's elements may still materialize this many bytes. */
export const MAX_SMALL_VIEW = 1 << 20;
/** Added to every file's tensor budget. */
export const TENSOR_SLACK = 64 * 1024 * 1024;

/** Bytes the tensors of one file may take together (views counted at their contiguous size). */
export interface TensorBudget {
  /** Bytes still allowed. */
  remaining: number;
  /** The whole budget, and how it was derived, for messages. */
  readonly total: number;
  readonly why: string;
}

/** The budget of a file of `fileBytes` bytes; `maxBytes` (derived from a model's parameter count) can lower it. */
export function tensorBudget(fileBytes: number, maxBytes?: number): TensorBudget {
  const fromFile = 2 * fileBytes + TENSOR_SLACK;
  if (maxBytes !== undefined && maxBytes < fromFile) return { remaining: maxBytes, total: maxBytes, why: 'what the model\'s parameters can use' };
  return { remaining: fromFile, total: fromFile, why: `twice the file's ${fileBytes} bytes plus ${TENSOR_SLACK / 1024 / 1024} MiB` };
}

/**
 * Contiguous bytes of `view` read from `storage`. Every index the view can touch is
 * checked against the storage length first, so a lying checkpoint cannot read out of
 * bounds; then its size against its storage and the file's `budget` (see the file comment),
 * so it cannot make us allocate more than the file justifies.
 */
export function materialize(storage: Uint8Array, view: StridedView, file: string, name: string, budget?: TensorBudget): Uint8Array {
  const es = dtypeSize(view.dtype);
  const { size, stride, storageOffset } = view;
  if (size.length !== stride.length) throw corrupt(file, `tensor '${printable(name)}' has ${size.length} sizes but ${stride.length} strides`);
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
      `tensor '${printable(name)}' (size [${size.join(', ')}], stride [${stride.join(', ')}], offset ${storageOffset}) reaches element ${last} of a storage with only ${storageNumel} ${view.dtype} elements`,
    );
  }
  const bytes = numel * es;
  const shape = `size [${size.join(', ')}], stride [${stride.join(', ')}], offset ${storageOffset}`;
  if (bytes > storageNumel * es && bytes > MAX_SMALL_VIEW) {
    throw corrupt(
      file,
      `tensor '${printable(name)}' (${shape}) repeats elements of its storage: it would take ${bytes} bytes from a storage of ${storageNumel * es} bytes`,
      'a view that repeats its storage (expand, overlapping strides) is stored by torch.save without copying; netforge would have to copy it out. Save tensor.contiguous() (or .clone()) instead; a file that does this by design is made to exhaust memory',
    );
  }
  if (budget !== undefined) {
    if (bytes > budget.remaining) {
      throw corrupt(
        file,
        `tensor '${printable(name)}' (${shape}) takes ${bytes} bytes, past what the file's tensors may take together: ${budget.total} bytes (${budget.why}), ${budget.total - budget.remaining} of them used`,
        'its tensors share storages far more than torch.save writes them; save each tensor on its own (model.state_dict() does), or the file was made to exhaust memory',
      );
    }
    budget.remaining -= bytes;
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
