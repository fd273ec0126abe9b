/**
 * A KServe InferenceService for a Triton model repository: KServe's Triton runtime
 * (kserve-tritonserver, whose container runs `tritonserver --model-store=/mnt/models`) serves
 * the repository found at storageUri, ONNX models with protocolVersion v2 (kserve docs:
 * "Deploy InferenceService with ONNX model"; config/runtimes/kserve-tritonserver.yaml).
 * storageUri is the repository folder (the one holding <model>/config.pbtxt), once uploaded.
 */
import { NetforgeError } from '../../errors.js';
import type { ErrorCode } from '../../errorCodes.js';

export interface KServeOptions {
  /** The InferenceService's name (a DNS-1035 label; names.ts inferenceServiceName). */
  readonly serviceName: string;
  /** The Triton model this repository serves (for the comment). */
  readonly modelName: string;
  /** Where the repository folder was uploaded: s3://, gs://, pvc://, https://, ... */
  readonly storageUri: string;
  /** CPU request and limit, a Kubernetes quantity. */
  readonly cpu: string;
  /** Memory request and limit, a Kubernetes quantity. */
  readonly memory: string;
  /** Ask for one NVIDIA GPU. */
  readonly gpu: boolean;
}

/** The memory KServe's Triton runtime requests by default (config/runtimes/kserve-tritonserver.yaml). */
export const KSERVE_DEFAULT_MEMORY = '2Gi';

const URI = /^[a-z][a-z0-9+.-]*:\/\/\S+$/;
const CPU = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

function bad(code: ErrorCode, message: string, hint: string): NetforgeError {
  return new NetforgeError({ code, message, hint, exitCode: 2 });
}

/** Check the options (E_KSERVE_*) before anything is compiled or written. */
export function checkKServeOptions(o: Pick<KServeOptions, 'storageUri' | 'cpu' | 'memory'>): void {
  if (!URI.test(o.storageUri)) throw bad('E_KSERVE_STORAGE_URI', `'${o.storageUri}' is not a storage URI`, 'give where the repository folder is uploaded, e.g. --storage-uri s3://my-bucket/models or pvc://models-pvc/repo');
  if (!CPU.test(o.cpu)) throw bad('E_KSERVE_RESOURCES', `'${o.cpu}' is not a Kubernetes CPU quantity`, 'e.g. 2, 0.5 or 500m');
  if (!MEMORY.test(o.memory)) throw bad('E_KSERVE_RESOURCES', `'${o.memory}' is not a Kubernetes memory quantity`, 'e.g. 2Gi or 512Mi');
}

/** The InferenceService manifest (YAML). Strings are written as JSON strings, which YAML reads as they are. */
export function kserveManifest(o: KServeOptions): string {
  checkKServeOptions(o);
  const q = (s: string): string => JSON.stringify(s);
  const resources = [`cpu: ${q(o.cpu)}`, `memory: ${q(o.memory)}`, ...(o.gpu ? [`nvidia.com/gpu: ${q('1')}`] : [])];
  return [
    `# KServe InferenceService for the Triton model repository at ${o.storageUri} (model ${o.modelName}),`,
    '# written by netforge. Upload the repository folder there first, then: kubectl apply -f <this file>',
    'apiVersion: serving.kserve.io/v1beta1',
    'kind: InferenceService',
    'metadata:',
    `  name: ${q(o.serviceName)}`,
    'spec:',
    '  predictor:',
    '    model:',
    '      modelFormat:',
    '        name: onnx',
    '      protocolVersion: v2',
    '      runtime: kserve-tritonserver',
    `      storageUri: ${q(o.storageUri)}`,
    '      resources:',
    '        requests:',
    ...resources.map((r) => `          ${r}`),
    '        limits:',
    ...resources.map((r) => `          ${r}`),
    '',
  ].join('\n');
}
