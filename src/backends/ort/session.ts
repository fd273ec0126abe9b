/**
 * onnxruntime-node sessions: create one on a given execution provider list, run float32
 * tensors. Choosing a provider (auto, fallback, --strict-ep) lives in ./providers.ts.
 */
import type * as ort from 'onnxruntime-common';
import { loadOrt, ortVersion } from './ort.js';
import { NetforgeError } from '../../errors.js';
import { fromFloat16Bits, toFloat16Bits } from '../../ir/float16.js';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Execution providers in preference order. Default ['cpu']. */
  readonly executionProviders?: readonly string[];
  /** Default 'all'. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  readonly intraOpNumThreads?: number;
  /**
   * Where outputs stay: 'gpu-buffer' keeps them on the WebGPU device (read them with
   * `tensor.getData()`); only the webgpu provider honours it. Default 'cpu'.
   */
  readonly preferredOutputLocation?: 'cpu' | 'gpu-buffer';
  /**
   * Fail session creation when onnxruntime would place any node on its CPU fallback
   * (onnxruntime's `session.disable_cpu_ep_fallback`). Only meaningful with a non-cpu
   * provider: with the cpu provider alone onnxruntime rejects every graph.
   */
  readonly disableCpuFallback?: boolean;
  /**
   * onnxruntime's own log threshold for this session: 0 verbose, 1 info, 2 warning, 3 error,
   * 4 fatal. Default 3 (DEFAULT_LOG_SEVERITY): a damaged model otherwise prints a hundred
   * onnxruntime warnings ("Duplicate initializer ...") ahead of netforge's one clear error.
   * Pass a lower number to see them.
   */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * Let intra-op threads spin while waiting for work (onnxruntime's default, true). Turn it off
   * where several sessions share a process or the machine is shared: spinning threads of idle
   * sessions take CPU from the working ones.
   */
  readonly intraOpSpinning?: boolean;
  /** Write the graph as onnxruntime optimized it to this path (to see what it fused). */
  readonly optimizedModelFilePath?: string;
}

/** Errors and worse: onnxruntime's warnings are noise next to netforge's own diagnostics. */
export const DEFAULT_LOG_SEVERITY = 3;

export type Session = ort.InferenceSession;

/** The options object onnxruntime-node takes. */
export function ortSessionOptions(o: SessionOptions = {}): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [...(o.executionProviders ?? ['cpu'])],
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    logSeverityLevel: o.logSeverityLevel ?? DEFAULT_LOG_SEVERITY,
    ...(o.intraOpNumThreads !== undefined ? { intraOpNumThreads: o.intraOpNumThreads } : {}),
    ...(o.preferredOutputLocation !== undefined ? { preferredOutputLocation: o.preferredOutputLocation } : {}),
    ...(o.disableCpuFallback || o.intraOpSpinning === false
      ? { extra: { ...(o.disableCpuFallback ? { 'session.disable_cpu_ep_fallback': '1' } : {}), ...(o.intraOpSpinning === false ? { 'session.intra_op.allow_spinning': '0' } : {}) } }
      : {}),
    ...(o.optimizedModelFilePath !== undefined ? { optimizedModelFilePath: o.optimizedModelFilePath } : {}),
  };
}

/** onnxruntime's own InferenceSession.create, errors untouched (providers.ts classifies them). */
export function createOrtSession(model: string | Uint8Array, o: SessionOptions = {}): Promise<Session> {
  const options = ortSessionOptions(o);
  const { InferenceSession } = loadOrt();
  return typeof model === 'string' ? InferenceSession.create(model, options) : InferenceSession.create(model, options);
}

export async function createSession(model: string | Uint8Array, o: SessionOptions = {}): Promise<Session> {
  try {
    return await createOrtSession(model, o);
  } catch (e) {
    throw sessionError(e, model);
  }
}

/** A model onnxruntime cannot load, as a NetforgeError. */
export function sessionError(e: unknown, model: string | Uint8Array): NetforgeError {
  return new NetforgeError({
    code: 'E_ORT_SESSION',
    message: `onnxruntime could not load the model: ${(e as Error).message}`,
    ...(typeof model === 'string' ? { file: model } : {}),
    hint: 'check that the file is an ONNX model (netforge compile writes one) and that its opset is supported',
  });
}

