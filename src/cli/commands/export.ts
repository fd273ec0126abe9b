/** netforge export triton <model> --repo DIR [compile options] [serving options] [--kserve --storage-uri URI] */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { get, parseArgs, usageError, type FlagSpec, type Parsed } from '../args.js';
import { modelOptionsFrom, resolveModel, seedFrom } from '../modelArgs.js';
import { weightsOptionsFrom } from '../weightsArgs.js';
import { COMPILE_FLAGS, compileOptionsFrom } from './compile.js';
import { checkQuantizeCompat, quantizePlanFrom, strayNpy, syntheticWarning } from '../quantizeArgs.js';
import { resolveInputSpec } from '../../dsl/inputSpec.js';
import type { QuantizeModelOptions } from '../../quantize.js';
import { exportTriton, type ExportTritonOptions } from '../../exportTriton.js';
import { prepareTritonExport } from '../../backends/triton/export.js';
import type { ServingOptions } from '../../backends/triton/build.js';
import type { VersionPolicy } from '../../backends/triton/config.js';
import { TRT_PRECISIONS } from '../../backends/triton/accelerators.js';
import { mib } from '../../backends/report/format.js';
import { loadOrt } from '../../backends/ort/ort.js';

const SERVING_FLAGS: readonly FlagSpec[] = [
  { name: '--repo', type: 'string', help: 'the Triton model repository folder (created if missing); the model goes to DIR/<name>/<version>/' },
  { name: '--model-name', type: 'string', help: "the model's name in the repository (default: the model's own, e.g. resnet50)" },
  { name: '--model-version', type: 'int', help: 'the version folder to write (default 1); other versions are never touched' },
  { name: '--force', type: 'bool', help: 'replace an existing version, and config.pbtxt / labels.txt when their content differs' },
  { name: '--max-batch-size', type: 'int', help: 'max_batch_size: 0 disables batching (default 8 when every input and output starts with a symbolic batch dim, else 0)' },
  { name: '--dynamic-batching', type: 'bool', help: 'let Triton batch requests together (dynamic_batching)' },
  { name: '--preferred-batch-sizes', type: 'list', help: 'dynamic batching: batch sizes to form when possible, e.g. 4,8 (implies --dynamic-batching)' },
  { name: '--max-queue-delay-us', type: 'int', help: 'dynamic batching: how long a request may wait for others, in microseconds (implies --dynamic-batching)' },
  { name: '--instances', type: 'int', help: 'model instances (instance_group count, per GPU for --kind gpu)' },
  { name: '--kind', type: 'string', help: 'where instances run: cpu, gpu or auto (default auto: GPU if there is one)' },
  { name: '--accelerator', type: 'string', help: 'execution accelerator of the ONNX Runtime backend: tensorrt or cuda (GPU instances), openvino (CPU instances)' },
  { name: '--trt-precision', type: 'string', help: 'tensorrt: fp32, fp16, bf16 or int8 (int8 needs a quantized model or int8_calibration_table_name)' },
  { name: '--trt-workspace', type: 'int', help: 'tensorrt: max_workspace_size_bytes, the GPU memory TensorRT may use while building' },
  { name: '--trt-engine-cache', type: 'string', help: 'tensorrt: cache built engines in this folder (on the server)' },
  { name: '--accelerator-param', type: 'string', repeat: true, help: 'another accelerator parameter KEY=VALUE (repeatable), checked against what the accelerator takes' },
  { name: '--warmup', type: 'string', help: 'warm each instance up before serving with zero or random inputs at batch 1 and max_batch_size' },
  { name: '--version-policy', type: 'string', help: 'which versions Triton serves: latest, latest:N, all or specific:1,3 (default: Triton\'s, the latest one)' },
  { name: '--labels', type: 'string', help: "a label file (one class name per line) for the classifier output; copied to the model's labels.txt" },
  { name: '--kserve', type: 'bool', help: 'also write a KServe InferenceService (needs --storage-uri), to <name>.kserve.yaml unless --kserve-file says where' },
  { name: '--kserve-file', type: 'string', help: 'where to write the InferenceService manifest (implies --kserve)' },
  { name: '--storage-uri', type: 'string', help: 'KServe: where the repository folder is uploaded (s3://, gs://, pvc://, https://)' },
  { name: '--kserve-cpu', type: 'string', help: 'KServe: CPU request and limit (default: the CPU instance count, else 1)' },
  { name: '--kserve-memory', type: 'string', help: 'KServe: memory request and limit (default 2Gi, KServe\'s Triton runtime default)' },
  { name: '--request', type: 'string', help: 'also write a v2 REST inference request for the model (JSON, batch 1, seeded data) to this file' },
  { name: '--quiet', alias: '-q', type: 'bool', help: 'print only errors' },
];

