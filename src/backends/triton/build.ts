/**
 * The config.pbtxt of an ONNX model from its signature (names, data types, dims) and the
 * serving options. Works on any list of inputs and outputs and any mix of fixed and symbolic
 * dims.
 *
 * Rules:
 * 1. A symbolic dim is -1 (Triton's variable-size dim); a fixed dim is its number.
 * 2. max_batch_size > 0 makes the first dim the implicit batch, left out of `dims`. Triton's
 *    ONNX Runtime backend allows that only when every input and output starts with a
 *    variable dim (so the default is 8 for such a model, 0 otherwise; asking for batching on a
 *    model with a fixed first dim is E_TRITON_BATCH_DIM).
 * 3. A tensor with no dims left is declared dims [1], with an empty reshape when batching (as
 *    the backend's own auto-complete does).
 * 4. Warmup samples (batch 1, and max_batch_size) use the declared dims, with each -1 given
 *    the size of the model's reference shape.
 */
import { NetforgeError } from '../../errors.js';
import type { ErrorCode } from '../../errorCodes.js';
import type { OnnxSignature, OnnxTensorInfo } from '../onnx/signature.js';
import type { InstanceKind, ModelConfig, ModelInput, ModelOutput, ModelWarmup, TensorReshape, TritonDataType, VersionPolicy } from './config.js';
import { ONNX_PLATFORM, ONNX_TO_TRITON, WILDCARD_DIM } from './config.js';
import { ACCELERATORS, checkAccelerator } from './accelerators.js';
import { assertModelName } from './names.js';

/** One input or output as Triton sees it: `null` dims are symbolic. */
export interface TensorSpec {
  readonly name: string;
  readonly dataType: TritonDataType;
  readonly shape: readonly (number | null)[];
}

export interface ModelSignature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/** netforge's max_batch_size for a model that can batch, unless told otherwise. */
export const DEFAULT_MAX_BATCH_SIZE = 8;

export interface ServingOptions {
  /** The model's name in the repository (its folder). */
  readonly name: string;
  /** Default DEFAULT_MAX_BATCH_SIZE when the model can batch, else 0. */
  readonly maxBatchSize?: number;
  readonly dynamicBatching?: { readonly preferredBatchSizes?: readonly number[]; readonly maxQueueDelayMicroseconds?: number };
  /** Written only when given. Default count 1, kind auto. */
  readonly instanceGroup?: { readonly count?: number; readonly kind?: 'cpu' | 'gpu' | 'auto' };
  readonly accelerator?: { readonly name: string; readonly parameters?: Readonly<Record<string, string>> };
  /** Warmup samples made of zeros or random data. Default none. */
  readonly warmup?: 'zero' | 'random';
  readonly versionPolicy?: VersionPolicy;
  /** A label file (in the model folder) for one classifier output. */
  readonly labels?: { readonly output: string; readonly fileName: string };
  /** Concrete shapes (batch dim included) per input, for warmup samples of symbolic dims. */
  readonly referenceShapes?: Readonly<Record<string, readonly number[]>>;
}

function tensorSpecOf(t: OnnxTensorInfo, file: string): TensorSpec {
  const dataType = ONNX_TO_TRITON[t.elemType];
  if (dataType === undefined) throw new NetforgeError({ code: 'E_TRITON_DTYPE', message: `'${t.name}' has ONNX element type ${t.elemType}, which Triton's ONNX Runtime backend does not serve`, file, hint: 'Triton serves bool, integer, float (16, 32, 64) and string tensors' });
  if (t.unranked) throw new NetforgeError({ code: 'E_TRITON_SHAPE', message: `'${t.name}' declares no shape`, file, hint: 'Triton needs the rank of every input and output: give the tensor a shape in the ONNX graph' });
  return { name: t.name, dataType, shape: t.dims.map((d) => (typeof d === 'number' ? d : null)) };
}

/** The Triton view of an ONNX file's signature. */
export function signatureOfOnnx(sig: OnnxSignature, file: string): ModelSignature {
  return { inputs: sig.inputs.map((t) => tensorSpecOf(t, file)), outputs: sig.outputs.map((t) => tensorSpecOf(t, file)) };
}

/** The first tensor whose first dim is not variable (it cannot take a batch), if any. */
export function unbatchable(sig: ModelSignature): TensorSpec | undefined {
  return [...sig.inputs, ...sig.outputs].find((t) => t.shape.length === 0 || t.shape[0] !== null);
}

