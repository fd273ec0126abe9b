/**
 * PyTorch checkpoints (`torch.save`), in both on-disk formats:
 *
 *  - ZIP (torch >= 1.6): `<name>/data.pkl` holds the object pickle, whose persistent ids
 *    name storages stored as `<name>/data/<key>` (uncompressed, 64-byte aligned, so the
 *    tensors become zero-copy views of the file buffer). `<name>/byteorder` says whether
 *    storages are little or big endian (absent before torch 1.12: little).
 *  - legacy (older torch, or `_use_new_zipfile_serialization=False`; the original
 *    torchvision ResNet weights): pickled magic number, protocol version, sys_info, the
 *    object pickle, a pickled list of storage keys, then for each key an int64 element
 *    count followed by the raw bytes.
 */
import type { StateDict, WeightTensor } from './tensor.js';
import { dtypeSize } from './tensor.js';
import { fail, corrupt, truncated } from './fail.js';
import { readWeightsFile } from './readFile.js';
import { isZip, readZip } from './zip.js';
import { PyDict, PyList, unpickle } from './pickle.js';
import { loadStateDictPickle, type StateDictPickle } from './torchPickle.js';
import { byteSwapped, materialize, tensorBudget, type TensorBudget } from './strided.js';
import { printable } from '../printable.js';

/** 0x1950a86a20f9469cfc6c, the legacy format's magic number, as a protocol-2 pickle (PROTO 2, LONG1 10 bytes). */
const LEGACY_MAGIC = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19);
const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

export function isLegacyPth(buf: Uint8Array): boolean {
  return buf.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((b, i) => buf[i] === b);
}

/** Options of the readers. */
export interface ReadWeightsOptions {
  /**
   * At most this many bytes for all tensors together (views counted at their contiguous
   * size), e.g. derived from the model's parameter count; the file's own limit (see
   * strided.ts) applies anyway.
   */
  readonly maxTensorBytes?: number;
}

export function readPth(path: string, o: ReadWeightsOptions = {}): StateDict {
  return parsePth(readWeightsFile(path), path, o);
}

export function parsePth(buf: Uint8Array, file: string, o: ReadWeightsOptions = {}): StateDict {
  const budget = tensorBudget(buf.length, o.maxTensorBytes);
  if (isZip(buf)) return parsePthZip(buf, file, budget);
  if (isLegacyPth(buf)) return parsePthLegacy(buf, file, budget);
  throw fail('E_WEIGHTS_FORMAT', file, 'not a PyTorch checkpoint (neither a torch.save ZIP archive nor the legacy format)', 'pass a file written by torch.save');
}

function parsePthZip(buf: Uint8Array, file: string, budget: TensorBudget): StateDict {
  const zip = readZip(buf, file);
  const names = [...zip.entries.keys()];
  const pkls = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    if (pkls.length > 1) throw corrupt(file, `the archive has ${pkls.length} data.pkl records; a checkpoint has one`);
    const torchscript = names.some((n) => /^[^/]+\/(constants\.pkl|code\/)/.test(n));
    throw fail(
      'E_WEIGHTS_FORMAT',
      file,
      torchscript ? 'this is a TorchScript archive (torch.jit.save), not a state dict' : 'a ZIP archive without data.pkl is not a PyTorch checkpoint',
      torchscript ? 'load it in Python and save the weights: torch.save(model.state_dict(), path)' : 'pass a file written by torch.save',
    );
  }
  const prefix = pkls[0]!.slice(0, -'data.pkl'.length);
  let bigEndian = false;
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big') throw corrupt(file, `unknown byteorder '${printable(order)}' in the archive`);
    bigEndian = order === 'big';
  }
  const pickle = loadStateDictPickle(zip.read(`${prefix}data.pkl`), file, 'zip');
  const cache = new Map<string, Uint8Array>();
  const storage = (key: string): Uint8Array => {
    let bytes = cache.get(key);
    if (bytes === undefined) {
      const entry = `${prefix}data/${key}`;
      if (!zip.entries.has(entry)) throw corrupt(file, `storage '${printable(key)}' is missing from the archive (no ${entry})`);
      bytes = zip.read(entry);
      const info = pickle.storages.get(key);
      if (bigEndian && info !== undefined) bytes = byteSwapped(bytes, dtypeSize(info.dtype));
      cache.set(key, bytes);
    }
    return bytes;
  };
  return toStateDict(pickle, 'pth-zip', file, storage, budget);
}

