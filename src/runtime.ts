/**
 * netforge/runtime: open a compiled ONNX model in onnxruntime-node on a chosen execution
 * provider and run it on float32 data. This is the module the typed wrappers
 * (`netforge compile --emit-ts`) import, so an app that runs a wrapper depends on netforge
 * (this entry) and onnxruntime-node, nothing else; it loads no compiler code (no DSL, no
 * TypeScript, no protobuf).
 *
 * ```ts
 * import { openModel } from 'netforge/runtime';
 * const m = await openModel('resnet50.onnx', { ep: 'auto' });   // cuda, webgpu, then cpu
 * const { logits } = await m.run({ input: { data: x, dims: [1, 3, 224, 224] } });
 * await m.release();
 * ```
 *
 * Providers are chosen as `netforge run --ep` chooses them: a fallback is never silent (a
 * notice goes to `onNotice`, stderr by default), and `strict` turns it into an error.
 * onnxruntime-node is loaded on the first openModel(); without it, E_ORT_MISSING says how
 * to install it.
 *
 * @module netforge/runtime
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InferenceSession } from 'onnxruntime-common';
import { NetforgeError } from './errors.js';
import { createProviderSession, PROVIDERS, type EpRequest, type ProviderName } from './backends/ort/providers.js';
import { expectedInput, inputTensor, outputFloat32 } from './backends/ort/session.js';
import { loadOrt } from './backends/ort/ort.js';

export { ORT_INSTALL_HINT, ORT_RANGE, hasOrt } from './backends/ort/ort.js';
export { NetforgeError, isNetforgeError } from './errors.js';

/** An execution provider netforge can ask onnxruntime for. */
export type ExecutionProvider = ProviderName;

/** Which providers to use: one, several in preference order (cpu is appended as the last resort), or 'auto' (cuda, webgpu, cpu). */
export type ProviderChoice = 'auto' | ExecutionProvider | readonly ExecutionProvider[];

/**
 * An ONNX model: a file path (resolved against the working directory, like any fs path),
 * a `file:` URL (e.g. `new URL('./model.onnx', import.meta.url)` for a file shipped beside
 * your code), or the file's bytes.
 */
export type ModelSource = string | URL | Uint8Array;

/** A tensor as plain data: float32 values, row-major, and their dimensions. */
export interface TensorData {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface OpenModelOptions {
  /** Default 'cpu' (reproducible results). */
  readonly ep?: ProviderChoice;
  /** Any fallback (another provider, or onnxruntime placing nodes on its CPU fallback) is an error. Default false. */
  readonly strict?: boolean;
  /** Where a fallback notice goes. Default: stderr. */
  readonly onNotice?: (text: string) => void;
  /** The input and output names the caller was written for: a model without them is refused (E_WRAPPER_MISMATCH). */
  readonly expect?: { readonly inputs?: readonly string[]; readonly outputs?: readonly string[] };
  readonly intraOpNumThreads?: number;
}

export interface RuntimeModel {
  /** The provider the session runs on. */
  readonly provider: ExecutionProvider;
  /** True when `provider` is not the one asked for first. */
  readonly fellBack: boolean;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Run the model; every output comes back as float32 (float16 models are converted at the boundary). */
  run(feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>>;
  /** Free the onnxruntime session. */
  release(): Promise<void>;
  /** The onnxruntime session itself, for what this interface does not cover. */
  readonly session: InferenceSession;
}

/** The provider request for a choice (the same rules as --ep). */
export function epRequest(choice: ProviderChoice = 'cpu'): EpRequest {
  if (choice === 'auto') return { kind: 'auto' };
  const list: readonly string[] = typeof choice === 'string' ? [choice] : choice;
  const bad = list.filter((p) => !(PROVIDERS as readonly string[]).includes(p));
  if (list.length === 0 || bad.length > 0) {
    throw new NetforgeError({
      code: 'E_BAD_ARG',
      message: list.length === 0 ? 'ep: an empty provider list' : `ep: unknown execution provider ${bad.map((b) => `'${b}'`).join(', ')}`,
      hint: `use 'auto', or one or more of ${PROVIDERS.join(', ')} in preference order`,
    });
  }
  return { kind: 'list', providers: [...new Set(list as readonly ProviderName[])] };
}

/** A path or the bytes, from a ModelSource. */
export function modelInput(model: ModelSource): string | Uint8Array {
  if (model instanceof Uint8Array) return model;
  if (model instanceof URL) {
    if (model.protocol !== 'file:') throw new NetforgeError({ code: 'E_BAD_ARG', message: `a model URL must be a file: URL, got ${model.href}`, hint: 'download the model first, then pass its path' });
    return fileURLToPath(model);
  }
  return resolve(model);
}

function checkNames(what: 'inputs' | 'outputs', have: readonly string[], want: readonly string[] | undefined, file: string | undefined): void {
  const missing = (want ?? []).filter((n) => !have.includes(n));
  if (missing.length === 0) return;
  throw new NetforgeError({
    code: 'E_WRAPPER_MISMATCH',
    message: `the model has ${what} ${have.map((n) => `'${n}'`).join(', ') || 'none'}, not ${missing.map((n) => `'${n}'`).join(', ')}`,
    ...(file !== undefined ? { file } : {}),
    hint: 'this code was generated for another model: pass the .onnx it was compiled with, or regenerate it (netforge compile -o model.onnx --emit-ts model.ts)',
  });
}

/** Open a compiled model on the chosen provider(s). */
export async function openModel(model: ModelSource, o: OpenModelOptions = {}): Promise<RuntimeModel> {
  const ep = epRequest(o.ep);
  loadOrt('opening a model');
  const input = modelInput(model);
  const file = typeof input === 'string' ? input : undefined;
  const ps = await createProviderSession(input, {
    ep,
    ...(o.strict !== undefined ? { strict: o.strict } : {}),
    ...(o.onNotice !== undefined ? { onNotice: o.onNotice } : {}),
    ...(o.intraOpNumThreads !== undefined ? { intraOpNumThreads: o.intraOpNumThreads } : {}),
  });
  const session = ps.session;
  try {
    checkNames('inputs', session.inputNames, o.expect?.inputs, file);
    checkNames('outputs', session.outputNames, o.expect?.outputs, file);
  } catch (e) {
    await session.release();
    throw e;
  }
  return {
    provider: ps.provider,
    fellBack: ps.fellBack,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    session,
    release: () => session.release(),
    async run(feeds) {
      const tensors: Record<string, ReturnType<typeof inputTensor>> = {};
      for (const [name, t] of Object.entries(feeds)) {
        if (!session.inputNames.includes(name)) {
          throw new NetforgeError({ code: 'E_BAD_ARG', message: `the model has no input '${name}' (its inputs: ${session.inputNames.join(', ')})`, ...(file !== undefined ? { file } : {}) });
        }
        tensors[name] = inputTensor(session, t.data, t.dims, name);
      }
      let out: InferenceSession.ReturnType;
      try {
        out = await session.run(tensors);
      } catch (e) {
        const name = session.inputNames[0] ?? 'input';
        throw new NetforgeError({
          code: 'E_ORT_RUN',
          message: `onnxruntime failed to run the model: ${(e as Error).message}`,
          ...(file !== undefined ? { file } : {}),
          hint: `${expectedInput(session, name)}; the input given is [${feeds[name]?.dims.join(', ') ?? 'missing'}]`,
        });
      }
      const result: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(out)) {
        result[name] = { data: await outputFloat32(t), dims: t.dims };
        if (t.location === 'gpu-buffer') t.dispose();
      }
      return result;
    },
  };
}