const FLAGS: readonly FlagSpec[] = [...SERVING_FLAGS, ...COMPILE_FLAGS];

function versionPolicyFrom(s: string | undefined): VersionPolicy | undefined {
  if (s === undefined) return undefined;
  const int = (x: string): number => {
    if (!/^\d+$/.test(x)) throw usageError(`--version-policy: '${x}' is not a version number`, 'e.g. --version-policy specific:1,3');
    return Number(x);
  };
  if (s === 'all') return { all: {} };
  if (s === 'latest') return { latest: { num_versions: 1 } };
  if (s.startsWith('latest:')) return { latest: { num_versions: int(s.slice(7)) } };
  if (s.startsWith('specific:')) return { specific: { versions: s.slice(9).split(',').map(int) } };
  throw usageError(`--version-policy must be latest, latest:N, all or specific:V1,V2, got '${s}'`);
}

function acceleratorFrom(p: Parsed): ServingOptions['accelerator'] {
  const name = get.str(p, 'accelerator');
  const params: Record<string, string> = {};
  const precision = get.str(p, 'trt-precision');
  if (precision !== undefined) {
    const mode = precision.toUpperCase();
    if (!(TRT_PRECISIONS as readonly string[]).includes(mode)) throw usageError(`--trt-precision must be fp32, fp16, bf16 or int8, got '${precision}'`);
    params['precision_mode'] = mode;
  }
  const workspace = get.num(p, 'trt-workspace');
  if (workspace !== undefined) {
    if (workspace <= 0) throw usageError(`--trt-workspace must be a positive number of bytes, got ${workspace}`, 'e.g. --trt-workspace 1073741824 (1 GiB)');
    params['max_workspace_size_bytes'] = String(workspace);
  }
  const cache = get.str(p, 'trt-engine-cache');
  if (cache !== undefined) {
    params['trt_engine_cache_enable'] = '1';
    params['trt_engine_cache_path'] = cache;
  }
  for (const kv of get.list(p, 'accelerator-param') ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw usageError(`--accelerator-param expects KEY=VALUE, got '${kv}'`, 'e.g. --accelerator-param trt_max_partition_iterations=1000');
    params[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (name === undefined) {
    if (Object.keys(params).length > 0) throw usageError('accelerator parameters (--trt-*, --accelerator-param) need --accelerator', 'e.g. --accelerator tensorrt --trt-precision fp16');
    return undefined;
  }
  return { name, ...(Object.keys(params).length > 0 ? { parameters: params } : {}) };
}

function servingFrom(p: Parsed): Omit<ServingOptions, 'name' | 'labels' | 'referenceShapes'> {
  const preferred = get.list(p, 'preferred-batch-sizes');
  const delay = get.num(p, 'max-queue-delay-us');
  const dynamic = get.bool(p, 'dynamic-batching') === true || preferred !== undefined || delay !== undefined;
  const kind = get.str(p, 'kind');
  if (kind !== undefined && kind !== 'cpu' && kind !== 'gpu' && kind !== 'auto') throw usageError(`--kind must be cpu, gpu or auto, got '${kind}'`);
  const instances = get.num(p, 'instances');
  const warmup = get.str(p, 'warmup');
  if (warmup !== undefined && warmup !== 'zero' && warmup !== 'random') throw usageError(`--warmup must be zero or random, got '${warmup}'`);
  const mbs = get.num(p, 'max-batch-size');
  const accelerator = acceleratorFrom(p);
  const versionPolicy = versionPolicyFrom(get.str(p, 'version-policy'));
  return {
    ...(mbs !== undefined ? { maxBatchSize: mbs } : {}),
    ...(dynamic
      ? {
          dynamicBatching: {
            ...(preferred !== undefined ? { preferredBatchSizes: preferred.map((b) => (/^\d+$/.test(b) ? Number(b) : Number.NaN)) } : {}),
            ...(delay !== undefined ? { maxQueueDelayMicroseconds: delay } : {}),
          },
        }
      : {}),
    ...(instances !== undefined || kind !== undefined ? { instanceGroup: { ...(instances !== undefined ? { count: instances } : {}), ...(kind !== undefined ? { kind } : {}) } } : {}),
    ...(accelerator !== undefined ? { accelerator } : {}),
    ...(warmup !== undefined ? { warmup } : {}),
    ...(versionPolicy !== undefined ? { versionPolicy } : {}),
  };
}

const shape = (dims: readonly number[]): string => `[${dims.join(', ')}]`;

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a model for serving: a Triton model repository (config.pbtxt checked, run in onnxruntime), optionally a KServe InferenceService',
  usage: 'netforge export triton <model> --repo DIR [--model-name NAME] [--model-version N] [--max-batch-size B] [--instances K --kind cpu|gpu] [--accelerator tensorrt|cuda|openvino] [--kserve --storage-uri URI] [compile options]',
  flags: FLAGS,
  async run(argv, io) {
    const p = parseArgs('export', argv, FLAGS);
    const [target, model, ...rest] = p.positionals;
    if (target !== 'triton') throw usageError(target === undefined ? 'netforge export needs a target: triton' : `unknown export target '${target}'`, 'e.g. netforge export triton resnet50 --repo models');
    if (model !== undefined) strayNpy([model, ...rest], 'export triton'); // an unquoted --calibration glob the shell expanded
    if (rest.length > 0) throw usageError(`netforge export triton takes one model, got ${[model, ...rest].join(' ')}`);
    const repo = get.str(p, 'repo');
    if (repo === undefined) throw usageError('netforge export triton needs --repo DIR (the model repository folder)', 'e.g. netforge export triton resnet50 --repo models');
    const kserveFile = get.str(p, 'kserve-file');
    const kserve = get.bool(p, 'kserve') === true || kserveFile !== undefined;
    const storageUri = get.str(p, 'storage-uri');
    if (kserve && storageUri === undefined) throw usageError('--kserve needs --storage-uri: where the repository folder will be uploaded', 'e.g. --kserve --storage-uri s3://my-bucket/models');
    if (!kserve && (storageUri !== undefined || get.str(p, 'kserve-cpu') !== undefined || get.str(p, 'kserve-memory') !== undefined)) throw usageError('--storage-uri, --kserve-cpu and --kserve-memory apply to --kserve', 'add --kserve');
    const serving = servingFrom(p);
    const quiet = get.bool(p, 'quiet') ?? false;
    loadOrt('netforge export triton'); // it runs the exported model as Triton will feed it
    const def = await resolveModel(model, 'export triton');
    const name = get.str(p, 'model-name') ?? def.name;
    const version = get.num(p, 'model-version') ?? 1;
    const labels = get.str(p, 'labels');
    const requestPath = get.str(p, 'request');
    const kserveCpu = get.str(p, 'kserve-cpu');
    const kserveMemory = get.str(p, 'kserve-memory');
    const where: ExportTritonOptions = {
      repo,
      name,
      version,
      force: get.bool(p, 'force') ?? false,
      serving,
      ...(labels !== undefined ? { labelsPath: resolve(labels) } : {}),
      ...(requestPath !== undefined ? { requestPath: resolve(requestPath) } : {}),
      ...(kserve
        ? { kserve: { path: resolve(kserveFile ?? `${name}.kserve.yaml`), storageUri: storageUri!, ...(kserveCpu !== undefined ? { cpu: kserveCpu } : {}), ...(kserveMemory !== undefined ? { memory: kserveMemory } : {}) } }
        : {}),
    };
    // Names, paths and versions are refused before weights are downloaded or anything compiled.
    const prepared = prepareTritonExport(where);
    // As modelFromArgs, with the weights (a download, maybe) after the checks above.
    const seed = seedFrom(p);
    const modelOptions = { ...modelOptionsFrom(p, def), ...(await weightsOptionsFrom(p, def, io, quiet)), ...(seed !== undefined ? { seed } : {}) };
    const compileFlags = compileOptionsFrom(p, modelOptions, io, quiet);
    // --quantize int8: calibrated on the given inputs, exported as the QDQ model compile would write
    const q = quantizePlanFrom(p);
    checkQuantizeCompat(p, q);
    let quantize: QuantizeModelOptions | undefined;
    if (q !== undefined) {
      const int8 = await import('../int8Compile.js');
      const inputs = await int8.openInt8Inputs(p, def, resolveInputSpec(def, modelOptions), seed ?? 0, false, io);
      syntheticWarning(inputs.calibration, io);
      quantize = (await int8.int8ModelOptions(def.name, q, inputs, io, quiet)).options;
    }
    const r = await exportTriton(def, { ...where, compile: compileFlags.options, externalData: compileFlags.externalData, ...(compileFlags.opset !== undefined ? { opset: compileFlags.opset } : {}), ...(quantize ? { quantize } : {}) }, prepared);
    if (quiet) return 0;
    const c = r.config;
    const mbs = c.max_batch_size ?? 0;
    const rel = (path: string): string => path.slice(r.modelDir.length + 1);
    io.out(`${r.replaced ? 'replaced' : 'wrote'} ${r.modelDir} version ${version}`);
    io.out(`  ${rel(r.modelFile).padEnd(17)} ${mib(r.modelBytes)}${r.externalBytes !== undefined ? ` + ${mib(r.externalBytes)} of external data beside it` : ''} (opset ${compileFlags.opset ?? 17})`);
    const facts = [`max_batch_size ${mbs}`];
    const db = c.dynamic_batching;
    if (db !== undefined) facts.push(`dynamic batching${db.preferred_batch_size ? ` (preferred ${db.preferred_batch_size.join(', ')})` : ''}${db.max_queue_delay_microseconds !== undefined ? ` (queue delay ${db.max_queue_delay_microseconds} us)` : ''}`);
    for (const g of c.instance_group ?? []) facts.push(`${g.count ?? 1} ${(g.kind ?? 'KIND_AUTO').slice(5)} instance${(g.count ?? 1) === 1 ? '' : 's'}`);
    for (const a of [...(c.optimization?.execution_accelerators?.gpu_execution_accelerator ?? []), ...(c.optimization?.execution_accelerators?.cpu_execution_accelerator ?? [])]) {
      facts.push(`${a.name ?? ''}${a.parameters ? ` (${Object.entries(a.parameters).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
    }
    if (c.model_warmup) facts.push(`warmup at batch ${c.model_warmup.map((w) => w.batch_size).join(' and ')}`);
    const state = (file: string): string => (r.unchanged.includes(file) ? 'unchanged' : 'written');
    io.out(`  ${'config.pbtxt'.padEnd(17)} ${state('config.pbtxt')}: ${facts.join(', ')}`);
    if (r.labels !== undefined) io.out(`  ${'labels.txt'.padEnd(17)} ${state('labels.txt')}: ${r.labels.count} labels for output ${r.labels.output}`);
    for (const t of c.input ?? []) io.out(`  ${'input'.padEnd(17)} ${t.name ?? ''} ${t.data_type ?? ''} ${shape(t.dims ?? [])}`);
    for (const t of c.output ?? []) io.out(`  ${'output'.padEnd(17)} ${t.name ?? ''} ${t.data_type ?? ''} ${shape(t.dims ?? [])}`);
    io.out(`  ${'checked'.padEnd(17)} as check-repo checks a repository: no problems`);
    const runs = r.runs.map((run) => `${run.inputs.map((i) => `${i.name} ${shape(i.shape)}`).join(', ')} -> ${run.outputs.map((o) => `${o.name} ${shape(o.shape)}`).join(', ')}`);
    io.out(`  ${'onnxruntime'.padEnd(17)} ran ${runs.join('; ')}`);
    if (kserve) io.out(`  ${'kserve'.padEnd(17)} ${kserveFile ?? `${name}.kserve.yaml`} (storageUri ${storageUri!})`);
    if (requestPath !== undefined) io.out(`  ${'request'.padEnd(17)} ${requestPath}: POST /v2/models/${name}/infer`);
    return 0;
  },
};
