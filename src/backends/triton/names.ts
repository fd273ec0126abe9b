/**
 * Names in a Triton model repository.
 * - A model is the folder `<repo>/<name>/`; Triton requires config.pbtxt's `name` to equal the
 *   folder's name, and clients call it at /v2/models/<name>/infer. netforge accepts letters,
 *   digits, `_`, `.` and `-`, not starting with `.` or `-`, up to 255 bytes: a folder name on
 *   every filesystem and a URL path segment without escaping.
 * - A version is a folder named by a positive decimal number: Triton ignores folders that are
 *   not numeric or start with "0" (server docs/user_guide/model_repository.md, "Model Versions").
 * - A KServe InferenceService name is a DNS-1035 label (it names Kubernetes Services).
 */
import { NetforgeError } from '../../errors.js';

const MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MAX_NAME_BYTES = 255;

/** Why Triton (or netforge, for a portable repository) refuses a model name; undefined if fine. */
export function modelNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name === '.' || name === '..') return `'${name}' is not a folder name`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} bytes`;
  if (!MODEL_NAME.test(name)) {
    const bad = [...name].find((c, i) => !/[A-Za-z0-9_.-]/.test(c) || (i === 0 && (c === '.' || c === '-')));
    return bad === '.' || bad === '-' ? `it starts with '${bad}'` : `it contains '${bad === ' ' ? 'a space' : bad}'`;
  }
  return undefined;
}

export function assertModelName(name: string): string {
  const why = modelNameProblem(name);
  if (why !== undefined) {
    throw new NetforgeError({
      code: 'E_TRITON_MODEL_NAME',
      message: `'${name}' cannot name a Triton model: ${why}`,
      hint: 'a model name is its folder in the repository and part of the URL /v2/models/<name>/infer: use letters, digits, _ . - (e.g. --model-name resnet50_v1)',
      exitCode: 2,
    });
  }
  return name;
}

/** A folder name Triton takes as a version: a positive decimal number without leading zeros. */
export function isVersionFolder(name: string): boolean {
  return /^[1-9]\d*$/.test(name) && Number.isSafeInteger(Number(name));
}

export function assertVersion(v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new NetforgeError({ code: 'E_TRITON_VERSION', message: `model version ${v} is not a positive integer`, hint: 'Triton serves versions from folders named 1, 2, 3, ... (a folder named 0 is ignored)', exitCode: 2 });
  }
  return v;
}

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A KServe InferenceService name for a model: lower case, `_` and `.` as `-`; E_KSERVE_NAME if that is not a DNS-1035 label. */
export function inferenceServiceName(model: string): string {
  const name = model.toLowerCase().replace(/[_.]/g, '-');
  if (!DNS_1035.test(name) || name.length > 63) {
    throw new NetforgeError({
      code: 'E_KSERVE_NAME',
      message: `'${name}' (from model '${model}') is not a valid InferenceService name`,
      hint: 'KServe names are DNS-1035 labels: lower-case letters, digits and -, starting with a letter, at most 63 characters; choose --model-name accordingly',
      exitCode: 2,
    });
  }
  return name;
}
