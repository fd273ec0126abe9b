/**
 * What a serving runtime sees of an ONNX file: its inputs and outputs (name, element type,
 * dims) and the external data files its tensors live in. Read through the same protobuf
 * classes as every other ONNX read (./proto.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { onnx } from './proto.js';
import type { OnnxTypes } from './proto.js';
import { NetforgeError } from '../../errors.js';

export interface OnnxTensorInfo {
  readonly name: string;
  /** ONNX TensorProto.DataType code (1 float, 10 float16, ...); 0 when the file does not say. */
  readonly elemType: number;
  /** A number for a fixed dim, the symbol for a named one (`N`), null for a dim without either. */
  readonly dims: readonly (number | string | null)[];
  /** The file declares no shape at all (any rank). */
  readonly unranked: boolean;
}

export interface OnnxSignature {
  /** Graph inputs that are not initializers: what a request must provide. */
  readonly inputs: readonly OnnxTensorInfo[];
  readonly outputs: readonly OnnxTensorInfo[];
  /** Graph inputs that are also initializers (onnxruntime's overridable initializers): optional inputs. */
  readonly overridable: readonly OnnxTensorInfo[];
  /** The `location` of every tensor stored as external data, relative to the model file's folder. */
  readonly externalData: readonly string[];
}

const DATA_LOCATION_EXTERNAL = 1;

function tensorInfo(v: OnnxTypes.IValueInfoProto): OnnxTensorInfo {
  const t = v.type?.tensorType;
  const shape = t?.shape;
  const dims = (shape?.dim ?? []).map((d) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue !== undefined && d.dimValue !== null) return Number(d.dimValue);
    return null;
  });
  return { name: v.name ?? '', elemType: t?.elemType ?? 0, dims, unranked: shape === undefined || shape === null };
}

/** Decode an ONNX model's signature from its bytes. `file` names it in errors. */
export function onnxSignature(bytes: Uint8Array, file: string): OnnxSignature {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new NetforgeError({ code: 'E_ONNX_INVALID', message: `${file} is not a readable ONNX model: ${(e as Error).message}`, file, hint: 'write the model again (netforge compile -o ...); the file may be truncated or not ONNX' });
  }
  const g = model.graph;
  if (g === undefined || g === null) throw new NetforgeError({ code: 'E_ONNX_INVALID', message: `${file} holds no graph`, file, hint: 'this is not an ONNX model netforge or onnxruntime can run' });
  const initializers = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const externalData = new Set<string>();
  for (const t of g.initializer ?? []) {
    if (t.dataLocation !== DATA_LOCATION_EXTERNAL) continue;
    const loc = (t.externalData ?? []).find((kv) => kv.key === 'location')?.value;
    if (loc) externalData.add(loc);
  }
  const inputs = (g.input ?? []).map(tensorInfo);
  return {
    inputs: inputs.filter((i) => !initializers.has(i.name)),
    overridable: inputs.filter((i) => initializers.has(i.name)),
    outputs: (g.output ?? []).map(tensorInfo),
    externalData: [...externalData].sort(),
  };
}

/** Read an ONNX file's signature (a regular file; E_NOT_FOUND / E_ONNX_INVALID otherwise). */
export function readOnnxSignature(path: string): OnnxSignature {
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    bytes = readFileSync(path);
  } catch (e) {
    throw new NetforgeError({ code: 'E_NOT_FOUND', message: `cannot read ${path}: ${(e as Error).message}`, file: path, hint: 'check the path' });
  }
  return onnxSignature(bytes, path);
}
