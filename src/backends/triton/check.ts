/**
 * check-repo: what Triton does when it loads a repository of ONNX models, offline. Every
 * problem is listed with the file (and config.pbtxt line) it is about and how to fix it.
 *
 * Rules, in Triton's words where it has them (core model_config_utils.cc ValidateModelConfig
 * and ValidateIOShape; onnxruntime_backend ValidateInputs/ValidateOutputs/CompareDimsSupported;
 * server docs/user_guide/model_repository.md):
 * 1. The repository is a folder of model folders; a model folder holds config.pbtxt, label files
 *    and version folders named 1, 2, ... (others, and those starting with 0, are ignored; at
 *    least one is needed). A version holds model.onnx (or default_model_filename): a file, or a
 *    folder with model.onnx in it, the form required when tensors are in external data files.
 * 2. config.pbtxt is text format of ModelConfig (./decode.ts); `name` equals the folder's name;
 *    platform onnxruntime_onnx / backend onnxruntime (other models are skipped with a warning).
 * 3. max_batch_size >= 0; dims are >= 1 or -1; a reshape keeps the element count; preferred
 *    batch sizes lie in 1..max_batch_size.
 * 4. Against each version's ONNX graph: every input the model needs is configured and every
 *    configured input and output exists, with the same data type; with max_batch_size > 0 the
 *    model's first dim must be variable and the config's dims are the rest; each fixed model dim
 *    must equal the config's (a -1 in the config against a fixed dim is refused), a variable one
 *    takes anything.
 * 5. Execution accelerators and their parameters (./accelerators.ts), instance groups, warmup
 *    samples (batch sizes, inputs, concrete dims), label files, version policies.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NetforgeError, isNetforgeError } from '../../errors.js';
import type { ErrorCode } from '../../errorCodes.js';
import { readOnnxSignature, type OnnxSignature, type OnnxTensorInfo } from '../onnx/signature.js';
import type { ModelConfig, ModelInput, ModelOutput, TritonDataType } from './config.js';
import { ONNX_BACKEND, ONNX_MODEL_FILE, ONNX_PLATFORM, ONNX_TO_TRITON, WILDCARD_DIM } from './config.js';
import { decodeConfig, type DecodedConfig } from './decode.js';
import { checkAccelerator } from './accelerators.js';
import { isVersionFolder } from './names.js';

export type Severity = 'error' | 'warning';

export interface RepoDiagnostic {
  readonly code: ErrorCode;
  readonly severity: Severity;
  /** The file or folder the problem is in. */
  readonly file: string;
  /** config.pbtxt line and column (1-based), when the problem is in the config. */
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
  readonly hint?: string;
}

export interface CheckedTensor {
  readonly name: string;
  readonly dataType: string;
  readonly dims: readonly number[];
}

export interface CheckedModel {
  readonly name: string;
  readonly dir: string;
  readonly versions: readonly number[];
  readonly maxBatchSize: number;
  readonly inputs: readonly CheckedTensor[];
  readonly outputs: readonly CheckedTensor[];
  /** Not an ONNX model: listed, not checked. */
  readonly skipped?: string;
}

export interface RepoCheck {
  readonly root: string;
  readonly models: readonly CheckedModel[];
  readonly diagnostics: readonly RepoDiagnostic[];
}

const CONFIG_FILE = 'config.pbtxt';
/** Triton's platforms (core constants.h); any other platform fails the model's load. */
const KNOWN_PLATFORMS = ['tensorrt_plan', 'tensorflow_graphdef', 'tensorflow_savedmodel', ONNX_PLATFORM, 'pytorch_libtorch', 'ensemble'];

interface Ctx {
  readonly diags: RepoDiagnostic[];
  readonly configPath: string;
  readonly decoded: DecodedConfig;
}