export interface RunResult {
  /** The output's values as float32 (converted when the model's output has another type). */
  readonly data: Float32Array;
  readonly dims: readonly number[];
  readonly name: string;
  /** The output's own element type (onnxruntime's name: float32, float16, int64, ...). */
  readonly type: string;
}

/** The element type of an input (default the first; 'float32' unless the model was compiled with a float16 interface). */
export function inputType(session: Session, name?: string): string {
  const m = name === undefined ? session.inputMetadata[0] : session.inputMetadata.find((i) => i.name === name);
  return m !== undefined && m.isTensor ? m.type : 'float32';
}

/** A tensor for an input (default the first) from float32 data (converted to half bits when the model takes float16). */
export function inputTensor(session: Session, data: Float32Array, dims: readonly number[], name?: string): ort.Tensor {
  const { Tensor } = loadOrt();
  return inputType(session, name) === 'float16' ? new Tensor('float16', toFloat16Bits(data), [...dims]) : new Tensor('float32', data, [...dims]);
}

/**
 * An output tensor's values as float32, downloading it first when it lives on a GPU. Integer
 * outputs (an ArgMax's int64 indices) convert exactly up to 2^24; strings have no numbers.
 */
export async function outputFloat32(t: ort.Tensor): Promise<Float32Array> {
  const d = t.location === 'cpu' || t.location === 'cpu-pinned' ? t.data : await t.getData();
  if (d instanceof Float32Array) return d;
  if (t.type === 'float16' && d instanceof Uint16Array) return fromFloat16Bits(d);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
    return out;
  }
  if (Array.isArray(d)) {
    throw new NetforgeError({ code: 'E_ORT_OUTPUT', message: `the model's output is a tensor of ${t.type}, which has no numeric values`, hint: 'run a model whose output is numeric (netforge compile writes float32 logits)' });
  }
  return Float32Array.from(d as ArrayLike<number>);
}

/** What the model declares for its input, in words: `the model expects input 'input' [N, 3, 32, 32] (float32)`. */
export function expectedInput(session: Pick<Session, 'inputMetadata'>, inputName: string): string {
  const meta = session.inputMetadata?.find((m) => m.name === inputName);
  if (meta === undefined || !meta.isTensor || meta.shape.length === 0) return `the model expects input '${inputName}'`;
  return `the model expects input '${inputName}' [${meta.shape.join(', ')}] (${meta.type})`;
}

/** Run the session's first input with `data` of shape `dims`; returns the first output. */
export async function runFloat32(session: Session, data: Float32Array, dims: readonly number[]): Promise<RunResult> {
  return (await runFloat32All(session, data, dims, [session.outputNames[0]!]))[0]!;
}

/** Run the session's first input with `data` of shape `dims`; returns every output (or those named), in the model's order. */
export async function runFloat32All(session: Session, data: Float32Array, dims: readonly number[], names: readonly string[] = session.outputNames): Promise<RunResult[]> {
  const inputName = session.inputNames[0]!;
  const feeds: Record<string, ort.Tensor> = { [inputName]: inputTensor(session, data, dims) };
  let out: ort.InferenceSession.ReturnType;
  try {
    out = await session.run(feeds, [...names]);
  } catch (e) {
    throw new NetforgeError({
      code: 'E_ORT_RUN',
      message: `onnxruntime failed to run the model: ${(e as Error).message}`,
      hint: `${expectedInput(session, inputName)}; the input given is [${dims.join(', ')}]`,
    });
  }
  const results: RunResult[] = [];
  for (const name of names) {
    const t = out[name]!;
    const f32 = await outputFloat32(t);
    if (t.location === 'gpu-buffer') t.dispose();
    results.push({ data: f32, dims: t.dims, name, type: t.type });
  }
  return results;
}

/** The onnxruntime version, or 'not installed'. */
export const ORT_VERSION: () => string = ortVersion;

export function releaseSession(s: Session): Promise<void> {
  return s.release();
}
