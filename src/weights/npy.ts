/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0): `\x93NUMPY`, major, minor, a
 * little-endian header length (u16 for 1.0, u32 after), a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, then the raw array.
 * Used for model inputs/outputs and per-tensor weight dumps.
 */
import type { WeightDType, WeightTensor } from './tensor.js';
import { dtypeSize, numelOf } from './tensor.js';
import { fail, truncated } from './fail.js';
import { ioError, readFileHead, readWeightsFile } from './readFile.js';
import { atomicWriteFileSync } from '../io/atomicWrite.js';
import type { NetforgeError } from '../errors.js';
import { printable } from '../printable.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** descr -> dtype. `|` (not applicable) and `<` (little-endian) are what numpy writes on every common platform. */
const FROM_DESCR: Readonly<Record<string, WeightDType>> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<f8': 'float64',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '|b1': 'bool',
};
const TO_DESCR: Readonly<Partial<Record<WeightDType, string>>> = Object.fromEntries(
  Object.entries(FROM_DESCR).map(([d, t]) => [t, d]),
);

export function isNpy(buf: Uint8Array): boolean {
  return buf.length >= 6 && MAGIC.every((b, i) => buf[i] === b);
}

/** A NumPy .npy file as a tensor (dtype, shape, little-endian bytes). */
export function readNpy(path: string): WeightTensor {
  return parseNpy(readWeightsFile(path), path);
}

export function parseNpy(buf: Uint8Array, file: string): WeightTensor {
  const h = parseNpyHeader(buf, file);
  return { dtype: h.dtype, shape: h.shape, data: buf.subarray(h.dataOffset, h.dataOffset + h.dataBytes) };
}

/** A .npy file's header: what its array is, and where the data starts. */
export interface NpyHeader {
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
  readonly dataOffset: number;
  readonly dataBytes: number;
}

/**
 * The header of a .npy file whose first bytes are `buf` (the whole file, or a prefix that
 * holds the header) and whose size is `fileBytes`; the size must fit the declared array.
 */
export function parseNpyHeader(buf: Uint8Array, file: string, fileBytes = buf.length): NpyHeader {
  const bad = (msg: string, hint?: string): NetforgeError =>
    fail('E_NPY_HEADER', file, `invalid .npy header: ${msg}`, hint ?? 'write the array with numpy.save');
  if (!isNpy(buf)) throw fail('E_WEIGHTS_FORMAT', file, 'not a .npy file (missing the \\x93NUMPY magic)', 'write the array with numpy.save');
  if (buf.length < 10) throw truncated(file, 'the .npy file ends inside its preamble');
  const major = buf[6]!;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let hlen: number;
  let hstart: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    hstart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw truncated(file, 'the .npy file ends inside its preamble');
    hlen = dv.getUint32(8, true);
    hstart = 12;
  } else {
    throw bad(`unsupported format version ${major}.${buf[7]!}`, 'save with numpy >= 1.0 (versions 1.0-3.0 are supported)');
  }
  if (hstart + hlen > buf.length) throw truncated(file, `the .npy header (${hlen} bytes) runs past the end of the file`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(hstart, hstart + hlen));
  const dict = parseHeaderDict(text, bad);

  const descr = dict.get('descr');
  const dtype = typeof descr === 'string' ? FROM_DESCR[descr] : undefined;
  if (dtype === undefined) {
    throw bad(`unsupported dtype ${JSON.stringify(descr)}`, `supported: ${Object.keys(FROM_DESCR).join(' ')}; convert with arr.astype('<f4')`);
  }
  const fortran = dict.get('fortran_order');
  if (fortran === true) throw bad('fortran_order is True', 'netforge reads C-order arrays only; save np.ascontiguousarray(arr) instead');
  if (fortran !== false) throw bad('fortran_order must be True or False');
  const shape = dict.get('shape');
  if (!Array.isArray(shape)) throw bad('shape must be a tuple of integers');

  // Check the size against the file before allocating or slicing anything.
  const es = dtypeSize(dtype);
  const numel = numelOf(shape);
  const start = hstart + hlen;
  const have = fileBytes - start;
  if (!Number.isSafeInteger(numel * es) || numel * es > have) {
    throw truncated(file, `shape (${shape.join(', ')}) of ${descr as string} needs ${numel * es} bytes but the file has ${have}`);
  }
  if (numel * es < have) {
    throw fail('E_WEIGHTS_CORRUPT', file, `the .npy file has ${have - numel * es} bytes after its array`, 'the file was damaged or appended to; write it again with numpy.save');
  }
  return { dtype, shape, dataOffset: start, dataBytes: numel * es };
}

