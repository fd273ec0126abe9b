/**
 * check-repo's rules, each on a repository broken in one way: the problem's code, and the
 * config.pbtxt line it points at (found by the text of that line, so the assertion is exact).
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { checkModelDir, checkRepository, type RepoDiagnostic } from './check.js';
import { buildConfig } from './build.js';
import { formatConfig } from './format.js';
import { compile } from '../../compile.js';
import { ZOO } from '../../zoo/index.js';
import { toOnnxBytes, writeOnnx } from '../onnx/serialize.js';
import { onnx } from '../onnx/proto.js';
import { errorOf } from '../../../test/helpers/errors.js';

const root = mkdtempSync(join(tmpdir(), 'netforge-check-'));
const base = join(root, 'base');
const graph = compile(ZOO.get('cifar_resnet20')!, { seed: 1 }).graph;
let modelBytes: Uint8Array;
let configText: string;

beforeAll(() => {
  modelBytes = toOnnxBytes(graph);
  const config = buildConfig(
    { inputs: [{ name: 'input', dataType: 'TYPE_FP32', shape: [null, 3, 32, 32] }], outputs: [{ name: 'logits', dataType: 'TYPE_FP32', shape: [null, 10] }] },
    {
      name: 'c20',
      maxBatchSize: 8,
      dynamicBatching: { preferredBatchSizes: [4, 8] },
      instanceGroup: { count: 1, kind: 'gpu' },
      accelerator: { name: 'tensorrt', parameters: { precision_mode: 'FP16' } },
      warmup: 'zero',
      labels: { output: 'logits', fileName: 'labels.txt' },
    },
  );
  configText = formatConfig(config, ['a test repository']);
  mkdirSync(join(base, 'c20', '1'), { recursive: true });
  writeFileSync(join(base, 'c20', '1', 'model.onnx'), modelBytes);
  writeFileSync(join(base, 'c20', 'config.pbtxt'), configText);
  writeFileSync(join(base, 'c20', 'labels.txt'), `${Array.from({ length: 10 }, (_, i) => `class${i}`).join('\n')}\n`);
});

let n = 0;
/** A copy of the good repository with one change; returns the model folder. */
function broken(change: (modelDir: string, config: string) => string | void): string {
  const repo = join(root, `case${n++}`);
  cpSync(base, repo, { recursive: true });
  const dir = join(repo, 'c20');
  const text = change(dir, configText);
  if (typeof text === 'string') writeFileSync(join(dir, 'config.pbtxt'), text);
  return dir;
}

