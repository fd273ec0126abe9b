/**
 * A compiled graph as one version of a model in a Triton repository: model.onnx (or the
 * model.onnx/ folder when tensors are in external data), config.pbtxt, a label file, and on
 * request a KServe manifest and a v2 REST request example. Before anything is committed, the
 * written version is checked as check-repo would check it and run in onnxruntime with inputs
 * shaped as the config declares; a failure leaves the repository as it was.
 */
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../../ir/types.js';
import { NetforgeError } from '../../errors.js';
import { writeOnnx } from '../onnx/serialize.js';
import type { ModelConfig, TritonDataType } from './config.js';
import { ONNX_MODEL_FILE } from './config.js';
import { buildConfig, shapeText, type ModelSignature, type ServingOptions } from './build.js';
import { formatConfig } from './format.js';
import { checkVersion } from './check.js';
import { runAsDeclared, type DeclaredRun } from './verify.js';
import { preflight, writeModelVersion } from './repository.js';
import { assertModelName, assertVersion, inferenceServiceName } from './names.js';
import { checkKServeOptions, kserveManifest, KSERVE_DEFAULT_MEMORY } from './kserve.js';
import { v2InferRequest } from './v2request.js';

export const CONFIG_FILE = 'config.pbtxt';
export const LABELS_FILE = 'labels.txt';

export interface KServeRequest {
  /** Where to write the InferenceService manifest. */
  readonly path: string;
  readonly storageUri: string;
  /** Default: the instance count for CPU instances, else 1. */
  readonly cpu?: string;
  /** Default KSERVE_DEFAULT_MEMORY. */
  readonly memory?: string;
}

export interface TritonExportOptions {
  readonly repo: string;
  readonly name: string;
  /** Default 1. */
  readonly version?: number;
  readonly force?: boolean;
  readonly serving?: Omit<ServingOptions, 'name' | 'labels' | 'referenceShapes'>;
  /** A text file with one label per line, for the model's one output with that many classes. */
  readonly labelsPath?: string;
  readonly opset?: number;
  readonly externalData?: boolean;
  readonly kserve?: KServeRequest;
  /** Write a v2 REST request example (batch 1, seeded data) here. */
  readonly requestPath?: string;
  readonly seed?: number;
}

export interface TritonExport {
  readonly config: ModelConfig;
  readonly configText: string;
  readonly modelDir: string;
  readonly versionDir: string;
  /** The ONNX file Triton loads (inside model.onnx/ with external data). */
  readonly modelFile: string;
  readonly modelBytes: number;
  readonly externalBytes?: number;
  readonly replaced: boolean;
  /** Model files written, and those left as they were (identical). */
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  /** The onnxruntime runs with inputs shaped as declared. */
  readonly runs: readonly DeclaredRun[];
  /** The output the label file names the classes of, and how many. */
  readonly labels?: { readonly output: string; readonly count: number };
}

/** IR element types (and those the quantization work may add) as Triton data types. */
const DTYPE: Readonly<Record<string, TritonDataType>> = {
  float32: 'TYPE_FP32',
  float16: 'TYPE_FP16',
  bfloat16: 'TYPE_BF16',
  float64: 'TYPE_FP64',
  int8: 'TYPE_INT8',
  uint8: 'TYPE_UINT8',
  int32: 'TYPE_INT32',
  int64: 'TYPE_INT64',
  bool: 'TYPE_BOOL',
};

/** The graph's inputs and outputs as Triton sees them: numbers fixed, anything else symbolic. */
export function signatureOfGraph(g: Graph): ModelSignature {
  const spec = (id: string): ModelSignature['inputs'][number] => {
    const v = g.values.get(id);
    if (v === undefined) throw new Error(`internal: no value ${id}`);
    const dataType = DTYPE[v.dtype];
    if (dataType === undefined) throw new NetforgeError({ code: 'E_TRITON_DTYPE', message: `'${id}' is ${v.dtype}, which netforge does not map to a Triton data type`, hint: 'serve a model whose inputs and outputs are float, integer or bool' });
    return { name: id, dataType, shape: v.shape.map((d) => (typeof d === 'number' ? d : null)) };
  };
  return { inputs: g.inputs.map(spec), outputs: g.outputs.map(spec) };
}

/** Everything that can be refused before compiling: names, version, paths, KServe options, the label file. */
export interface PreparedExport {
  /** The label file's lines. */
  readonly labels?: readonly string[];
}