/** The header of a .npy file, reading only its first bytes. */
export function readNpyHeader(path: string): NpyHeader {
  // The preamble holds the header length: 10 bytes (version 1) or 12 (versions 2, 3).
  const pre = readFileHead(path, () => 12);
  const major = pre.head[6];
  const len = pre.head.length >= 12 && isNpy(pre.head) ? (major === 1 ? 10 + (pre.head[8]! | (pre.head[9]! << 8)) : 12 + new DataView(pre.head.buffer, pre.head.byteOffset).getUint32(8, true)) : 12;
  const { head, size } = readFileHead(path, () => len);
  return parseNpyHeader(head, path, size);
}

type HeaderValue = string | boolean | number[];

/**
 * Parse the header's Python dict literal: string keys, and values that are strings,
 * True/False, or tuples of ints. Anything else in a header is not something numpy writes.
 */
function parseHeaderDict(text: string, bad: (m: string) => NetforgeError): Map<string, HeaderValue> {
  const tokens = text.match(/'[^']*'|"[^"]*"|\d+L?|[A-Za-z_]+|[{}():,]|\S/g) ?? [];
  let i = 0;
  const next = (): string => {
    const t = tokens[i++];
    if (t === undefined) throw bad('unexpected end of the header dict');
    return t;
  };
  const isStr = (t: string): boolean => t.startsWith("'") || t.startsWith('"');
  const value = (): HeaderValue => {
    const t = next();
    if (isStr(t)) return t.slice(1, -1);
    if (t === 'True') return true;
    if (t === 'False') return false;
    if (t !== '(') throw bad(`unexpected '${printable(t)}' in the header`);
    const dims: number[] = [];
    for (;;) {
      const u = next();
      if (u === ')') return dims;
      const d = Number(u.replace(/L$/, ''));
      if (!/^\d+L?$/.test(u) || !Number.isSafeInteger(d)) throw bad(`shape entry '${printable(u)}' is not a non-negative integer`);
      dims.push(d);
      const sep = next();
      if (sep === ')') return dims;
      if (sep !== ',') throw bad(`expected ',' in shape, got '${printable(sep)}'`);
    }
  };
  if (next() !== '{') throw bad('the header is not a dict');
  const out = new Map<string, HeaderValue>();
  for (;;) {
    const k = next();
    if (k === '}') break;
    if (!isStr(k)) throw bad(`dict key ${k} is not a string`);
    if (next() !== ':') throw bad(`expected ':' after ${k}`);
    out.set(k.slice(1, -1), value());
    const sep = next();
    if (sep === '}') break;
    if (sep !== ',') throw bad(`expected ',' after the value of ${k}`);
  }
  if (i !== tokens.length) throw bad('unexpected text after the header dict');
  for (const key of ['descr', 'fortran_order', 'shape']) if (!out.has(key)) throw bad(`missing '${printable(key)}'`);
  return out;
}

/** Write a C-order array as .npy (version 1.0, or 2.0 when the header needs more than 64 KiB). */
export function writeNpy(path: string, dtype: WeightDType, shape: readonly number[], data: Uint8Array): void {
  const chunks = encodeNpy(path, dtype, shape, data);
  try {
    atomicWriteFileSync(path, chunks);
  } catch (e) {
    throw ioError(path, e, 'write');
  }
}

/** A C-order array as .npy bytes (header chunks, then the data itself, not copied). `path` names it in errors. */
export function encodeNpy(path: string, dtype: WeightDType, shape: readonly number[], data: Uint8Array): Uint8Array[] {
  const descr = TO_DESCR[dtype];
  if (descr === undefined) throw fail('E_NPY_HEADER', path, `.npy cannot hold ${dtype}`, 'convert the tensor to float32 first');
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fail('E_NPY_HEADER', path, `invalid shape [${shape.join(', ')}]`, 'dimensions must be non-negative integers');
  const want = numelOf(shape) * dtypeSize(dtype);
  if (data.byteLength !== want) {
    throw fail('E_NPY_HEADER', path, `data has ${data.byteLength} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${want}`, 'pass contiguous data matching the shape and dtype');
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // numpy pads with spaces and ends with '\n' so the data starts 64-byte aligned.
  const padded = (pre: number): number => Math.ceil((pre + dict.length + 1) / 64) * 64;
  const version = padded(10) - 10 <= 0xffff ? 1 : 2;
  const pre = version === 1 ? 10 : 12;
  const total = padded(pre);
  const header = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const head = new Uint8Array(pre);
  head.set(MAGIC);
  head[6] = version;
  head[7] = 0;
  const dv = new DataView(head.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  return [head, new TextEncoder().encode(header), data];
}
