/**
 * Run a model in onnxruntime the way Triton will feed it: inputs shaped exactly as its
 * config.pbtxt declares (the batch dim in front when max_batch_size > 0, each -1 given a
 * concrete size), and every declared output checked for presence, data type and shape.
 */
import type * as ort from 'onnxruntime-common';
import { loadOrt } from '../ort/ort.js';
import { NetforgeError } from '../../errors.js';
import { fillNormal, rngFor } from '../../ir/random.js';
import { toFloat16Bits } from '../../ir/float16.js';
import { createSession, releaseSession } from '../ort/session.js';
import type { ModelConfig, ModelInput, ModelOutput, TritonDataType } from './config.js';
import { WILDCARD_DIM } from './config.js';

export interface TensorShape {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface DeclaredRun {
  readonly batch: number;
  readonly inputs: readonly TensorShape[];
  readonly outputs: readonly TensorShape[];
}

/** onnxruntime's tensor type for each Triton data type it can be fed. */
const ORT_TYPE: Partial<Record<TritonDataType, ort.Tensor.Type>> = {
  TYPE_FP32: 'float32',
  TYPE_FP16: 'float16',
  TYPE_FP64: 'float64',
  TYPE_INT8: 'int8',
  TYPE_UINT8: 'uint8',
  TYPE_INT16: 'int16',
  TYPE_UINT16: 'uint16',
  TYPE_INT32: 'int32',
  TYPE_UINT32: 'uint32',
  TYPE_INT64: 'int64',
  TYPE_UINT64: 'uint64',
  TYPE_BOOL: 'bool',
};

/**
 * The full shape a request sends for a configured tensor at batch `batch`: [batch, ...dims]
 * with batching, dims without; a -1 takes the size at the same place of `reference` (a full
 * shape, batch included).
 */
export function declaredShape(t: ModelInput | ModelOutput, maxBatchSize: number, batch: number, reference?: readonly number[]): number[] {
  const dims = t.dims ?? [];
  const offset = maxBatchSize > 0 ? 1 : 0;
  const concrete = dims.map((d, i) => {
    if (d !== WILDCARD_DIM) return d;
    const size = reference?.[i + offset];
    if (size === undefined) throw new NetforgeError({ code: 'E_TRITON_VERIFY', message: `'${t.name ?? ''}' has a variable dim and no size to run it with`, hint: 'give a reference shape for it' });
    return size;
  });
  return maxBatchSize > 0 ? [batch, ...concrete] : concrete;
}

/** The shape the model itself takes or gives for a configured tensor (its reshape, when declared). */
function modelShape(t: ModelInput | ModelOutput, maxBatchSize: number, batch: number, reference?: readonly number[]): number[] {
  if (t.reshape === undefined) return declaredShape(t, maxBatchSize, batch, reference);
  return declaredShape({ ...t, dims: t.reshape.shape ?? [] }, maxBatchSize, batch, reference);
}

function inputData(type: ort.Tensor.Type, count: number, seed: string): ort.Tensor.DataType {
  if (type === 'float32' || type === 'float16' || type === 'float64') {
    const f = new Float32Array(count);
    fillNormal(f, 1, rngFor(0, seed));
    return type === 'float16' ? toFloat16Bits(f) : type === 'float64' ? Float64Array.from(f) : f;
  }
  if (type === 'int64') return new BigInt64Array(count);
  if (type === 'uint64') return new BigUint64Array(count);
  if (type === 'bool') return new Uint8Array(count);
  const ctor = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array }[type as 'int8'];
  return new ctor(count);
}

function fail(message: string, hint: string, file: string): NetforgeError {
  return new NetforgeError({ code: 'E_TRITON_VERIFY', message, file, hint });
}

/**
 * Run `modelPath` once per batch size with inputs shaped as `config` declares; throws
 * E_TRITON_VERIFY if onnxruntime refuses them or an output differs from its declaration.
 * `reference` gives sizes for -1 dims (full shapes, by input name; the same for outputs when
 * their variable dims are not the batch).
 */
export async function runAsDeclared(modelPath: string, config: ModelConfig, batches: readonly number[], reference: Readonly<Record<string, readonly number[]>> = {}): Promise<DeclaredRun[]> {
  const mbs = config.max_batch_size ?? 0;
  const session = await createSession(modelPath, { intraOpSpinning: false });
  const runs: DeclaredRun[] = [];
  try {
    for (const batch of mbs > 0 ? batches : [1]) {
      const feeds: Record<string, ort.Tensor> = {};
      const inputs: TensorShape[] = [];
      for (const t of config.input ?? []) {
        const name = t.name ?? '';
        const type = ORT_TYPE[t.data_type ?? 'TYPE_INVALID'];
        if (type === undefined) throw fail(`input '${name}' is ${t.data_type ?? 'untyped'}, which netforge cannot feed to onnxruntime`, 'use a numeric or bool input', modelPath);
        const shape = modelShape(t, mbs, batch, reference[name]);
        inputs.push({ name, shape: declaredShape(t, mbs, batch, reference[name]) });
        feeds[name] = new (loadOrt().Tensor)(type, inputData(type, shape.reduce((a, b) => a * b, 1), `triton-verify/${name}`), shape);
      }
      let out: ort.InferenceSession.ReturnType;
      try {
        out = await session.run(feeds);
      } catch (e) {
        throw fail(`onnxruntime refused inputs shaped as config.pbtxt declares them (${inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}): ${(e as Error).message}`, 'the config does not describe this model; netforge check-repo says where', modelPath);
      }
      const outputs: TensorShape[] = [];
      for (const t of config.output ?? []) {
        const name = t.name ?? '';
        const got = out[name];
        if (got === undefined) throw fail(`the model gave no output '${name}'`, 'declare only outputs the model has', modelPath);
        const want = ORT_TYPE[t.data_type ?? 'TYPE_INVALID'];
        if (got.type !== want) throw fail(`output '${name}' came back as ${got.type}, declared ${t.data_type ?? 'untyped'}`, 'fix its data_type', modelPath);
        // The model's own shape (its reshape, when declared), -1 matching any size.
        const own = t.reshape !== undefined ? (t.reshape.shape ?? []) : (t.dims ?? []);
        const expected = mbs > 0 ? [batch, ...own] : [...own];
        const dims = got.dims;
        const fits = dims.length === expected.length && expected.every((d, i) => d === WILDCARD_DIM || d === dims[i]);
        if (!fits) throw fail(`output '${name}' came back [${dims.join(', ')}], declared [${expected.join(', ')}]`, 'fix its dims', modelPath);
        outputs.push({ name, shape: [...dims] });
      }
      runs.push({ batch, inputs, outputs });
    }
  } finally {
    await releaseSession(session);
  }
  return runs;
}
