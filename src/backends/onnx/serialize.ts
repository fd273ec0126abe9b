/**
 * IR -> ONNX ModelProto bytes, without copying tensor data.
 *
 * Protobuf messages are concatenations of fields in any order, so the model is written as
 * a list of chunks: the small parts (nodes, value_info, metadata, each initializer's
 * header) are encoded by ./wire.ts, and each initializer's raw_data field is a length
 * prefix followed by a view of the param's own Float32Array. The chunks go straight to
 * the file (atomically), never concatenated. Same graph -> byte-identical output.
 *
 * Tensors can go to an external data file instead (`externalData`, or automatically when
 * the model would pass protobuf's 2 GiB limit), each aligned to 4 KiB so onnxruntime can
 * map it. writeOnnx names that file after its content (`<model>.<hash>.data`, see
 * ./externalData.ts), so a model always reads its own data.
 */
import { basename, dirname, join } from 'node:path';
import type { DType, Graph, Param, Shape } from '../../ir/types.js';
import { nodeOnnx, type OnnxAttrValue, type OnnxConstInput, type OnnxInput } from '../../ir/ops.js';
import type { onnx as P } from 'onnx-proto';
import { ATTRIBUTE_TYPE, DATA_LOCATION, ONNX_DTYPE, DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, irVersionFor } from './constants.js';
import { encode, encodeGraph, encodeModelHeader, encodeTensorHeader, lengthPrefix } from './wire.js';
import { NetforgeError } from '../../errors.js';
import { atomicWriteFilesSync, type OutputFile } from '../../io/atomicWrite.js';
import { resolveOutput } from '../../io/outputTarget.js';
import { dataFileName, externalDataLocations, removeUnreferencedData } from './externalData.js';
import { NETFORGE_VERSION } from '../../version.js';
import { toFloat16Bits } from '../../ir/float16.js';
import { dimText } from '../../ir/dim.js';
import { qdqForm } from './qdq.js';

/** Names the external data file (a name, not a path) from its content. */
export type DataNamer = (data: readonly Uint8Array[]) => string;

export interface OnnxEmitOptions {
  /** Default 17. */
  readonly opset?: number;
  /** Write tensors to this sibling file (a name, or a function naming it from its bytes) instead of inside the model. */
  readonly externalData?: string | DataNamer;
  /** The data file's name when the model passes 2 GiB and goes external by itself. Default `<graph name>.onnx.data`. */
  readonly automaticExternalData?: string | DataNamer;
  readonly docString?: string;
}

export interface OnnxChunks {
  readonly model: readonly Uint8Array[];
  readonly modelBytes: number;
  /** Present when tensors are stored externally. */
  readonly external?: { readonly location: string; readonly chunks: readonly Uint8Array[]; readonly bytes: number };
}

/** protobuf's hard limit for one message; stay well clear of it. */
const PROTOBUF_LIMIT = 2 ** 31 - 1;
const EXTERNAL_ALIGN = 4096;

function checkOpset(opset: number): number {
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new NetforgeError({
      code: 'E_OPSET',
      message: `opset ${opset} is not supported`,
      hint: `choose an opset from ${MIN_OPSET} to ${MAX_OPSET} (default ${DEFAULT_OPSET})`,
      exitCode: 2,
    });
  }
  return opset;
}

function valueInfo(name: string, dtype: DType, shape: Shape): P.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[dtype],
        // a symbolic dim is its own dim_param: the input's names (N, H, W), and for a derived
        // size its expression (`ceil(H/32)`), so equal sizes share a name and onnxruntime can
        // plan with them; numbers stay dim_value (a fixed-size model's graph is unchanged)
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: dimText(d) })) },
      },
    },
  };
}

function attribute(name: string, a: OnnxAttrValue): P.IAttributeProto {
  const T = ATTRIBUTE_TYPE;
  switch (a.type) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
  }
}

/** Attributes in name order (the same graph gives the same bytes). */
function attributes(attrs: Readonly<Record<string, OnnxAttrValue>>): P.IAttributeProto[] {
  return Object.keys(attrs)
    .sort()
    .map((k) => attribute(k, attrs[k]!));
}

function constBytes(c: OnnxConstInput): Uint8Array {
  if (c.dtype === 'int64') {
    const a = new BigInt64Array(c.values.length);
    c.values.forEach((v, i) => (a[i] = BigInt(Math.min(v, Number.MAX_SAFE_INTEGER))));
    return new Uint8Array(a.buffer);
  }
  if (c.dtype === 'float16') return new Uint8Array(toFloat16Bits(new Float32Array(c.values)).buffer);
  if (c.dtype === 'int8') return new Uint8Array(new Int8Array(c.values).buffer);
  if (c.dtype === 'uint8') return new Uint8Array(c.values);
  if (c.dtype === 'int32') return new Uint8Array(new Int32Array(c.values).buffer);
  return new Uint8Array(new Float32Array(c.values).buffer);
}

