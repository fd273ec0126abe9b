/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {str: str}}`, then the byte buffer the offsets point into.
 *
 * The header is validated as strictly as the reference implementation: offsets in
 * bounds, sizes matching shape x dtype, and the tensors tiling the buffer exactly (no
 * overlaps, no holes). Tensors are returned as zero-copy views of the file buffer.
 */
import type { StateDict, WeightDType, WeightTensor } from './tensor.js';
import { dtypeSize, numelOf } from './tensor.js';
import { fail, truncated } from './fail.js';
import { ioError, readWeightsFile } from './readFile.js';
import { atomicWriteFileSync } from '../io/atomicWrite.js';
import { NetforgeError } from '../errors.js';
import { printable } from '../printable.js';

const MAX_HEADER = 100 * 1024 * 1024;

const FROM_ST: Readonly<Record<string, WeightDType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};
const TO_ST: Readonly<Record<WeightDType, string>> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

export interface SafetensorsFile extends StateDict {
  readonly metadata: Readonly<Record<string, string>>;
}

/** Cheap sniff: a plausible header length followed by a JSON object. */
export function looksLikeSafetensors(buf: Uint8Array): boolean {
  if (buf.length < 10) return false;
  const n = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  // A header length and a '{': even a length that runs past the end (a truncated copy) is
  // recognised, so the reader can say so instead of "no known format".
  return n >= 2n && n <= BigInt(MAX_HEADER) && buf[8] === 0x7b; // '{'
}

export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readWeightsFile(path), path);
}

export function parseSafetensors(buf: Uint8Array, file: string): SafetensorsFile {
  const bad = (msg: string): NetforgeError =>
    fail('E_SAFETENSORS_HEADER', file, `invalid safetensors header: ${msg}`, 'the file is damaged or was not written by a safetensors library; re-export it');
  if (buf.length < 8) throw truncated(file, `a safetensors file needs at least 8 bytes, this one has ${buf.length}`);
  const n64 = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) throw bad(`header length ${n64} exceeds the 100 MB limit`);
  const n = Number(n64);
  if (8 + n > buf.length) throw truncated(file, `the safetensors header (${n} bytes) runs past the end of the file (${buf.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(`not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('the header is not a JSON object');

  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  let metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, WeightTensor>();
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(info, bad);
      continue;
    }
    if (typeof info !== 'object' || info === null || Array.isArray(info)) throw bad(`entry '${printable(name)}' is not an object`);
    const { dtype: st, shape, data_offsets: offsets } = info as Record<string, unknown>;
    const dtype = typeof st === 'string' ? FROM_ST[st] : undefined;
    if (dtype === undefined) throw bad(`tensor '${printable(name)}' has unsupported dtype ${JSON.stringify(st)} (supported: ${Object.keys(FROM_ST).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw bad(`tensor '${printable(name)}' shape must be a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      throw bad(`tensor '${printable(name)}' data_offsets must be [begin, end] non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) throw bad(`tensor '${printable(name)}' data_offsets [${begin}, ${end}] are outside the ${dataLen}-byte data buffer`);
    const dims = shape as number[];
    const want = numelOf(dims) * dtypeSize(dtype);
    if (end - begin !== want) throw bad(`tensor '${printable(name)}' has ${end - begin} bytes but shape [${dims.join(', ')}] of ${st as string} needs ${want}`);
    spans.push({ name, begin, end });
    tensors.set(name, { dtype, shape: dims, data: buf.subarray(dataStart + begin, dataStart + end) });
  }
  // The spec requires the tensors to cover the buffer exactly, in some order.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const s of spans) {
    if (s.begin < covered) throw bad(`tensor '${printable(s.name)}' overlaps the previous tensor (starts at ${s.begin}, previous ends at ${covered})`);
    if (s.begin > covered) throw bad(`bytes ${covered}..${s.begin} of the data buffer belong to no tensor (a hole before '${printable(s.name)}')`);
    covered = s.end;
  }
  if (covered !== dataLen) throw bad(`the data buffer has ${dataLen - covered} trailing bytes that belong to no tensor`);
  return { format: 'safetensors', file, tensors, metadata };
}

function parseMetadata(v: unknown, bad: (m: string) => NetforgeError): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('__metadata__ must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
    if (typeof s !== 'string') throw bad(`__metadata__ value for '${printable(k)}' is not a string`);
    out[k] = s;
  }
  return out;
}

/**
 * Write tensors as safetensors, sorted by name so the output is deterministic. Tensor
 * buffers are handed to the atomic writer as chunks, never concatenated.
 */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, WeightTensor>, metadata?: Record<string, string>): void {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (name === '__metadata__' || name.length === 0) throw fail('E_SAFETENSORS_HEADER', path, `cannot write a tensor named '${printable(name)}'`, 'rename the tensor');
    const want = numelOf(t.shape) * dtypeSize(t.dtype);
    if (t.data.byteLength !== want) {
      throw fail('E_SAFETENSORS_HEADER', path, `tensor '${printable(name)}' has ${t.data.byteLength} bytes but shape [${t.shape.join(', ')}] of ${t.dtype} needs ${want}`, 'pass contiguous data matching the shape and dtype');
    }
    header[name] = { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + want] };
    chunks.push(t.data);
    offset += want;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data buffer starts 8-byte aligned (the reference writer does the same).
  const enc = new TextEncoder();
  let bytes = enc.encode(json);
  const pad = (8 - (bytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    bytes = enc.encode(json);
  }
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(bytes.length), true);
  try {
    atomicWriteFileSync(path, [len, bytes, ...chunks]);
  } catch (e) {
    throw ioError(path, e, 'write');
  }
}