export function prepareTritonExport(o: TritonExportOptions): PreparedExport {
  assertModelName(o.name);
  assertVersion(o.version ?? 1);
  if (o.kserve !== undefined) {
    inferenceServiceName(o.name);
    checkKServeOptions({ storageUri: o.kserve.storageUri, cpu: o.kserve.cpu ?? '1', memory: o.kserve.memory ?? KSERVE_DEFAULT_MEMORY });
  }
  preflight({ repo: o.repo, name: o.name, version: o.version ?? 1, ...(o.force !== undefined ? { force: o.force } : {}), outputs: [...(o.kserve ? [{ path: o.kserve.path, content: '' }] : []), ...(o.requestPath ? [{ path: o.requestPath, content: '' }] : [])] });
  if (o.labelsPath === undefined) return {};
  let text: string;
  try {
    text = readFileSync(o.labelsPath, 'utf8');
  } catch (e) {
    throw new NetforgeError({ code: 'E_NOT_FOUND', message: `cannot read the label file ${o.labelsPath}: ${(e as Error).message}`, file: o.labelsPath, hint: 'give a text file with one label per line, in class order' });
  }
  const labels = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (labels.at(-1) === '') labels.pop();
  if (labels.length === 0) throw new NetforgeError({ code: 'E_TRITON_LABELS', message: `${o.labelsPath} holds no labels`, file: o.labelsPath, hint: 'one label per line, in class order' });
  return { labels };
}

function labelledOutput(sig: ModelSignature, count: number, file: string): string {
  const fits = sig.outputs.filter((t) => t.shape.length === 2 && t.shape[1] === count);
  if (fits.length === 1) return fits[0]!.name;
  const shapes = sig.outputs.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ');
  throw new NetforgeError({
    code: 'E_TRITON_LABELS',
    message: fits.length === 0 ? `${file} has ${count} labels, but no output is [N, ${count}] (outputs: ${shapes})` : `${file} has ${count} labels, and several outputs have ${count} classes (${fits.map((t) => t.name).join(', ')})`,
    file,
    hint: 'a label file names the classes of one classifier output: one line per class',
  });
}

function usesQdq(g: Graph): boolean {
  return g.nodes.some((n) => (n.op as string) === 'QuantizeLinear' || (n.op as string) === 'DequantizeLinear');
}

/** Write model.onnx into `dir`: a file, or the model.onnx/ folder when tensors go to external data. */
interface WrittenModel {
  /** The ONNX file, in the temp folder. */
  readonly file: string;
  /** model.onnx/model.onnx (tensors in external data beside it). */
  readonly folderForm: boolean;
  readonly bytes: number;
  readonly externalBytes?: number;
}

function writeModelFile(dir: string, g: Graph, opset: number | undefined, external: boolean): WrittenModel {
  const opts = opset !== undefined ? { opset } : {};
  if (external) {
    mkdirSync(join(dir, ONNX_MODEL_FILE));
    const w = writeOnnx(join(dir, ONNX_MODEL_FILE, ONNX_MODEL_FILE), g, { ...opts, externalData: true });
    return { file: w.path, folderForm: true, bytes: w.bytes, ...(w.externalBytes !== undefined ? { externalBytes: w.externalBytes } : {}) };
  }
  const w = writeOnnx(join(dir, ONNX_MODEL_FILE), g, opts);
  if (w.externalPath === undefined) return { file: w.path, folderForm: false, bytes: w.bytes };
  // Over 2 GiB, writeOnnx moved the tensors to external data on its own: Triton needs the folder form.
  const folder = join(dir, '.model');
  mkdirSync(folder);
  renameSync(w.path, join(folder, ONNX_MODEL_FILE));
  renameSync(w.externalPath, join(folder, `${ONNX_MODEL_FILE}.data`));
  renameSync(folder, join(dir, ONNX_MODEL_FILE));
  return { file: join(dir, ONNX_MODEL_FILE, ONNX_MODEL_FILE), folderForm: true, bytes: w.bytes, ...(w.externalBytes !== undefined ? { externalBytes: w.externalBytes } : {}) };
}

/** Comments at the top of config.pbtxt: what netforge verified. The same for every version. */
function configComments(name: string, batches: readonly number[]): string[] {
  return [
    `Triton model configuration for ${name}, written by netforge export triton.`,
    "Verified when written: these inputs and outputs match the model's ONNX graph (names, data",
    `types, dims), and onnxruntime ran the model with inputs shaped as declared here, at batch ${batches.join(' and ')}.`,
    '`netforge check-repo <repository>` checks the whole repository again.',
  ];
}