function paramBytes(p: Param): Uint8Array {
  if (p.data === undefined) throw new Error(`internal: param ${p.name} has no data at serialization`);
  const d = p.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

interface TensorOut {
  readonly header: P.ITensorProto;
  readonly data: Uint8Array;
}

/** Encode a Graph as ONNX chunks (see the file comment). */
export function toOnnxChunks(g: Graph, opts: OnnxEmitOptions = {}): OnnxChunks {
  const opset = checkOpset(opts.opset ?? DEFAULT_OPSET);
  const tensors: TensorOut[] = [];
  for (const p of g.params.values()) {
    tensors.push({ header: { name: p.name, dims: [...p.shape], dataType: ONNX_DTYPE[p.dtype] }, data: paramBytes(p) });
  }
  const nodes: P.INodeProto[] = [];
  // Quantized tensors: scale/zero-point initializers, DequantizeLinear nodes for int8/int32 params (./qdq.ts).
  const qdq = qdqForm(g, opset);
  for (const c of qdq?.consts ?? []) tensors.push({ header: { name: c.name, dims: [...c.dims], dataType: ONNX_DTYPE[c.dtype] }, data: constBytes(c) });
  for (const n of g.nodes) {
    for (const d of qdq?.before.get(n.name) ?? []) {
      const axis = d.axis !== undefined ? [attribute('axis', { type: 'int', value: d.axis })] : [];
      nodes.push({ name: d.name, opType: 'DequantizeLinear', input: [...d.inputs], output: [d.output], attribute: axis, docString: d.module });
    }
    const base = nodeOnnx(n, opset, g.values.get(n.inputs[0] ?? '')?.dtype ?? 'float32');
    const qAxis = qdq?.axis.get(n.name);
    const spec = qAxis === undefined ? base : { ...base, attrs: { ...base.attrs, axis: { type: 'int', value: qAxis } as const } };
    // a constant input becomes an initializer named `<node>.<suffix>`; a helper's output is named so too
    const constant = (c: OnnxConstInput): string => {
      const name = `${n.name}.${c.suffix}`;
      tensors.push({ header: { name, dims: [...c.dims], dataType: ONNX_DTYPE[c.dtype] }, data: constBytes(c) });
      return name;
    };
    const inputName = (i: OnnxInput): string => {
      switch (i.kind) {
        case 'input':
          return n.inputs[i.index]!;
        case 'const':
          return constant(i.value);
        case 'helper':
          return `${n.name}.${i.suffix}`;
        case 'empty':
          return '';
      }
    };
    for (const h of spec.helpers ?? []) {
      const name = `${n.name}.${h.suffix}`;
      nodes.push({ name, opType: h.opType, input: h.inputs.map(inputName), output: [name], attribute: attributes(h.attrs), docString: n.module });
    }
    const inputs =
      spec.inputs !== undefined
        ? spec.inputs.map(inputName)
        : [
            ...n.inputs,
            ...n.params.map((p) => qdq?.paramInput.get(p) ?? p),
            ...(qdq?.extraInputs.get(n.name) ?? []),
            ...spec.constInputs.map((c) => (c === null ? '' : constant(c))),
          ];
    nodes.push({ name: n.name, opType: spec.opType, input: inputs, output: [...n.outputs], attribute: attributes(spec.attrs), docString: n.module });
  }
  const graphIO = new Set([...g.inputs, ...g.outputs]);
  const val = (id: string): P.IValueInfoProto => {
    const v = g.values.get(id)!;
    return valueInfo(id, v.dtype, v.shape);
  };
  const graphProto: P.IGraphProto = {
    name: g.name,
    node: nodes,
    input: g.inputs.map(val),
    output: g.outputs.map(val),
    valueInfo: g.nodes.flatMap((n) => n.outputs.filter((o) => !graphIO.has(o)).map(val)),
  };
  const meta = new Map(g.meta);
  meta.set('netforge.version', NETFORGE_VERSION);
  const modelProto: P.IModelProto = {
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'netforge',
    producerVersion: NETFORGE_VERSION,
    docString: opts.docString ?? `${g.name}, compiled by netforge`,
    metadataProps: [...meta.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value })),
  };

  const rawTotal = tensors.reduce((s, t) => s + t.data.byteLength, 0);
  const auto = rawTotal > PROTOBUF_LIMIT - 64 * 1024 * 1024;
  const namer = opts.externalData ?? (auto ? (opts.automaticExternalData ?? `${g.name}.onnx.data`) : undefined);

  // Where each tensor's bytes go: the data file (laid out first, so its name can come from its bytes) or the model.
  const extChunks: Uint8Array[] = [];
  const placed: ({ readonly offset: number } | undefined)[] = [];
  let extOffset = 0;
  for (const t of tensors) {
    if (namer === undefined || t.data.byteLength < 1024) {
      placed.push(undefined);
      continue;
    }
    const pad = (EXTERNAL_ALIGN - (extOffset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
    if (pad) extChunks.push(new Uint8Array(pad));
    extOffset += pad;
    placed.push({ offset: extOffset });
    extChunks.push(t.data);
    extOffset += t.data.byteLength;
  }
  const location = namer === undefined ? undefined : typeof namer === 'string' ? namer : namer(extChunks);

  const graphChunks: Uint8Array[] = [encode(graphProto, encodeGraph)];
  tensors.forEach((t, i) => {
    const at = placed[i];
    const header: P.ITensorProto =
      at === undefined || location === undefined
        ? t.header
        : {
            ...t.header,
            dataLocation: DATA_LOCATION.EXTERNAL,
            externalData: [
              { key: 'location', value: location },
              { key: 'offset', value: String(at.offset) },
              { key: 'length', value: String(t.data.byteLength) },
            ],
          };
    const withData = at === undefined;
    const head = encode(header, encodeTensorHeader);
    const rawPrefix = withData ? lengthPrefix(9, t.data.byteLength) : new Uint8Array(0);
    const tensorLen = head.byteLength + rawPrefix.byteLength + (withData ? t.data.byteLength : 0);
    graphChunks.push(lengthPrefix(5, tensorLen), head);
    if (withData) graphChunks.push(rawPrefix, t.data);
  });
  const graphLen = graphChunks.reduce((s, c) => s + c.byteLength, 0);
  const model = [encode(modelProto, encodeModelHeader), lengthPrefix(7, graphLen), ...graphChunks];
  const modelBytes = model.reduce((s, c) => s + c.byteLength, 0);
  if (modelBytes > PROTOBUF_LIMIT) {
    throw new NetforgeError({ code: 'E_TOO_LARGE', message: `the ONNX model would be ${modelBytes} bytes, over protobuf's 2 GiB limit`, hint: 'use --external-data' });
  }
  return {
    model,
    modelBytes,
    ...(location !== undefined ? { external: { location, chunks: extChunks, bytes: extOffset } } : {}),
  };
}

/** One contiguous buffer (for in-memory onnxruntime sessions and tests). Copies once. */
export function toOnnxBytes(g: Graph, opts: OnnxEmitOptions = {}): Uint8Array {
  const c = toOnnxChunks(g, opts);
  if (c.external) throw new Error('internal: toOnnxBytes cannot hold external data');
  return concat(c.model, c.modelBytes);
}

export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

export interface WrittenOnnx {
  readonly path: string;
  readonly bytes: number;
  readonly externalPath?: string;
  readonly externalBytes?: number;
}

export interface WriteOnnxOptions extends Omit<OnnxEmitOptions, 'externalData' | 'automaticExternalData'> {
  /** Keep tensors in a data file beside the model (`<model>.<hash>.data`); automatic past 2 GiB. */
  readonly externalData?: boolean;
  /**
   * Other outputs of the same command (a typed wrapper): written with the model as one
   * transaction, all temp files first, so a failure on any leaves every file as it was.
   */
  readonly companions?: readonly OutputFile[];
}

/**
 * Write the model (its external data, its companions) atomically, as one set: every temp file
 * is written first, then renamed under a lock, the data first and the model last (see
 * atomicWriteFilesSync). External data goes to `<model file name>.<hash>.data`; data files of
 * this model name that neither the new model nor the one it replaces refer to are then removed
 * (see ./externalData.ts). A symbolic link at `path` writes the file it points to, and the data
 * goes beside that file.
 */
export function writeOnnx(path: string, g: Graph, opts: WriteOnnxOptions = {}): WrittenOnnx {
  const { externalData, companions, ...rest } = opts;
  const target = resolveOutput(path).path;
  const modelName = basename(target);
  const namer: DataNamer = (data) => dataFileName(modelName, data);
  const c = toOnnxChunks(g, { ...rest, ...(externalData ? { externalData: namer } : { automaticExternalData: namer }) });
  const externalPath = c.external !== undefined ? join(dirname(target), c.external.location) : undefined;
  const keep = new Set<string>(c.external !== undefined ? [c.external.location] : []);
  atomicWriteFilesSync(
    [...(c.external !== undefined && externalPath !== undefined ? [{ path: externalPath, chunks: c.external.chunks }] : []), ...(companions ?? []), { path: target, chunks: c.model }],
    {
      // under the lock: what the model being replaced refers to stays for readers that opened it
      before: () => {
        for (const l of externalDataLocations(target)) keep.add(l);
      },
      after: () => removeUnreferencedData(target, keep),
    },
  );
  return {
    path,
    bytes: c.modelBytes,
    ...(externalPath !== undefined && c.external ? { externalPath, externalBytes: c.external.bytes } : {}),
  };
}