/** The 1-based line of the only line containing `needle` (after the change). */
function lineOf(dir: string, needle: string, nth = 0): number {
  const lines = readFileSync(join(dir, 'config.pbtxt'), 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  if (hits[nth] === undefined) throw new Error(`no line with ${needle}`);
  return hits[nth]!;
}

const errors = (d: readonly RepoDiagnostic[]): RepoDiagnostic[] => d.filter((x) => x.severity === 'error');
const replaceOnce = (text: string, a: string, b: string): string => {
  if (!text.includes(a)) throw new Error(`no ${a} in the config`);
  return text.replace(a, b);
};
/** The compiled model with its input's first dim fixed at 1 (and the output's too). */
function fixedBatchModel(): Uint8Array {
  const m = onnx.ModelProto.decode(modelBytes);
  for (const vi of [...m.graph!.input!, ...m.graph!.output!]) vi.type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
  return onnx.ModelProto.encode(m).finish();
}

describe('check-repo on a good repository', () => {
  test('no problems; the summary lists the model, its versions and tensors', () => {
    const r = checkRepository(base);
    expect(r.diagnostics).toEqual([]);
    expect(r.models).toEqual([
      {
        name: 'c20',
        dir: join(base, 'c20'),
        versions: [1],
        maxBatchSize: 8,
        inputs: [{ name: 'input', dataType: 'TYPE_FP32', dims: [3, 32, 32] }],
        outputs: [{ name: 'logits', dataType: 'TYPE_FP32', dims: [10] }],
      },
    ]);
  });
  test('a repository path that is a file, or missing, is E_TRITON_REPO', () => {
    expect(errorOf(() => checkRepository(join(base, 'c20', 'config.pbtxt'))).code).toBe('E_TRITON_REPO');
    expect(errorOf(() => checkRepository(join(root, 'nope'))).code).toBe('E_TRITON_REPO');
  });
});

interface Case {
  readonly what: string;
  readonly change: (dir: string, config: string) => string | void;
  readonly code: string;
  /** The config line's text (undefined: the problem is a file or folder, not a config line). */
  readonly line?: string;
  readonly file?: string;
}

const CASES: readonly Case[] = [
  { what: 'wrong dims', change: (_, c) => replaceOnce(c, 'dims: [ 3, 32, 32 ]', 'dims: [ 3, 32, 31 ]'), code: 'E_TRITON_DIMS', line: 'dims: [ 3, 32, 31 ]' },
  { what: '-1 against a fixed model dim', change: (_, c) => replaceOnce(c, 'dims: [ 3, 32, 32 ]', 'dims: [ 3, -1, 32 ]'), code: 'E_TRITON_DIMS', line: 'dims: [ 3, -1, 32 ]' },
  { what: 'the batch dim declared again', change: (_, c) => replaceOnce(c, 'dims: [ 10 ]', 'dims: [ -1, 10 ]'), code: 'E_TRITON_DIMS', line: 'dims: [ -1, 10 ]' },
  { what: 'a dim of 0', change: (_, c) => replaceOnce(c, 'dims: [ 10 ]', 'dims: [ 0 ]'), code: 'E_TRITON_DIMS', line: 'dims: [ 0 ]' },
  { what: 'wrong data type', change: (_, c) => replaceOnce(c, 'data_type: TYPE_FP32', 'data_type: TYPE_FP16'), code: 'E_TRITON_DTYPE', line: 'data_type: TYPE_FP16' },
  { what: 'a data type Triton does not have', change: (_, c) => replaceOnce(c, 'data_type: TYPE_FP32', 'data_type: TYPE_FLOAT'), code: 'E_TRITON_CONFIG_VALUE', line: 'TYPE_FLOAT' },
  { what: 'no version folder (named v1)', change: (d) => renameSync(join(d, '1'), join(d, 'v1')), code: 'E_TRITON_NO_VERSION', file: '' },
  { what: 'version folder 0', change: (d) => renameSync(join(d, '1'), join(d, '0')), code: 'E_TRITON_NO_VERSION', file: '' },
  { what: 'no model file in the version', change: (d) => rmSync(join(d, '1', 'model.onnx')), code: 'E_TRITON_MODEL_FILE', file: '1' },
  { what: 'not an ONNX file', change: (d) => writeFileSync(join(d, '1', 'model.onnx'), 'not a model'), code: 'E_TRITON_ONNX', file: '1/model.onnx' },
  {
    what: 'external data beside a single-file model',
    change: (d) => {
      rmSync(join(d, '1', 'model.onnx'));
      writeOnnx(join(d, '1', 'model.onnx'), graph, { externalData: true });
    },
    code: 'E_TRITON_EXTERNAL_DATA',
    file: '1/model.onnx',
  },
  { what: 'batching on a model whose first dim is fixed', change: (d) => writeFileSync(join(d, '1', 'model.onnx'), fixedBatchModel()), code: 'E_TRITON_BATCH_DIM', line: 'max_batch_size: 8' },
  { what: 'an output the model does not have', change: (_, c) => replaceOnce(c, 'name: "logits"', 'name: "logit"'), code: 'E_TRITON_OUTPUT_UNKNOWN', line: 'name: "logit"' },
  { what: 'an input the model does not have', change: (_, c) => replaceOnce(c, 'name: "input"', 'name: "image"'), code: 'E_TRITON_INPUT_UNKNOWN', line: 'name: "image"' },
  { what: 'the model\'s input left out', change: (_, c) => c.replace(/input \[\n {2}\{\n(.*\n){3} {2}\}\n\]\n/, '').replace(/ {2}model_warmup[^]*$/, ''), code: 'E_TRITON_INPUT_MISSING', file: 'config.pbtxt' },
  { what: 'an unknown accelerator', change: (_, c) => replaceOnce(c, 'name: "tensorrt"', 'name: "tensorrtx"'), code: 'E_TRITON_ACCELERATOR', line: 'name: "tensorrtx"' },
  { what: 'an accelerator parameter value Triton refuses', change: (_, c) => replaceOnce(c, 'value: "FP16"', 'value: "fp16"'), code: 'E_TRITON_ACCELERATOR_PARAM', line: 'parameters {' },
  { what: 'a GPU accelerator under cpu_execution_accelerator', change: (_, c) => replaceOnce(c, 'gpu_execution_accelerator [', 'cpu_execution_accelerator ['), code: 'E_TRITON_ACCELERATOR', line: 'name: "tensorrt"' },
  { what: 'a syntax error (a stray brace)', change: (_, c) => replaceOnce(c, 'max_batch_size: 8', 'max_batch_size: 8 }'), code: 'E_TRITON_CONFIG_SYNTAX', line: 'max_batch_size: 8 }' },
  { what: 'a misspelt field', change: (_, c) => replaceOnce(c, 'max_batch_size: 8', 'max_batch_sise: 8'), code: 'E_TRITON_CONFIG_FIELD', line: 'max_batch_sise' },
  { what: 'a field set twice', change: (_, c) => replaceOnce(c, 'max_batch_size: 8', 'max_batch_size: 8\nmax_batch_size: 4'), code: 'E_TRITON_CONFIG_DUPLICATE', line: 'max_batch_size: 4' },
  { what: 'name differs from the folder', change: (_, c) => replaceOnce(c, 'name: "c20"', 'name: "c21"'), code: 'E_TRITON_NAME', line: 'name: "c21"' },
  { what: 'a platform Triton does not have', change: (_, c) => replaceOnce(c, 'platform: "onnxruntime_onnx"', 'platform: "onnxruntime"'), code: 'E_TRITON_PLATFORM', line: 'platform: "onnxruntime"' },
  { what: 'a preferred batch size over max_batch_size', change: (_, c) => replaceOnce(c, 'preferred_batch_size: [ 4, 8 ]', 'preferred_batch_size: [ 4, 16 ]'), code: 'E_TRITON_BATCH', line: 'preferred_batch_size' },
  { what: 'a negative max_batch_size', change: (_, c) => replaceOnce(c, 'max_batch_size: 8', 'max_batch_size: -1'), code: 'E_TRITON_BATCH', line: 'max_batch_size: -1' },
  { what: 'a reshape that changes the element count', change: (_, c) => replaceOnce(c, '    dims: [ 10 ]\n', '    dims: [ 10 ]\n    reshape { shape: [ 5 ] }\n'), code: 'E_TRITON_RESHAPE', line: 'reshape' },
  { what: 'a missing label file', change: (d) => rmSync(join(d, 'labels.txt')), code: 'E_TRITON_LABELS', line: 'label_filename' },
  { what: 'a warmup batch over max_batch_size', change: (_, c) => replaceOnce(c, '    batch_size: 8', '    batch_size: 9'), code: 'E_TRITON_WARMUP', line: '    batch_size: 9' },
  { what: 'warmup dims that do not fit the input', change: (_, c) => replaceOnce(c, 'dims: [ 3, 32, 32 ]', 'dims: [ 3, 32, 32 ]').replace(/(value \{\n(?:.*\n)*? {8}dims: )\[ 3, 32, 32 \]/, '$1[ 3, -1, 32 ]'), code: 'E_TRITON_WARMUP', line: 'dims: [ 3, -1, 32 ]' },
  { what: 'a CPU instance group listing GPUs', change: (_, c) => replaceOnce(c, 'kind: KIND_GPU', 'kind: KIND_CPU\n    gpus: [ 0 ]'), code: 'E_TRITON_INSTANCES', line: 'gpus: [ 0 ]' },
];

describe('check-repo on broken repositories', () => {
  test.each(CASES.map((c) => [c.what, c] as const))('%s', (_, c) => {
    const dir = broken(c.change);
    const { diagnostics } = checkModelDir(dir);
    const hit = errors(diagnostics).find((d) => d.code === c.code);
    expect(hit, JSON.stringify(diagnostics, null, 1)).toBeDefined();
    if (c.line !== undefined) {
      expect(hit!.file).toBe(join(dir, 'config.pbtxt'));
      expect(hit!.line).toBe(lineOf(dir, c.line));
    } else {
      expect(hit!.file).toBe(c.file === '' ? dir : join(dir, c.file!));
      expect(hit!.line).toBeUndefined();
    }
    expect(hit!.hint ?? '').not.toBe('');
  });

  test(`${CASES.length} cases, ${new Set(CASES.map((c) => c.code)).size} distinct codes`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
    expect(new Set(CASES.map((c) => c.code)).size).toBeGreaterThanOrEqual(15);
  });
});

describe('what is a warning, not an error', () => {
  test('a model without config.pbtxt, a folder Triton ignores, a non-ONNX model, a GPU accelerator on CPU instances', () => {
    const dir = broken((d) => {
      rmSync(join(d, 'config.pbtxt'));
      mkdirSync(join(d, '01'));
    });
    expect(checkModelDir(dir).diagnostics.map((x) => [x.code, x.severity])).toEqual([
      ['E_TRITON_NO_CONFIG', 'warning'],
      ['E_TRITON_VERSION_FOLDER', 'warning'],
    ]);
    const trt = broken((_, c) => c.replace('platform: "onnxruntime_onnx"', 'platform: "tensorrt_plan"'));
    expect(checkModelDir(trt).diagnostics.map((x) => [x.code, x.severity])).toEqual([['E_TRITON_NOT_ONNX', 'warning']]);
    const cpu = broken((_, c) => replaceOnce(c, 'kind: KIND_GPU', 'kind: KIND_CPU'));
    expect(checkModelDir(cpu).diagnostics).toMatchObject([{ code: 'E_TRITON_ACCELERATOR', severity: 'warning', line: lineOf(cpu, 'name: "tensorrt"') - 1 }]);
  });
});