export function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => d ?? -1).join(', ')}]`;
}

/** `dims` (and a reshape for a per-sample scalar) of a tensor under max_batch_size. */
export function tritonDims(shape: readonly (number | null)[], maxBatchSize: number): { readonly dims: readonly number[]; readonly reshape?: TensorReshape } {
  const rest = (maxBatchSize > 0 ? shape.slice(1) : shape).map((d) => d ?? WILDCARD_DIM);
  if (rest.length > 0) return { dims: rest };
  return maxBatchSize > 0 ? { dims: [1], reshape: {} } : { dims: [1] };
}

function usage(code: ErrorCode, message: string, hint: string): NetforgeError {
  return new NetforgeError({ code, message, hint, exitCode: 2 });
}

function positiveInt(v: number, what: string, code: ErrorCode): number {
  if (!Number.isSafeInteger(v) || v < 1) throw usage(code, `${what} must be a positive integer, got ${v}`, `e.g. ${what} 4`);
  return v;
}

function maxBatchSizeFor(sig: ModelSignature, asked: number | undefined): number {
  const fixed = unbatchable(sig);
  if (asked === undefined) return fixed === undefined ? DEFAULT_MAX_BATCH_SIZE : 0;
  if (!Number.isSafeInteger(asked) || asked < 0 || asked > 2 ** 31 - 1) throw usage('E_TRITON_BATCH', `max_batch_size must be an integer from 0 to 2^31-1, got ${asked}`, '0 disables batching; e.g. --max-batch-size 8');
  if (asked > 0 && fixed !== undefined) {
    throw new NetforgeError({
      code: 'E_TRITON_BATCH_DIM',
      message: `max_batch_size ${asked} makes the first dim of every input and output the batch, but '${fixed.name}' is ${shapeText(fixed.shape)}: its first dim is ${fixed.shape.length === 0 ? 'missing' : `fixed at ${fixed.shape[0]}`}`,
      hint: 'use --max-batch-size 0 (requests then send exactly the declared shape), or give the model a symbolic batch dim',
    });
  }
  return asked;
}

function warmupSamples(sig: ModelSignature, inputs: readonly ModelInput[], mbs: number, kind: 'zero' | 'random', reference: Readonly<Record<string, readonly number[]>>): ModelWarmup[] {
  const batches = mbs > 1 ? [1, mbs] : [1];
  const concrete = inputs.map((inp, i) => {
    const spec = sig.inputs[i]!;
    const ref = reference[spec.name];
    const offset = mbs > 0 ? 1 : 0;
    const dims = (inp.dims ?? []).map((d, j) => {
      if (d !== WILDCARD_DIM) return d;
      const size = ref?.[j + offset];
      if (size === undefined) throw usage('E_TRITON_WARMUP', `input '${spec.name}' ${shapeText(spec.shape)} has a symbolic dim and no size to warm up with`, 'give the model a reference input size, or leave out --warmup');
      return size;
    });
    return [spec.name, { data_type: spec.dataType, dims, ...(kind === 'zero' ? { zero_data: true } : { random_data: true }) }] as const;
  });
  return batches.map((b) => ({ name: `${kind}_batch_${b}`, batch_size: b, inputs: Object.fromEntries(concrete) }));
}

/** The config.pbtxt content (as data) for a model with signature `sig`. Throws coded errors for options Triton would refuse. */
export function buildConfig(sig: ModelSignature, o: ServingOptions): ModelConfig {
  const name = assertModelName(o.name);
  const mbs = maxBatchSizeFor(sig, o.maxBatchSize);
  const tensor = (t: TensorSpec): ModelInput => ({ name: t.name, data_type: t.dataType, ...tritonDims(t.shape, mbs) });
  const input = sig.inputs.map(tensor);
  const labelled = o.labels;
  if (labelled !== undefined && !sig.outputs.some((t) => t.name === labelled.output)) throw new Error(`internal: no output ${labelled.output} for labels`);
  const output: ModelOutput[] = sig.outputs.map((t) => ({ ...tensor(t), ...(labelled?.output === t.name ? { label_filename: labelled.fileName } : {}) }));
  const names = [...sig.inputs, ...sig.outputs].map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new NetforgeError({ code: 'E_TRITON_NAMES', message: `'${dup}' names two of the model's inputs and outputs`, hint: 'Triton addresses tensors by name: each input and output needs its own' });

  let dynamic_batching: ModelConfig['dynamic_batching'];
  if (o.dynamicBatching !== undefined) {
    if (mbs === 0) throw usage('E_TRITON_BATCH', 'dynamic batching needs max_batch_size > 0', 'give --max-batch-size N (the model must start with a symbolic batch dim), or leave out the dynamic batching options');
    const preferred = o.dynamicBatching.preferredBatchSizes ?? [];
    for (const b of preferred) {
      if (!Number.isSafeInteger(b) || b < 1 || b > mbs) throw usage('E_TRITON_BATCH', `preferred batch size ${b} is not between 1 and max_batch_size ${mbs}`, 'Triton refuses a preferred batch size that is not positive or exceeds max_batch_size');
    }
    const delay = o.dynamicBatching.maxQueueDelayMicroseconds;
    if (delay !== undefined && (!Number.isSafeInteger(delay) || delay < 0)) throw usage('E_TRITON_BATCH', `max queue delay must be a non-negative integer (microseconds), got ${delay}`, 'e.g. --max-queue-delay-us 100');
    dynamic_batching = { ...(preferred.length > 0 ? { preferred_batch_size: [...new Set(preferred)].sort((a, b) => a - b) } : {}), ...(delay !== undefined ? { max_queue_delay_microseconds: delay } : {}) };
  }

  const kindName = o.instanceGroup?.kind ?? 'auto';
  const kind: InstanceKind = kindName === 'cpu' ? 'KIND_CPU' : kindName === 'gpu' ? 'KIND_GPU' : 'KIND_AUTO';
  const instance_group = o.instanceGroup !== undefined ? [{ count: positiveInt(o.instanceGroup.count ?? 1, '--instances', 'E_USAGE'), kind }] : undefined;

  let optimization: ModelConfig['optimization'];
  if (o.accelerator !== undefined) {
    const acc = o.accelerator;
    const spec = ACCELERATORS[acc.name];
    if (spec === undefined) throw usage('E_TRITON_ACCELERATOR', `'${acc.name}' is not an execution accelerator of Triton's ONNX Runtime backend`, `use ${Object.keys(ACCELERATORS).join(', ')}`);
    const params = acc.parameters ?? {};
    const problem = checkAccelerator(spec.list, spec.name, params, true)[0];
    if (problem !== undefined) throw usage(problem.code, problem.message, problem.hint);
    if (spec.list === 'gpu' && kindName === 'cpu') throw usage('E_TRITON_ACCELERATOR', `${spec.name} runs only on GPU instances, but the instances are on the CPU (--kind cpu): Triton would ignore it`, `use --kind gpu, or --accelerator openvino for CPU instances`);
    if (spec.list === 'cpu' && kindName === 'gpu') throw usage('E_TRITON_ACCELERATOR', `${spec.name} accelerates CPU instances, but the instances are on a GPU (--kind gpu), where the CUDA provider runs the model`, `use --kind cpu with ${spec.name}, or --accelerator tensorrt|cuda for GPU instances`);
    const entry = { name: spec.name, ...(Object.keys(params).length > 0 ? { parameters: params } : {}) };
    optimization = { execution_accelerators: spec.list === 'gpu' ? { gpu_execution_accelerator: [entry] } : { cpu_execution_accelerator: [entry] } };
  }

  if (o.versionPolicy !== undefined) {
    const vp = o.versionPolicy;
    if (vp.latest !== undefined) positiveInt(vp.latest.num_versions ?? 1, 'the number of latest versions', 'E_USAGE');
    for (const v of vp.specific?.versions ?? []) positiveInt(v, 'a version', 'E_TRITON_VERSION');
  }

  const model_warmup = o.warmup !== undefined ? warmupSamples(sig, input, mbs, o.warmup, o.referenceShapes ?? {}) : undefined;
  return {
    name,
    platform: ONNX_PLATFORM,
    ...(o.versionPolicy !== undefined ? { version_policy: o.versionPolicy } : {}),
    max_batch_size: mbs,
    input,
    output,
    ...(dynamic_batching !== undefined ? { dynamic_batching } : {}),
    ...(instance_group !== undefined ? { instance_group } : {}),
    ...(optimization !== undefined ? { optimization } : {}),
    ...(model_warmup !== undefined ? { model_warmup } : {}),
  };
}