function report(ctx: Ctx, code: ErrorCode, severity: Severity, at: { obj?: object; field?: string } | undefined, message: string, hint?: string, file?: string): void {
  const loc = at?.obj !== undefined ? ctx.decoded.where(at.obj) : undefined;
  // A field the config does not have: its message's line, or none for the config as a whole.
  const pos = loc === undefined ? undefined : at?.field === undefined ? loc.at : (loc.fields[at.field] ?? (at.obj === ctx.decoded.config ? undefined : loc.at));
  ctx.diags.push({ code, severity, file: file ?? ctx.configPath, ...(pos !== undefined && file === undefined ? { line: pos.line, col: pos.col } : {}), message, ...(hint !== undefined ? { hint } : {}) });
}

const shape = (dims: readonly number[]): string => `[${dims.join(', ')}]`;

/** Triton's element count: -1 when any dim is variable. */
function elementCount(dims: readonly number[]): number {
  return dims.some((d) => d === WILDCARD_DIM) ? -1 : dims.reduce((a, b) => a * b, 1);
}

/** Products of the runs between variable dims ([2, 4, -1, 6] -> [8, 6]). */
function chunks(dims: readonly number[]): number[] {
  const out = [1];
  for (const d of dims) {
    if (d === WILDCARD_DIM) out.push(1);
    else out[out.length - 1]! *= d;
  }
  return out;
}

function checkShapeFields(ctx: Ctx, t: ModelInput | ModelOutput, what: string, mbs: number): void {
  const label = `${what} '${t.name ?? ''}'`;
  if (t.name === undefined || t.name === '') report(ctx, 'E_TRITON_TENSOR', 'error', { obj: t }, `a model ${what} has no name`, `give it the name of the ONNX graph's ${what}`);
  if (t.data_type === undefined || t.data_type === 'TYPE_INVALID') report(ctx, 'E_TRITON_DTYPE', 'error', { obj: t, field: 'data_type' }, `${label} has no data_type`, 'e.g. data_type: TYPE_FP32');
  const dims = t.dims ?? [];
  if (dims.length === 0) report(ctx, 'E_TRITON_DIMS', 'error', { obj: t }, `${label} has no dims`, 'give dims: [ ... ] without the batch dim (use [ 1 ] with reshape { shape: [ ] } for a scalar)');
  if (dims.some((d) => d < 1 && d !== WILDCARD_DIM)) report(ctx, 'E_TRITON_DIMS', 'error', { obj: t, field: 'dims' }, `${label} dims ${shape(dims)}: a dim must be >= 1, or -1 for a variable size`, 'use -1 for a dim the model leaves open');
  if (t.reshape === undefined) return;
  const rs = t.reshape.shape ?? [];
  if (rs.length === 0 && mbs === 0) report(ctx, 'E_TRITON_RESHAPE', 'error', { obj: t, field: 'reshape' }, `${label} has an empty reshape in a model without batching`, 'an empty reshape means a scalar per batch element: it needs max_batch_size > 0');
  if (rs.some((d) => d < 1 && d !== WILDCARD_DIM)) report(ctx, 'E_TRITON_RESHAPE', 'error', { obj: t, field: 'reshape' }, `${label} reshape ${shape(rs)}: a dim must be >= 1, or -1`, 'use -1 for a variable size');
  const a = elementCount(dims);
  const b = elementCount(rs);
  const chunked = a === -1 && JSON.stringify(chunks(dims)) !== JSON.stringify(chunks(rs));
  if ((a !== b && !(rs.length === 0 && a === 1)) || chunked) {
    report(ctx, 'E_TRITON_RESHAPE', 'error', { obj: t, field: 'reshape' }, `${label} dims ${shape(dims)} and reshape ${shape(rs)} hold different numbers of elements`, 'a reshape must keep the element count (and the products between -1 dims)');
  }
}

/** A model dim as Triton's backend sees it: fixed, or -1. */
const modelDim = (d: number | string | null): number => (typeof d === 'number' ? d : WILDCARD_DIM);