/** Write `g` as version `o.version` of model `o.name` in the repository `o.repo` (see the file comment). */
export async function writeTritonExport(g: Graph, o: TritonExportOptions, referenceShapes: Readonly<Record<string, readonly number[]>>, prepared: PreparedExport = prepareTritonExport(o)): Promise<TritonExport> {
  const { labels } = prepared;
  const version = o.version ?? 1;
  const sig = signatureOfGraph(g);
  const serving = o.serving ?? {};
  const acc = serving.accelerator;
  if (acc?.name === 'tensorrt' && acc.parameters?.['precision_mode'] === 'INT8' && !usesQdq(g) && acc.parameters['int8_calibration_table_name'] === undefined) {
    throw new NetforgeError({
      code: 'E_TRITON_ACCELERATOR_PARAM',
      message: 'TensorRT INT8 needs a quantized model (QuantizeLinear/DequantizeLinear nodes) or a calibration table, and this model has neither',
      hint: 'use --trt-precision fp16, or give --accelerator-param int8_calibration_table_name=FILE (a table in the engine cache folder)',
      exitCode: 2,
    });
  }
  const labelsFor = labels !== undefined ? labelledOutput(sig, labels.length, o.labelsPath!) : undefined;
  const config = buildConfig(sig, { ...serving, name: o.name, referenceShapes, ...(labelsFor !== undefined ? { labels: { output: labelsFor, fileName: LABELS_FILE } } : {}) });
  const mbs = config.max_batch_size ?? 0;
  const batches = mbs > 1 ? [1, mbs] : [1];
  const configText = formatConfig(config, configComments(o.name, batches));
  const modelFiles: Record<string, string> = { [CONFIG_FILE]: configText, ...(labels !== undefined ? { [LABELS_FILE]: `${labels.join('\n')}\n` } : {}) };

  const outputs: { path: string; content: string }[] = [];
  if (o.kserve !== undefined) {
    const gpu = config.instance_group?.[0]?.kind === 'KIND_GPU' || config.optimization?.execution_accelerators?.gpu_execution_accelerator !== undefined;
    const cpuCount = config.instance_group?.[0]?.kind === 'KIND_CPU' ? String(config.instance_group[0].count ?? 1) : '1';
    outputs.push({
      path: o.kserve.path,
      content: kserveManifest({ serviceName: inferenceServiceName(o.name), modelName: o.name, storageUri: o.kserve.storageUri, cpu: o.kserve.cpu ?? cpuCount, memory: o.kserve.memory ?? KSERVE_DEFAULT_MEMORY, gpu }),
    });
  }
  if (o.requestPath !== undefined) outputs.push({ path: o.requestPath, content: v2InferRequest(config, 1, o.seed ?? 0, referenceShapes) });

  let model: WrittenModel | undefined;
  let runs: DeclaredRun[] = [];
  const configPath = join(o.repo, o.name, CONFIG_FILE);
  const w = await writeModelVersion({
    repo: o.repo,
    name: o.name,
    version,
    ...(o.force !== undefined ? { force: o.force } : {}),
    modelFiles,
    outputs,
    writeVersion: (dir) => {
      model = writeModelFile(dir, g, o.opset, o.externalData ?? false);
    },
    verify: async (dir) => {
      const problems = checkVersion(configText, { configPath, folder: o.name, versionDir: dir, version }).filter((d) => d.severity === 'error');
      if (problems.length > 0) {
        throw new NetforgeError({ code: 'E_TRITON_VERIFY', message: `the config netforge wrote does not pass its own check (a bug in netforge): ${problems.map((p) => `${p.code} ${p.message}`).join('; ')}`, file: configPath, hint: 'please report it with the command line' });
      }
      runs = await runAsDeclared(model!.file, config, batches, referenceShapes);
    },
  });
  const modelFile = model!.folderForm ? join(w.versionDir, ONNX_MODEL_FILE, ONNX_MODEL_FILE) : join(w.versionDir, ONNX_MODEL_FILE);
  return {
    config,
    configText,
    modelDir: w.modelDir,
    versionDir: w.versionDir,
    modelFile,
    modelBytes: model!.bytes,
    ...(model!.externalBytes !== undefined ? { externalBytes: model!.externalBytes } : {}),
    replaced: w.replaced,
    written: w.written,
    unchanged: w.unchanged,
    runs,
    ...(labelsFor !== undefined && labels !== undefined ? { labels: { output: labelsFor, count: labels.length } } : {}),
  };
}
