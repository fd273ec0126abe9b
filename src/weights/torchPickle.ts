/**
 * What a torch.save pickle may contain, and how to turn it into tensor descriptors.
 *
 * The allowlist below is the complete set of globals a state dict (or a checkpoint dict
 * wrapping one) refers to; each is implemented here as a function building plain data.
 * Tensors come out as descriptors (storage key, dtype, offset, size, stride): the bytes
 * live elsewhere (ZIP entries or the tail of a legacy file) and are attached by pth.ts.
 */
import type { WeightDType } from './tensor.js';
import { fail, corrupt } from './fail.js';
import {
  PyDict,
  PyGlobal,
  PyList,
  PyObject,
  PyTuple,
  typeName,
  unpickle,
  type CallContext,
  type PyValue,
} from './pickle.js';
import { printable } from '../printable.js';

/** A storage as referenced by a persistent id; `viewOffset` (elements) is for legacy storage views. */
export class PyStorage extends PyObject {
  readonly pyType = 'torch.Storage';
  constructor(
    readonly key: string,
    readonly dtype: WeightDType,
    readonly location: string,
    readonly numel: number,
    readonly viewOffset = 0,
  ) {
    super();
  }
}

export class PyTensor extends PyObject {
  readonly pyType = 'torch.Tensor';
  constructor(
    readonly storage: PyStorage,
    readonly storageOffset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {
    super();
  }
}

export interface TensorDescriptor {
  readonly storageKey: string;
  readonly dtype: WeightDType;
  /** In elements, from the start of the storage (legacy view offsets already added). */
  readonly storageOffset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

export interface StorageInfo {
  readonly key: string;
  readonly dtype: WeightDType;
  /** Elements, as declared by the persistent id. */
  readonly numel: number;
}

export interface StateDictPickle {
  readonly tensors: Map<string, TensorDescriptor>;
  /** Every storage the pickle referenced, in first-use order (legacy files need the dtypes of all). */
  readonly storages: Map<string, StorageInfo>;
  readonly unwrappedFrom?: string;
  /** The checkpoint's `pytorch-lightning_version` entry, when it has one. */
  readonly lightning?: string;
  readonly skipped: string[];
  /** Offset just past the pickle. */
  readonly end: number;
}

const STORAGE_DTYPES: Readonly<Record<string, WeightDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** Storage-type markers; only referenced inside persistent ids, never called. */
class StorageType extends PyGlobal {
  constructor(
    module: string,
    name: string,
    readonly dtype: WeightDType,
  ) {
    super(module, name);
  }
}

function int(v: PyValue | undefined, what: string, file: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw corrupt(file, `${what} must be a non-negative integer, got ${v === undefined ? 'nothing' : typeName(v)} ${String(v)}`);
}

function ints(v: PyValue | undefined, what: string, file: string): number[] {
  if (!(v instanceof PyTuple) && !(v instanceof PyList)) throw corrupt(file, `${what} must be a tuple, got ${v === undefined ? 'nothing' : typeName(v)}`);
  return v.items.map((x, i) => int(x, `${what}[${i}]`, file));
}

function rebuildTensor(args: readonly PyValue[], ctx: CallContext, fn: string): PyTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof PyStorage)) throw corrupt(ctx.file, `${fn} expects a storage, got ${storage === undefined ? 'nothing' : typeName(storage)}`);
  const sz = ints(size, `${fn} size`, ctx.file);
  const st = ints(stride, `${fn} stride`, ctx.file);
  if (sz.length !== st.length) throw corrupt(ctx.file, `${fn}: size has ${sz.length} dims but stride has ${st.length}`);
  return new PyTensor(storage, int(offset, `${fn} storage offset`, ctx.file), sz, st);
}

function asTensor(v: PyValue | undefined, fn: string, file: string): PyTensor {
  if (v instanceof PyTensor) return v;
  throw corrupt(file, `${fn} expects a tensor, got ${v === undefined ? 'nothing' : typeName(v)}`);
}

/** How deep _rebuild_from_type_v2 may be nested in itself. */
export const MAX_REBUILD_NESTING = 16;