function parsePthLegacy(buf: Uint8Array, file: string, budget: TensorBudget): StateDict {
  const plain = { file, globals: new Map() };
  const magic = unpickle(buf, plain);
  if (magic.value !== MAGIC_NUMBER) throw fail('E_WEIGHTS_FORMAT', file, 'not a legacy PyTorch checkpoint: wrong magic number', 'pass a file written by torch.save');
  const version = unpickle(buf, { ...plain, offset: magic.end });
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    throw fail('E_WEIGHTS_FORMAT', file, `unsupported legacy checkpoint protocol version ${String(version.value)}`, 'load and re-save the checkpoint with a recent torch');
  }
  const sysInfo = unpickle(buf, { ...plain, offset: version.end });
  if (!(sysInfo.value instanceof PyDict)) throw corrupt(file, 'legacy checkpoint sys_info is not a dict');
  const littleEndian = sysInfo.value.map.get('little_endian') !== false;

  const pickle = loadStateDictPickle(buf, file, 'legacy', sysInfo.end);
  const keysPickle = unpickle(buf, { ...plain, offset: pickle.end });
  if (!(keysPickle.value instanceof PyList)) throw corrupt(file, 'legacy checkpoint storage key list is not a list');

  // Raw storages follow in key-list order, each as int64 element count + bytes. Where the
  // first one's data lands depends on the pickles before it (storage keys are object ids of
  // any length), so it is 8-byte aligned in the file buffer only by chance. When it is not,
  // the storage region is copied once into a fresh (aligned) buffer: every tensor is then a
  // view of that one copy, where a misaligned one would be copied tensor by tensor.
  const region = (buf.byteOffset + keysPickle.end + 8) % 8 === 0 ? buf.subarray(keysPickle.end) : new Uint8Array(buf.subarray(keysPickle.end));
  const dv = new DataView(region.buffer, region.byteOffset, region.byteLength);
  const storages = new Map<string, Uint8Array>();
  let pos = 0;
  for (const k of keysPickle.value.items) {
    const key = typeof k === 'number' ? String(k) : k;
    const info = typeof key === 'string' ? pickle.storages.get(key) : undefined;
    if (typeof key !== 'string' || info === undefined) throw corrupt(file, `legacy checkpoint lists storage '${printable(String(key))}' that no tensor uses`);
    if (pos + 8 > region.length) throw truncated(file, `legacy checkpoint ends before storage '${printable(key)}'`);
    const count = dv.getBigInt64(pos, true);
    const es = dtypeSize(info.dtype);
    const nbytes = count * BigInt(es);
    if (count < 0n || nbytes > BigInt(region.length - pos - 8)) {
      throw truncated(file, `legacy storage '${printable(key)}' declares ${count} ${info.dtype} elements but only ${region.length - pos - 8} bytes remain`);
    }
    const start = pos + 8;
    pos = start + Number(nbytes);
    const bytes = region.subarray(start, pos);
    storages.set(key, littleEndian ? bytes : byteSwapped(bytes, es));
  }
  const storageOf = (key: string): Uint8Array => {
    const s = storages.get(key);
    if (s === undefined) throw corrupt(file, `storage '${printable(key)}' is not in the legacy checkpoint's storage list`);
    return s;
  };
  return toStateDict(pickle, 'pth-legacy', file, storageOf, budget);
}

function toStateDict(pickle: StateDictPickle, format: StateDict['format'], file: string, storage: (key: string) => Uint8Array, budget: TensorBudget): StateDict {
  let entries: [string, WeightTensor][] = [];
  for (const [name, d] of pickle.tensors) {
    entries.push([name, { dtype: d.dtype, shape: d.size, data: materialize(storage(d.storageKey), d, file, name, budget) }]);
  }
  // nn.DataParallel saves every key as `module.<name>`; strip it only when all keys have it.
  const PREFIX = 'module.';
  const strip = entries.length > 0 && entries.every(([n]) => n.startsWith(PREFIX));
  if (strip) entries = entries.map(([n, t]) => [n.slice(PREFIX.length), t]);
  return {
    format,
    file,
    tensors: new Map(entries),
    ...(pickle.unwrappedFrom !== undefined ? { unwrappedFrom: pickle.unwrappedFrom } : {}),
    ...(pickle.lightning !== undefined ? { lightning: pickle.lightning } : {}),
    ...(strip ? { strippedPrefix: PREFIX } : {}),
    ...(pickle.skipped.length > 0 ? { skipped: pickle.skipped } : {}),
  };
}
