/**
 * Read any supported weights file, recognising the format from its first bytes rather
 * than its extension (people name checkpoints .pth, .pt, .bin, .ckpt interchangeably).
 */
import type { StateDict } from './tensor.js';
import { fail } from './fail.js';
import { readWeightsFile } from './readFile.js';
import { isZip } from './zip.js';
import { isLegacyPth, parsePth, type ReadWeightsOptions } from './pth.js';
import { looksLikeSafetensors, parseSafetensors } from './safetensors.js';
import { isNpy } from './npy.js';

export const KNOWN_FORMATS =
  'PyTorch torch.save checkpoints (ZIP format, torch >= 1.6, and the legacy format) and safetensors';

export type { ReadWeightsOptions } from './pth.js';

/** A weights file (.pth zip or legacy, .safetensors; recognised by content) as a state dict, through the restricted unpickler (`o`: limits on what views may take). */
export function readWeights(path: string, o: ReadWeightsOptions = {}): StateDict {
  const buf = readWeightsFile(path);
  return parseWeights(buf, path, o);
}

/** Safetensors tensors tile the file exactly, so only checkpoints (views of shared storages) need `o`'s cap. */
export function parseWeights(buf: Uint8Array, file: string, o: ReadWeightsOptions = {}): StateDict {
  if (buf.length === 0) throw fail('E_WEIGHTS_TRUNCATED', file, 'the weights file is empty', 're-download or re-export it');
  if (isZip(buf) || isLegacyPth(buf)) return parsePth(buf, file, o);
  if (looksLikeSafetensors(buf)) return parseSafetensors(buf, file);
  throw fail('E_WEIGHTS_FORMAT', file, `unrecognised weights file: ${describe(buf)}`, `netforge reads ${KNOWN_FORMATS}`);
}

/** A best guess at what the user passed instead, to make the error actionable. */
function describe(buf: Uint8Array): string {
  const starts = (...b: number[]): boolean => b.every((x, i) => buf[i] === x);
  if (isNpy(buf)) return 'this is a NumPy .npy array (one tensor), not a state dict';
  if (starts(0x89, 0x48, 0x44, 0x46)) return 'this is an HDF5 file (Keras weights?)';
  if (starts(0x80) && buf.length > 1 && buf[1]! >= 2) return 'this is a Python pickle but not a torch.save checkpoint';
  if (starts(0x08)) return 'this looks like a protobuf file (ONNX or TensorFlow?)';
  if (starts(0x1f, 0x8b)) return 'this is gzip-compressed; decompress it first';
  return 'the first bytes match no known weights format';
}
