/** Exact output-size arithmetic shared by Conv and the pools (PyTorch's and ONNX's formulas agree). */

/** Effective extent of a dilated kernel: d*(k-1)+1. */
export function effectiveKernel(k: number, d: number): number {
  return d * (k - 1) + 1;
}

/** floor((in + padBegin + padEnd - d*(k-1) - 1) / stride) + 1, or ceil with ceilMode (PyTorch's rule included). */
export function windowOutDim(
  inDim: number,
  k: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
  ceilMode = false,
): number {
  const span = inDim + padBegin + padEnd - effectiveKernel(k, dilation);
  if (span < 0) return 0;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  // PyTorch: the last window must start inside the input or the begin padding.
  if ((out - 1) * stride >= inDim + padBegin) out -= 1;
  return out;
}

export function isSymbolic(d: unknown): d is string {
  return typeof d === 'string';
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
