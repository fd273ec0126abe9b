/** onnxruntime-node on the CPU provider: create a session, run float32 tensors. (GPU providers: ./providers.ts.) */
import * as ort from 'onnxruntime-node';
import { NetforgeError } from '../../errors.js';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Execution providers in preference order. Default ['cpu']. */
  readonly executionProviders?: readonly string[];
  /** Default 'all'. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  readonly intraOpNumThreads?: number;
}

export type Session = ort.InferenceSession;

export async function createSession(model: string | Uint8Array, o: SessionOptions = {}): Promise<Session> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [...(o.executionProviders ?? ['cpu'])],
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    ...(o.intraOpNumThreads !== undefined ? { intraOpNumThreads: o.intraOpNumThreads } : {}),
  };
  try {
    return typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  } catch (e) {
    throw new NetforgeError({
      code: 'E_ORT_SESSION',
      message: `onnxruntime could not load the model: ${(e as Error).message}`,
      ...(typeof model === 'string' ? { file: model } : {}),
      hint: 'check that the file is an ONNX model (netforge compile writes one) and that its opset is supported',
    });
  }
}

export interface RunResult {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  readonly name: string;
}

/** Run the session's first input with `data` of shape `dims`; returns the first output. */
export async function runFloat32(session: Session, data: Float32Array, dims: readonly number[]): Promise<RunResult> {
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const feeds: Record<string, ort.Tensor> = { [inputName]: new ort.Tensor('float32', data, [...dims]) };
  let out: ort.InferenceSession.ReturnType;
  try {
    out = await session.run(feeds);
  } catch (e) {
    throw new NetforgeError({
      code: 'E_ORT_RUN',
      message: `onnxruntime failed to run the model: ${(e as Error).message}`,
      hint: `the model expects input '${inputName}'; check the input shape [${dims.join(', ')}]`,
    });
  }
  const t = out[outputName]!;
  const d = t.data;
  const f32 = d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
  return { data: f32, dims: t.dims, name: outputName };
}

export const ORT_VERSION: string = (ort.env as { versions?: { common?: string } }).versions?.common ?? 'unknown';

export function releaseSession(s: Session): Promise<void> {
  return s.release();
}