function makeAllowlist(): Map<string, PyGlobal> {
  const g = new Map<string, PyGlobal>();
  const add = (x: PyGlobal): void => void g.set(x.qualname, x);
  add(
    new PyGlobal('collections', 'OrderedDict', (args, ctx) => {
      const d = new PyDict();
      const init = args[0];
      if (args.length > 1 || (init !== undefined && !(init instanceof PyList) && !(init instanceof PyTuple))) {
        throw corrupt(ctx.file, 'OrderedDict called with unexpected arguments');
      }
      for (const kv of init?.items ?? []) {
        if (!(kv instanceof PyTuple) || kv.items.length !== 2) throw corrupt(ctx.file, 'OrderedDict items must be pairs');
        d.map.set(kv.items[0]!, kv.items[1]!);
      }
      return d;
    }),
  );
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  add(new PyGlobal('torch._utils', '_rebuild_tensor_v2', (a, ctx) => rebuildTensor(a, ctx, '_rebuild_tensor_v2')));
  add(new PyGlobal('torch._utils', '_rebuild_tensor', (a, ctx) => rebuildTensor(a, ctx, '_rebuild_tensor')));
  // (data, requires_grad, backward_hooks[, state]): a Parameter is its data for our purposes.
  add(new PyGlobal('torch._utils', '_rebuild_parameter', (a, ctx) => asTensor(a[0], '_rebuild_parameter', ctx.file)));
  add(new PyGlobal('torch._utils', '_rebuild_parameter_with_state', (a, ctx) => asTensor(a[0], '_rebuild_parameter_with_state', ctx.file)));
  // (func, new_type, args, state): torch >= 1.12 for Tensor subclasses; we accept plain Tensor/Parameter only.
  const tensorTypes = [new PyGlobal('torch', 'Tensor'), new PyGlobal('torch.nn.parameter', 'Parameter')];
  tensorTypes.forEach(add);
  // Its first argument is a function called with the third: a file can nest it in itself, so
  // the nesting is unwound in a loop, and bounded (torch writes it once around a tensor).
  const fromType: PyGlobal = new PyGlobal('torch._tensor', '_rebuild_from_type_v2', (a, ctx) => {
    let args = a;
    for (let depth = 1; ; depth++) {
      const [func, newType, inner] = args;
      if (!(func instanceof PyGlobal) || func.call === undefined || !(inner instanceof PyTuple)) {
        throw corrupt(ctx.file, '_rebuild_from_type_v2 called with unexpected arguments');
      }
      if (!tensorTypes.includes(newType as PyGlobal)) throw corrupt(ctx.file, `_rebuild_from_type_v2 to an unsupported type ${newType === undefined ? '' : typeName(newType)}`);
      if (func !== fromType) return asTensor(func.call(inner.items, ctx), '_rebuild_from_type_v2', ctx.file);
      if (depth >= MAX_REBUILD_NESTING) throw corrupt(ctx.file, `_rebuild_from_type_v2 is nested in itself more than ${MAX_REBUILD_NESTING} deep (torch.save writes it once around a tensor)`);
      args = inner.items;
    }
  });
  add(fromType);
  add(new PyGlobal('torch', 'Size', (a, ctx) => new PyTuple(ints(a[0], 'torch.Size', ctx.file))));
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) {
    add(new StorageType('torch', name, dtype));
    // Legacy files saved from a GPU name the CUDA storage types; the bytes are the same.
    add(new StorageType('torch.cuda', name, dtype));
  }
  return g;
}

export const TORCH_GLOBALS: ReadonlyMap<string, PyGlobal> = makeAllowlist();

/**
 * Tell a checkpoint holding ordinary Python objects (a whole nn.Module, argparse args,
 * numpy scalars: common in training scripts) apart from a likely attack. Both are
 * refused, since netforge never resolves arbitrary globals; only the advice differs.
 */
function globalHint(qualname: string): string {
  const resave = "load it in Python and re-save only the weights: torch.save(model.state_dict(), path) (or ckpt['state_dict']), or convert them to safetensors";
  if (/^(torch|torchvision|__main__)\./.test(qualname)) {
    return `the file holds a pickled Python object (${qualname}), probably a whole model saved with torch.save(model); ${resave}`;
  }
  if (/^(numpy|argparse|timm|pytorch_lightning|lightning|lightning_fabric|omegaconf)\./.test(qualname)) {
    return `the checkpoint holds Python objects other than tensors (${qualname}); ${resave}`;
  }
  return `netforge never runs code from a pickle. If you made the file, ${resave}. If you did not, do not open it with torch.load either: it may be malicious`;
}

/** Where the pickle's storages live, which decides the shape of its persistent ids. */
export type PthFlavor = 'zip' | 'legacy';

/**
 * Unpickle a torch.save object pickle and extract a state dict's tensor descriptors.
 * Throws E_PICKLE_GLOBAL for anything outside the allowlist (e.g. a whole pickled
 * nn.Module, or a malicious file).
 */