function compareWithModel(ctx: Ctx, t: ModelInput | ModelOutput, what: 'input' | 'output', m: OnnxTensorInfo, mbs: number, file: string): void {
  const label = `${what} '${m.name}'`;
  const modelType: TritonDataType | undefined = ONNX_TO_TRITON[m.elemType];
  if (t.data_type !== undefined && t.data_type !== 'TYPE_INVALID' && t.data_type !== modelType) {
    report(ctx, 'E_TRITON_DTYPE', 'error', { obj: t, field: 'data_type' }, `${label} is ${t.data_type} in the config, but ${file} has ${modelType ?? `ONNX element type ${m.elemType}`}`, `write data_type: ${modelType ?? '(a type Triton supports)'}`);
  }
  if (m.unranked) return;
  const dims = t.reshape !== undefined ? (t.reshape.shape ?? []) : (t.dims ?? []);
  const field = t.reshape !== undefined ? 'reshape' : 'dims';
  const ms = m.dims.map(modelDim);
  if (ms.length === 0) {
    if (dims.some((d) => d !== 1)) report(ctx, 'E_TRITON_DIMS', 'error', { obj: t, field }, `${label} is a scalar in ${file}, so its dims may only be 1, not ${shape(dims)}`, 'write dims: [ 1 ]');
    return;
  }
  if (mbs > 0 && ms[0] !== WILDCARD_DIM) {
    report(ctx, 'E_TRITON_BATCH_DIM', 'error', { obj: ctx.decoded.config, field: 'max_batch_size' }, `max_batch_size ${mbs} needs a variable first dim (the batch), but ${label} is ${shape(ms)} in ${file}`, 'set max_batch_size: 0 and declare the full shape in dims, or give the model a symbolic batch dim');
    return;
  }
  const full = mbs > 0 ? [WILDCARD_DIM, ...dims] : dims;
  const ok = full.length === ms.length && ms.every((d, i) => d === WILDCARD_DIM || d === full[i]);
  if (!ok) {
    const want = (mbs > 0 ? ms.slice(1) : ms).map((d) => d);
    report(
      ctx,
      'E_TRITON_DIMS',
      'error',
      { obj: t, field },
      `${label} is ${shape(ms)} in ${file}, but the config declares ${field} ${shape(dims)}${mbs > 0 ? ' after the batch dim' : ''}${full.length === ms.length ? '' : ` (${full.length} dims against the model's ${ms.length})`}`,
      `write ${field}: ${shape(want)} (-1 only where the model's dim is variable)`,
    );
  }
}

function checkAgainstModel(ctx: Ctx, cfg: ModelConfig, sig: OnnxSignature, file: string): void {
  const mbs = cfg.max_batch_size ?? 0;
  const inputs = cfg.input ?? [];
  const byName = new Map([...sig.inputs, ...sig.overridable].map((t) => [t.name, t]));
  const allowed = [...byName.keys()].join(', ');
  for (const t of inputs) {
    if (t.name === undefined || t.name === '') continue;
    const m = byName.get(t.name);
    if (m === undefined) {
      report(ctx, 'E_TRITON_INPUT_UNKNOWN', 'error', { obj: t, field: 'name' }, `input '${t.name}' is not an input of ${file}`, `its inputs are: ${allowed || '(none)'}`);
      continue;
    }
    compareWithModel(ctx, t, 'input', m, mbs, file);
  }
  const configured = new Set(inputs.map((t) => t.name));
  for (const m of sig.inputs) {
    if (!configured.has(m.name)) report(ctx, 'E_TRITON_INPUT_MISSING', 'error', { obj: cfg, field: 'input' }, `${file} needs input '${m.name}' ${shape(m.dims.map(modelDim))}, which the config does not declare`, `add input { name: "${m.name}" ... } (Triton refuses a config that declares ${inputs.length} of the model's ${sig.inputs.length} inputs)`);
  }
  const outputs = new Map(sig.outputs.map((t) => [t.name, t]));
  for (const t of cfg.output ?? []) {
    if (t.name === undefined || t.name === '') continue;
    const m = outputs.get(t.name);
    if (m === undefined) {
      report(ctx, 'E_TRITON_OUTPUT_UNKNOWN', 'error', { obj: t, field: 'name' }, `output '${t.name}' is not an output of ${file}`, `its outputs are: ${[...outputs.keys()].join(', ')}`);
      continue;
    }
    compareWithModel(ctx, t, 'output', m, mbs, file);
  }
}

function checkBatching(ctx: Ctx, cfg: ModelConfig): void {
  const mbs = cfg.max_batch_size ?? 0;
  if (mbs < 0) report(ctx, 'E_TRITON_BATCH', 'error', { obj: cfg, field: 'max_batch_size' }, `max_batch_size is ${mbs}; it must be 0 (no batching) or more`, 'use 0 for a model that takes exactly the declared shape, N > 0 to let Triton batch up to N requests');
  const db = cfg.dynamic_batching;
  if (db === undefined) return;
  for (const b of db.preferred_batch_size ?? []) {
    if (b <= 0 || b > mbs) {
      report(ctx, 'E_TRITON_BATCH', 'error', { obj: db, field: 'preferred_batch_size' }, `preferred batch size ${b} is ${b <= 0 ? 'not positive' : `larger than max_batch_size ${mbs}`}: Triton refuses the config`, `use sizes from 1 to ${Math.max(mbs, 1)}`);
    }
  }
}

function checkInstances(ctx: Ctx, cfg: ModelConfig): void {
  for (const g of cfg.instance_group ?? []) {
    if ((g.kind === 'KIND_CPU' || g.kind === 'KIND_MODEL') && (g.gpus ?? []).length > 0) report(ctx, 'E_TRITON_INSTANCES', 'error', { obj: g, field: 'gpus' }, `an instance group of kind ${g.kind} lists GPUs`, 'remove gpus, or use kind: KIND_GPU');
    if ((g.profile ?? []).length > 0) report(ctx, 'E_TRITON_INSTANCES', 'error', { obj: g, field: 'profile' }, 'an instance group sets profile, which only TensorRT plan models take', 'remove profile');
    if (g.count !== undefined && g.count < 0) report(ctx, 'E_TRITON_INSTANCES', 'error', { obj: g, field: 'count' }, `instance count ${g.count} is negative`, 'use a count of 1 or more');
  }
}

function checkAccelerators(ctx: Ctx, cfg: ModelConfig): void {
  const ea = cfg.optimization?.execution_accelerators;
  if (ea === undefined) return;
  const groups = cfg.instance_group ?? [];
  const cpuOnly = groups.length > 0 && groups.every((g) => g.kind === 'KIND_CPU');
  for (const list of ['gpu', 'cpu'] as const) {
    for (const acc of (list === 'gpu' ? ea.gpu_execution_accelerator : ea.cpu_execution_accelerator) ?? []) {
      for (const p of checkAccelerator(list, acc.name ?? '', acc.parameters ?? {}, false)) {
        const at = p.param !== undefined && acc.parameters !== undefined ? { obj: acc.parameters, field: p.param } : { obj: acc, field: 'name' };
        report(ctx, p.code, p.severity, at, p.message, p.hint);
      }
      if (list === 'gpu' && cpuOnly) report(ctx, 'E_TRITON_ACCELERATOR', 'warning', { obj: acc }, `${acc.name ?? ''} is a GPU accelerator, but every instance group is KIND_CPU: Triton ignores it`, 'use kind: KIND_GPU, or remove the accelerator');
    }
  }
}

function checkWarmup(ctx: Ctx, cfg: ModelConfig, modelDir: string | undefined): void {
  const mbs = cfg.max_batch_size ?? 0;
  const inputs = new Map((cfg.input ?? []).map((t) => [t.name ?? '', t]));
  for (const w of cfg.model_warmup ?? []) {
    const b = w.batch_size ?? 0;
    const limit = Math.max(mbs, 1);
    if (b < 1 || b > limit) report(ctx, 'E_TRITON_WARMUP', 'error', { obj: w, field: 'batch_size' }, `warmup '${w.name ?? ''}' has batch_size ${b}; it must be from 1 to ${limit}${mbs === 0 ? ' (1 for a model without batching)' : ' (max_batch_size)'}`, `use batch_size: ${Math.min(Math.max(b, 1), limit)}`);
    const given = w.inputs ?? {};
    for (const name of inputs.keys()) {
      if (given[name] === undefined && inputs.get(name)?.optional !== true) report(ctx, 'E_TRITON_WARMUP', 'error', { obj: w, field: 'inputs' }, `warmup '${w.name ?? ''}' gives no data for input '${name}'`, 'every input needs a warmup entry');
    }
    for (const [name, wi] of Object.entries(given)) {
      const t = inputs.get(name);
      if (t === undefined) {
        report(ctx, 'E_TRITON_WARMUP', 'error', { obj: wi }, `warmup '${w.name ?? ''}' gives data for '${name}', which is not a configured input`, `inputs are: ${[...inputs.keys()].join(', ')}`);
        continue;
      }
      if (wi.data_type !== t.data_type) report(ctx, 'E_TRITON_WARMUP', 'error', { obj: wi, field: 'data_type' }, `warmup data for '${name}' is ${wi.data_type ?? 'untyped'}, the input is ${t.data_type ?? 'untyped'}`, `write data_type: ${t.data_type ?? 'TYPE_FP32'}`);
      const dims = wi.dims ?? [];
      const want = t.dims ?? [];
      const fits = dims.length === want.length && want.every((d, i) => d === WILDCARD_DIM || d === dims[i]);
      if (dims.some((d) => d < 1) || !fits) report(ctx, 'E_TRITON_WARMUP', 'error', { obj: wi, field: 'dims' }, `warmup dims ${shape(dims)} for '${name}' do not fit its dims ${shape(want)}`, 'warmup dims are concrete (no -1), without the batch dim, and equal the input\'s fixed dims');
      if (modelDir !== undefined && wi.input_data_file !== undefined && !existsSync(join(modelDir, 'warmup', wi.input_data_file))) {
        report(ctx, 'E_TRITON_WARMUP', 'error', { obj: wi, field: 'input_data_file' }, `warmup data file ${join('warmup', wi.input_data_file)} does not exist in ${modelDir}`, 'put the raw tensor file in the model folder\'s warmup/ folder');
      }
    }
  }
}

function checkLabels(ctx: Ctx, cfg: ModelConfig, modelDir: string): void {
  for (const t of cfg.output ?? []) {
    if (t.label_filename === undefined || t.label_filename === '') continue;
    const path = join(modelDir, t.label_filename);
    if (!existsSync(path) || !statSync(path).isFile()) {
      report(ctx, 'E_TRITON_LABELS', 'error', { obj: t, field: 'label_filename' }, `label file ${t.label_filename} of output '${t.name ?? ''}' does not exist in ${modelDir}`, 'put the label file (one label per line) beside config.pbtxt, or remove label_filename');
      continue;
    }
    const count = readFileSync(path, 'utf8').split('\n').filter((l, i, all) => i < all.length - 1 || l !== '').length;
    const classes = (t.dims ?? []).at(-1);
    if (classes !== undefined && classes !== WILDCARD_DIM && count !== classes) {
      report(ctx, 'E_TRITON_LABELS', 'warning', { obj: t, field: 'label_filename' }, `label file ${t.label_filename} has ${count} lines, output '${t.name ?? ''}' has ${classes} classes`, 'one label per class, in class order');
    }
  }
}

function checkIdentity(ctx: Ctx, cfg: ModelConfig, folder: string): string {
  if (cfg.name !== undefined && cfg.name !== folder) {
    report(ctx, 'E_TRITON_NAME', 'error', { obj: cfg, field: 'name' }, `name "${cfg.name}" differs from the model's folder '${folder}': Triton requires them to be equal`, `write name: "${folder}", or rename the folder`);
  }
  const { platform, backend } = cfg;
  if (platform !== undefined && platform !== '' && !KNOWN_PLATFORMS.includes(platform)) {
    report(ctx, 'E_TRITON_PLATFORM', 'error', { obj: cfg, field: 'platform' }, `platform "${platform}" is not one of Triton's (${KNOWN_PLATFORMS.join(', ')})`, `an ONNX model uses platform: "${ONNX_PLATFORM}" (or backend: "${ONNX_BACKEND}")`);
    return 'onnx';
  }
  if (platform === ONNX_PLATFORM && backend !== undefined && backend !== '' && backend !== ONNX_BACKEND) {
    report(ctx, 'E_TRITON_PLATFORM', 'error', { obj: cfg, field: 'backend' }, `platform "${platform}" and backend "${backend}" do not go together`, `use backend: "${ONNX_BACKEND}", or leave it out`);
  }
  if (platform !== undefined && platform !== '' && platform !== ONNX_PLATFORM) return `platform ${platform}`;
  if ((platform === undefined || platform === '') && backend !== undefined && backend !== '' && backend !== ONNX_BACKEND) return `backend ${backend}`;
  return 'onnx';
}

/** The model file of a version: model.onnx (or default_model_filename), a file or a folder holding one. */
function modelFileOf(versionDir: string, cfg: ModelConfig): { path?: string; problem?: string; dirForm: boolean } {
  const name = cfg.default_model_filename !== undefined && cfg.default_model_filename !== '' ? cfg.default_model_filename : ONNX_MODEL_FILE;
  const p = join(versionDir, name);
  if (!existsSync(p)) return { problem: `${join(basename(versionDir), name)} does not exist`, dirForm: false };
  if (statSync(p).isDirectory()) {
    const inner = join(p, ONNX_MODEL_FILE);
    return existsSync(inner) ? { path: inner, dirForm: true } : { problem: `${join(basename(versionDir), name)} is a folder without ${ONNX_MODEL_FILE} in it`, dirForm: true };
  }
  return { path: p, dirForm: false };
}

function listDir(dir: string): { name: string; isDir: boolean }[] {
  return readdirSync(dir, { withFileTypes: true })
    .map((d) => ({ name: d.name, isDir: d.isDirectory() || (d.isSymbolicLink() && existsSync(join(dir, d.name)) && statSync(join(dir, d.name)).isDirectory()) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const tensorsOf = (ts: readonly (ModelInput | ModelOutput)[] | undefined): CheckedTensor[] => (ts ?? []).map((t) => ({ name: t.name ?? '', dataType: t.data_type ?? 'TYPE_INVALID', dims: t.dims ?? [] }));

/** The decoder's problems (syntax and schema) as diagnostics of `configPath`. */
function configProblems(decoded: DecodedConfig, configPath: string): RepoDiagnostic[] {
  return decoded.problems.map((p) => ({ code: p.code, severity: 'error', file: configPath, line: p.line, col: p.col, message: p.message, ...(p.hint !== undefined ? { hint: p.hint } : {}) }));
}

/** What the config says, on its own (rules 2 to 5, without the model files). Label and warmup files are looked for in `modelDir`, when given. */
function checkConfigRules(ctx: Ctx, cfg: ModelConfig, modelDir: string | undefined): void {
  checkBatching(ctx, cfg);
  const mbs = Math.max(cfg.max_batch_size ?? 0, 0);
  for (const t of cfg.input ?? []) {
    checkShapeFields(ctx, t, 'input', mbs);
    if (t.optional === true && mbs !== 0) report(ctx, 'E_TRITON_TENSOR', 'error', { obj: t, field: 'optional' }, `input '${t.name ?? ''}' is optional in a model with batching, which Triton's ONNX Runtime backend refuses`, 'remove optional, or set max_batch_size: 0');
  }
  for (const t of cfg.output ?? []) checkShapeFields(ctx, t, 'output', mbs);
  const tensors = [...(cfg.input ?? []), ...(cfg.output ?? [])];
  const names = tensors.map((t) => t.name);
  for (const [i, t] of tensors.entries()) {
    if (t.name !== undefined && names.indexOf(t.name) !== i) report(ctx, 'E_TRITON_TENSOR', 'error', { obj: t, field: 'name' }, `'${t.name}' is declared twice`, 'each input and output once');
  }
  checkInstances(ctx, cfg);
  checkAccelerators(ctx, cfg);
  checkWarmup(ctx, cfg, modelDir);
  if (modelDir !== undefined) checkLabels(ctx, cfg, modelDir);
}

/** One version folder: its model file, external data, and (when `compare`) the config against its graph. */
function checkVersionFolder(ctx: Ctx, cfg: ModelConfig, vdir: string, v: number, compare: boolean): void {
  const mf = modelFileOf(vdir, cfg);
  if (mf.path === undefined) {
    ctx.diags.push({ code: 'E_TRITON_MODEL_FILE', severity: 'error', file: vdir, message: `version ${v}: ${mf.problem ?? ''}`, hint: `an ONNX model version holds ${ONNX_MODEL_FILE} (a file, or a folder with ${ONNX_MODEL_FILE} and its external data)` });
    return;
  }
  let sig: OnnxSignature;
  try {
    sig = readOnnxSignature(mf.path);
  } catch (e) {
    if (!isNetforgeError(e)) throw e;
    ctx.diags.push({ code: 'E_TRITON_ONNX', severity: 'error', file: mf.path, message: `version ${v}: ${e.message}`, ...(e.hint !== undefined ? { hint: e.hint } : {}) });
    return;
  }
  const rel = join(String(v), mf.path.slice(vdir.length + 1));
  for (const loc of sig.externalData) {
    if (!mf.dirForm) {
      ctx.diags.push({ code: 'E_TRITON_EXTERNAL_DATA', severity: 'error', file: mf.path, message: `version ${v}: ${rel} keeps tensors in ${loc}, but is a single file`, hint: `Triton loads a model made of several files from a folder: move both into ${join(String(v), ONNX_MODEL_FILE)}/ (netforge export triton does this)` });
    } else if (!existsSync(join(dirname(mf.path), loc))) {
      ctx.diags.push({ code: 'E_TRITON_EXTERNAL_DATA', severity: 'error', file: mf.path, message: `version ${v}: ${rel} keeps tensors in ${loc}, which does not exist beside it`, hint: 'copy the external data file next to the model file' });
    }
  }
  // Without a readable config Triton derives one from the model: nothing to compare.
  if (compare) checkAgainstModel(ctx, cfg, sig, rel);
}

/**
 * A config (not yet in place) against a version folder (not yet in place): what check-repo
 * would say once both are, label files aside. export triton checks what it wrote with it.
 */
export function checkVersion(configText: string, o: { readonly configPath: string; readonly folder: string; readonly versionDir: string; readonly version: number }): RepoDiagnostic[] {
  const decoded = decodeConfig(configText);
  const ctx: Ctx = { diags: [], configPath: o.configPath, decoded };
  ctx.diags.push(...configProblems(decoded, o.configPath));
  checkIdentity(ctx, decoded.config, o.folder);
  checkConfigRules(ctx, decoded.config, undefined);
  checkVersionFolder(ctx, decoded.config, o.versionDir, o.version, decoded.problems.length === 0);
  return ctx.diags;
}

/** Check one model folder (`<repo>/<name>`). */
export function checkModelDir(modelDir: string): { model: CheckedModel; diagnostics: RepoDiagnostic[] } {
  const folder = basename(modelDir);
  const configPath = join(modelDir, CONFIG_FILE);
  const diags: RepoDiagnostic[] = [];
  const hasConfig = existsSync(configPath) && statSync(configPath).isFile();
  const decoded = hasConfig ? decodeConfig(readFileSync(configPath, 'utf8')) : decodeConfig('');
  const ctx: Ctx = { diags, configPath, decoded };
  const cfg = decoded.config;
  if (!hasConfig) diags.push({ code: 'E_TRITON_NO_CONFIG', severity: 'warning', file: modelDir, message: `${folder} has no ${CONFIG_FILE}`, hint: `Triton can derive an ONNX model's config (auto-complete) unless started with --disable-auto-complete-config; netforge checked the files only. netforge export triton writes one` });
  diags.push(...configProblems(decoded, configPath));

  const entries = listDir(modelDir);
  const versions: number[] = [];
  for (const e of entries) {
    if (!e.isDir || e.name.startsWith('.')) continue;
    if (isVersionFolder(e.name)) versions.push(Number(e.name));
    else if (/^\d+$/.test(e.name)) diags.push({ code: 'E_TRITON_VERSION_FOLDER', severity: 'warning', file: join(modelDir, e.name), message: `folder ${e.name} starts with 0: Triton ignores it as a version`, hint: `versions are 1, 2, ...: rename it to ${Number(e.name) === 0 ? '1 (or the next free number)' : String(Number(e.name))}` });
    else if (e.name !== 'warmup' && e.name !== 'configs') diags.push({ code: 'E_TRITON_VERSION_FOLDER', severity: 'warning', file: join(modelDir, e.name), message: `folder ${e.name} is not a version (a number): Triton ignores it`, hint: 'versions are folders named 1, 2, ...' });
  }
  versions.sort((a, b) => a - b);
  const summary = (skipped?: string): CheckedModel => ({ name: folder, dir: modelDir, versions, maxBatchSize: cfg.max_batch_size ?? 0, inputs: tensorsOf(cfg.input), outputs: tensorsOf(cfg.output), ...(skipped !== undefined ? { skipped } : {}) });
  if (versions.length === 0) diags.push({ code: 'E_TRITON_NO_VERSION', severity: 'error', file: modelDir, message: `${folder} has no version folder: Triton loads nothing`, hint: `put the model in ${join(modelDir, '1', ONNX_MODEL_FILE)}` });

  const kind = checkIdentity(ctx, cfg, folder);
  if (kind !== 'onnx') {
    diags.push({ code: 'E_TRITON_NOT_ONNX', severity: 'warning', file: configPath, message: `${folder} is not an ONNX model (${kind}): not checked`, hint: 'check-repo checks models of Triton\'s ONNX Runtime backend' });
    return { model: summary(kind), diagnostics: inFileOrder(diags) };
  }
  checkConfigRules(ctx, cfg, modelDir);
  for (const v of cfg.version_policy?.specific?.versions ?? []) {
    if (!versions.includes(v)) report(ctx, 'E_TRITON_VERSION_POLICY', 'warning', { obj: cfg.version_policy!.specific!, field: 'versions' }, `version_policy names version ${v}, which has no folder`, `versions here: ${versions.join(', ') || '(none)'}`);
  }

  const comparable = hasConfig && !decoded.problems.some((p) => p.code === 'E_TRITON_CONFIG_SYNTAX');
  for (const v of versions) {
    const vdir = join(modelDir, String(v));
    checkVersionFolder(ctx, cfg, vdir, v, comparable);
  }
  return { model: summary(), diagnostics: inFileOrder(diags) };
}

/** Problems by file, then by config line (stable: the same line keeps its order, version by version). */
function inFileOrder(diags: readonly RepoDiagnostic[]): RepoDiagnostic[] {
  return [...diags].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0)));
}

/** Check every model of a Triton repository. E_TRITON_REPO if `root` is not a folder. */
export function checkRepository(root: string): RepoCheck {
  if (!existsSync(root)) throw new NetforgeError({ code: 'E_TRITON_REPO', message: `${root} does not exist`, file: root, hint: 'give the model repository folder (the one tritonserver --model-repository points at)' });
  if (!statSync(root).isDirectory()) throw new NetforgeError({ code: 'E_TRITON_REPO', message: `${root} is not a folder`, file: root, hint: 'a Triton model repository is a folder of model folders' });
  const models: CheckedModel[] = [];
  const diagnostics: RepoDiagnostic[] = [];
  for (const e of listDir(root)) {
    if (!e.isDir) continue;
    const r = checkModelDir(join(root, e.name));
    models.push(r.model);
    diagnostics.push(...r.diagnostics);
  }
  if (models.length === 0) diagnostics.push({ code: 'E_TRITON_REPO_EMPTY', severity: 'warning', file: root, message: `${root} holds no model folders`, hint: 'netforge export triton <model> --repo DIR writes one' });
  return { root, models, diagnostics };
}