export function loadStateDictPickle(buf: Uint8Array, file: string, flavor: PthFlavor, offset = 0): StateDictPickle {
  const storages = new Map<string, StorageInfo>();
  const persistentLoad = (pid: PyValue): PyValue => {
    // zip:    ('storage', storage_type, key, location, numel)
    // legacy: ('storage', storage_type, root_key, location, root_numel, view_metadata)
    if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') throw corrupt(file, `unsupported persistent id (${typeName(pid)})`);
    const [, type, rawKey, location, numel, view] = pid.items;
    const want = flavor === 'zip' ? 5 : 6;
    if (pid.items.length !== want) throw corrupt(file, `storage persistent id has ${pid.items.length} fields, expected ${want} for a ${flavor} checkpoint`);
    if (!(type instanceof StorageType)) throw corrupt(file, `persistent id names ${type === undefined ? 'nothing' : typeName(type)} instead of a storage type`);
    const key = typeof rawKey === 'number' ? String(rawKey) : rawKey;
    if (typeof key !== 'string' || key.length === 0) throw corrupt(file, 'storage key must be a string');
    const n = int(numel, `size of storage '${printable(key)}'`, file);
    const prev = storages.get(key);
    if (prev === undefined) storages.set(key, { key, dtype: type.dtype, numel: n });
    else if (prev.dtype !== type.dtype) throw corrupt(file, `storage '${printable(key)}' is used both as ${prev.dtype} and as ${type.dtype}`);
    let viewOffset = 0;
    if (view !== undefined && view !== null) {
      // (view_key, offset, view_size), elements: pre-1.0 files that saved storage slices.
      if (!(view instanceof PyTuple) || view.items.length !== 3) throw corrupt(file, `storage '${printable(key)}' has malformed view metadata`);
      viewOffset = int(view.items[1], `view offset of storage '${printable(key)}'`, file);
      const viewSize = int(view.items[2], `view size of storage '${printable(key)}'`, file);
      if (viewOffset + viewSize > n) throw corrupt(file, `storage view of '${printable(key)}' runs past its ${n} elements`);
    }
    return new PyStorage(key, type.dtype, typeof location === 'string' ? location : 'cpu', n, viewOffset);
  };
  const { value, end } = unpickle(buf, { file, offset, globals: TORCH_GLOBALS, persistentLoad, globalHint });
  return { ...extractStateDict(value, file), storages, end };
}

const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model'] as const;

/** The entry PyTorch Lightning's checkpoint connector writes beside `state_dict`, `loops`, `optimizer_states`, ... */
const LIGHTNING_VERSION = 'pytorch-lightning_version';

function extractStateDict(value: PyValue, file: string): { tensors: Map<string, TensorDescriptor>; skipped: string[]; unwrappedFrom?: string; lightning?: string } {
  if (!(value instanceof PyDict)) {
    throw fail('E_WEIGHTS_FORMAT', file, `the checkpoint holds a ${typeName(value)}, not a dict of tensors`, 'save a state dict: torch.save(model.state_dict(), path)');
  }
  const top = collect(value);
  if (top.tensors.size > 0) return top;
  for (const k of WRAPPER_KEYS) {
    const inner = value.map.get(k);
    if (inner instanceof PyDict) {
      const sd = collect(inner);
      const version = value.map.get(LIGHTNING_VERSION);
      if (sd.tensors.size > 0) return { ...sd, unwrappedFrom: k, ...(typeof version === 'string' ? { lightning: version } : {}) };
    }
  }
  const keys = [...value.map.keys()].map((k) => (typeof k === 'string' ? k : typeName(k))).slice(0, 10);
  throw fail(
    'E_WEIGHTS_FORMAT',
    file,
    `the checkpoint contains no tensors (top-level keys: ${keys.length > 0 ? keys.map(printable).join(', ') : 'none'})`,
    `save a state dict: torch.save(model.state_dict(), path); checkpoints wrapping one under ${WRAPPER_KEYS.join('/')} are also understood`,
  );
}

function collect(d: PyDict): { tensors: Map<string, TensorDescriptor>; skipped: string[] } {
  const tensors = new Map<string, TensorDescriptor>();
  const skipped: string[] = [];
  for (const [k, v] of d.map) {
    const name = typeof k === 'string' ? k : typeof k === 'number' || typeof k === 'bigint' ? String(k) : `<${typeName(k)} key>`;
    if (v instanceof PyTensor && typeof k === 'string') {
      tensors.set(name, {
        storageKey: v.storage.key,
        dtype: v.storage.dtype,
        storageOffset: v.storage.viewOffset + v.storageOffset,
        size: v.size,
        stride: v.stride,
      });
    } else {
      skipped.push(name);
    }
  }
  return { tensors, skipped };
}
