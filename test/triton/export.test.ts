/**
 * netforge export triton end to end, through the CLI entry point: each repository it writes
 * passes check-repo, its config.pbtxt is read by Google's protobuf, and onnxruntime runs the
 * model with inputs shaped exactly as that reading declares (batch 1 and max_batch_size). Bad
 * input is refused with a code and leaves the repository byte for byte as it was.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { writeTritonExport } from '../../src/backends/triton/export.js';
import { writeModelVersion } from '../../src/backends/triton/repository.js';
import type { Graph } from '../../src/ir/types.js';
import { createSession, releaseSession } from '../../src/backends/ort/session.js';
import { parseWithProtobuf, protobufMissing } from '../helpers/tritonProto.js';
import { PYTHON } from '../helpers/python.js';
import { spawnSync } from 'node:child_process';

const cli = runCli;
const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

const dir = mkdtempSync(join(tmpdir(), 'netforge-triton-'));
const labels = join(dir, 'cifar10.txt');
writeFileSync(labels, 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
let n = 0;
const fresh = (): string => join(dir, `repo${n++}`);

/** Every file under `root` with its content hash and mtime: a repository's state. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${p}/`] = '';
        walk(p);
      } else out[p] = `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mtimeMs}`;
    }
  };
  walk(root);
  return out;
}

const TYPES: Readonly<Record<string, ort.Tensor.Type>> = { TYPE_FP32: 'float32', TYPE_FP16: 'float16' };

/**
 * Run the model with inputs shaped as protobuf read the config, at batch 1 and max_batch_size;
 * a -1 dim (variable: the batch of a model served without batching) takes size 3. Returns the
 * output shapes.
 */
async function runAsProtobufReadIt(modelFile: string, dict: { max_batch_size?: number; input: { name: string; data_type: string; dims: string[] }[]; output: { name: string; data_type: string; dims: string[] }[] }): Promise<string[]> {
  const mbs = dict.max_batch_size ?? 0;
  const session = await createSession(modelFile, { intraOpSpinning: false });
  const seen: string[] = [];
  try {
    for (const b of mbs > 0 ? [1, mbs] : [1]) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const i of dict.input) {
        const shape = [...(mbs > 0 ? [b] : []), ...i.dims.map(Number).map((d) => (d === -1 ? 3 : d))];
        const count = shape.reduce((a, c) => a * c, 1);
        feeds[i.name] = new ort.Tensor(TYPES[i.data_type]!, TYPES[i.data_type] === 'float16' ? new Uint16Array(count) : new Float32Array(count).fill(0.5), shape);
      }
      const out = await session.run(feeds);
      for (const o of dict.output) {
        const t = out[o.name]!;
        expect(t.type).toBe(TYPES[o.data_type]);
        expect(t.dims).toEqual([...(mbs > 0 ? [b] : []), ...o.dims.map(Number).map((d) => (d === -1 ? 3 : d))]);
        seen.push(`${o.name} [${t.dims.join(', ')}]`);
      }
    }
  } finally {
    await releaseSession(session);
  }
  return seen;
}

const VARIANTS: readonly [string, string[], string][] = [
  ['defaults', [], 'model.onnx'],
  ['no batching', ['--max-batch-size', '0'], 'model.onnx'],
  ['fp16, CPU instances, dynamic batching, random warmup, labels', ['--dtype', 'float16', '--max-batch-size', '4', '--instances', '2', '--kind', 'cpu', '--preferred-batch-sizes', '2,4', '--max-queue-delay-us', '100', '--warmup', 'random', '--labels', labels], 'model.onnx'],
  ['external data, tensorrt, GPU, version policy, KServe, request', ['--external-data', '--accelerator', 'tensorrt', '--trt-precision', 'fp16', '--trt-workspace', '1073741824', '--trt-engine-cache', '/cache', '--kind', 'gpu', '--version-policy', 'latest:2', '--kserve', '--kserve-file', join(dir, 'isvc.yaml'), '--storage-uri', 's3://bucket/models', '--request', join(dir, 'request.json')], 'model.onnx/model.onnx'],
  ['openvino on CPU, another input size and class count', ['--accelerator', 'openvino', '--kind', 'cpu', '--input-size', '40', '--num-classes', '7', '--model-name', 'c20_40'], 'model.onnx'],
];

describe('netforge export triton', () => {
  test.each(VARIANTS)('%s: check-repo passes, protobuf reads the config, onnxruntime runs it as declared', async (_, flags, file) => {
    const repo = fresh();
    const r = await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, ...flags]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    noStack(r.stdout);
    const name = flags.includes('--model-name') ? 'c20_40' : 'cifar_resnet20';
    const c = await cli(['check-repo', repo]);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/: 1 model, 1 version: no problems$/);
    expect(readdirSync(join(repo, name)).filter((f) => f.startsWith('.'))).toEqual([]);
    if (protobufMissing() !== undefined) return;
    const [reading] = parseWithProtobuf([readFileSync(join(repo, name, 'config.pbtxt'), 'utf8')]);
    expect(reading!.error).toBeUndefined();
    const seen = await runAsProtobufReadIt(join(repo, name, '1', file), reading!.dict as never);
    expect(seen.length).toBeGreaterThan(0);
  });

  test('the KServe manifest is YAML KServe reads: ONNX through Triton, protocol v2, the storage URI, a GPU', () => {
    const yaml = readFileSync(join(dir, 'isvc.yaml'), 'utf8');
    const r = spawnSync(PYTHON, ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: yaml, encoding: 'utf8' });
    if (r.status !== 0) return void console.warn(`[netforge tests] YAML not checked: ${r.stderr.trim().split('\n').at(-1)}`);
    expect(JSON.parse(r.stdout)).toEqual({
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'cifar-resnet20' },
      spec: { predictor: { model: { modelFormat: { name: 'onnx' }, protocolVersion: 'v2', runtime: 'kserve-tritonserver', storageUri: 's3://bucket/models', resources: { requests: { cpu: '1', memory: '2Gi', 'nvidia.com/gpu': '1' }, limits: { cpu: '1', memory: '2Gi', 'nvidia.com/gpu': '1' } } } } },
    });
  });

  test('the v2 request is the JSON tensor form for the config: input name, [1, 3, 32, 32], FP32, 3072 values; outputs named', () => {
    const req = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8')) as { inputs: { name: string; shape: number[]; datatype: string; data: number[] }[]; outputs: { name: string }[] };
    expect(req.inputs.map((i) => [i.name, i.shape, i.datatype, i.data.length])).toEqual([['input', [1, 3, 32, 32], 'FP32', 3072]]);
    expect(req.inputs[0]!.data.every((v) => Number.isFinite(v))).toBe(true);
    expect(req.outputs).toEqual([{ name: 'logits' }]);
  });

  test('same inputs -> byte-identical config.pbtxt, labels.txt, model.onnx, manifest and request', async () => {
    const args = (repo: string, tag: string): string[] => ['export', 'triton', 'cifar_resnet20', '--repo', repo, '--seed', '5', '--instances', '2', '--kind', 'cpu', '--preferred-batch-sizes', '4,8', '--warmup', 'zero', '--labels', labels, '--kserve', '--kserve-file', join(dir, `${tag}.yaml`), '--storage-uri', 'gs://b/m', '--request', join(dir, `${tag}.json`)];
    const [a, b] = [fresh(), fresh()];
    expect((await cli(args(a, 'a'))).code).toBe(0);
    expect((await cli(args(b, 'b'))).code).toBe(0);
    for (const f of ['config.pbtxt', 'labels.txt', '1/model.onnx']) expect(readFileSync(join(a, 'cifar_resnet20', f)).equals(readFileSync(join(b, 'cifar_resnet20', f))), f).toBe(true);
    expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe(readFileSync(join(dir, 'b.yaml'), 'utf8'));
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe(readFileSync(join(dir, 'b.json'), 'utf8'));
  });

  test('versions: a new version leaves the others and an identical config untouched; an existing one is replaced only with --force', async () => {
    const repo = fresh();
    const model = join(repo, 'cifar_resnet20');
    expect((await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, '--seed', '1'])).code).toBe(0);
    const v1 = snapshot(join(model, '1'));
    const config = snapshot(join(model, 'config.pbtxt').replace(/config\.pbtxt$/, ''))[join(model, 'config.pbtxt')];
    const r2 = await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, '--seed', '2', '--model-version', '2']);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain('config.pbtxt      unchanged');
    expect(snapshot(join(model, '1'))).toEqual(v1);
    expect(snapshot(model)[join(model, 'config.pbtxt')]).toBe(config);
    const before = snapshot(repo);
    const again = await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, '--seed', '3', '--model-version', '2']);
    expect([again.code, again.stderr.split('\n')[0]]).toEqual([1, `error[E_TRITON_VERSION_EXISTS]: ${join(model, '2')} already exists`]);
    expect(again.stderr).toContain('help: export as another version (--model-version 3), or replace this one with --force');
    expect(snapshot(repo)).toEqual(before);
    const forced = await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, '--seed', '3', '--model-version', '2', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout.split('\n')[0]).toBe(`replaced ${model} version 2`);
    expect(snapshot(join(model, '1'))).toEqual(v1);
    expect(readFileSync(join(model, '2', 'model.onnx')).equals(readFileSync(join(model, '1', 'model.onnx')))).toBe(false);
    expect((await cli(['check-repo', repo])).stdout).toMatch(/1 model, 2 versions: no problems/);
  });
});

describe('netforge check-repo', () => {
  test('usage, a path that is not a repository, and --json with the problems as data', async () => {
    expect((await cli(['check-repo'])).code).toBe(2);
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    const notRepo = await cli(['check-repo', file]);
    expect([notRepo.code, notRepo.stderr.split('\n')[0]]).toEqual([1, `error[E_TRITON_REPO]: ${file} is not a folder`]);
    const repo = fresh();
    expect((await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, '-q'])).code).toBe(0);
    const config = join(repo, 'cifar_resnet20', 'config.pbtxt');
    writeFileSync(config, readFileSync(config, 'utf8').replace('max_batch_size: 8', 'max_batch_size: 8\nmax_batch_sise: 4'));
    const r = await cli(['check-repo', repo, '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { errors: number; warnings: number; diagnostics: { code: string; file: string; line: number; col: number }[] };
    expect([j.errors, j.warnings]).toEqual([1, 0]);
    expect(j.diagnostics).toMatchObject([{ code: 'E_TRITON_CONFIG_FIELD', file: config, line: 8, col: 1 }]);
  });
});

describe('bad input: a coded error, and the repository as it was', () => {
  const repo = fresh();
  const model = join(repo, 'cifar_resnet20');

  test.each([
    ['a name Triton refuses (a slash)', ['--model-name', 'a/b'], 2, 'E_TRITON_MODEL_NAME'],
    ['a name Triton refuses (a space)', ['--model-name', 'my model'], 2, 'E_TRITON_MODEL_NAME'],
    ['version 0', ['--model-version', '0'], 2, 'E_TRITON_VERSION'],
    ['an existing version without --force', [], 1, 'E_TRITON_VERSION_EXISTS'],
    ['a config with different content without --force', ['--model-version', '2', '--max-batch-size', '4'], 1, 'E_TRITON_CONFIG_EXISTS'],
    ['a label file with different content without --force', ['--model-version', '2', '--labels', labels], 1, 'E_TRITON_CONFIG_EXISTS'],
    ['a TensorRT option for openvino', ['--model-version', '2', '--accelerator', 'openvino', '--kind', 'cpu', '--trt-precision', 'fp16'], 2, 'E_TRITON_ACCELERATOR_PARAM'],
    ['a parameter cuda does not take', ['--model-version', '2', '--accelerator', 'cuda', '--accelerator-param', 'precision_mode=FP16'], 2, 'E_TRITON_ACCELERATOR_PARAM'],
    ['a TensorRT value Triton refuses', ['--model-version', '2', '--accelerator', 'tensorrt', '--accelerator-param', 'trt_engine_cache_enable=yes'], 2, 'E_TRITON_ACCELERATOR_PARAM'],
    ['TensorRT INT8 without quantization or calibration', ['--model-version', '2', '--accelerator', 'tensorrt', '--trt-precision', 'int8'], 2, 'E_TRITON_ACCELERATOR_PARAM'],
    ['a GPU accelerator on CPU instances', ['--model-version', '2', '--accelerator', 'tensorrt', '--kind', 'cpu'], 2, 'E_TRITON_ACCELERATOR'],
    ['an unknown accelerator', ['--model-version', '2', '--accelerator', 'tensorflow'], 2, 'E_TRITON_ACCELERATOR'],
    ['a TensorRT option without an accelerator', ['--model-version', '2', '--trt-precision', 'fp16'], 2, 'E_USAGE'],
    ['dynamic batching without batching', ['--model-version', '2', '--max-batch-size', '0', '--dynamic-batching'], 2, 'E_TRITON_BATCH'],
    ['a preferred batch size over max_batch_size', ['--model-version', '2', '--preferred-batch-sizes', '16'], 2, 'E_TRITON_BATCH'],
    ['labels that fit no output', ['--model-version', '2', '--model-name', 'other', '--labels', join(dir, 'three.txt')], 1, 'E_TRITON_LABELS'],
    ['--kserve without a storage URI', ['--model-version', '2', '--kserve'], 2, 'E_USAGE'],
    ['a storage URI that is not one', ['--model-version', '2', '--kserve', '--storage-uri', 'bucket/models'], 2, 'E_KSERVE_STORAGE_URI'],
    ['an InferenceService name KServe refuses', ['--model-name', 'Net_', '--kserve', '--storage-uri', 's3://b/m'], 2, 'E_KSERVE_NAME'],
  ])('%s', async (_, flags, exit, code) => {
    if (!existsSync(model)) {
      expect((await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, '--seed', '1'])).code).toBe(0);
      writeFileSync(join(dir, 'three.txt'), 'a\nb\nc\n');
    }
    const before = snapshot(repo);
    const r = await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, ...flags]);
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^error\\[${code}\\]: `));
    expect(r.stderr).toMatch(/\n {2}help: /);
    expect(r.code).toBe(exit);
    noStack(r.stderr);
    expect(snapshot(repo)).toEqual(before);
  });

  test('a repository path that is a file, and a model path that is a file', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const r = await cli(['export', 'triton', 'cifar_resnet20', '--repo', file]);
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([1, `error[E_TRITON_REPO_NOT_DIR]: ${file} is a file, not a folder: it cannot hold a model repository`]);
    expect(readFileSync(file, 'utf8')).toBe('x');
    const repo2 = fresh();
    mkdirSync(repo2);
    writeFileSync(join(repo2, 'cifar_resnet20'), 'x');
    const m = await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo2]);
    expect(m.stderr.split('\n')[0]).toBe(`error[E_TRITON_REPO_NOT_DIR]: ${join(repo2, 'cifar_resnet20')} is a file, not a folder: it cannot hold model cifar_resnet20`);
    expect(readdirSync(repo2)).toEqual(['cifar_resnet20']);
  });

  test('max_batch_size > 0 on a model whose first dim is fixed: E_TRITON_BATCH_DIM, nothing written (library: compile gives every model a symbolic batch today)', async () => {
    const g = compile(ZOO.get('cifar_resnet20')!, { seed: 1 }).graph;
    const fixed: Graph = { ...g, values: new Map([...g.values].map(([k, v]) => [k, { ...v, shape: v.shape.map((d) => (typeof d === 'number' ? d : 1)) }])) };
    const repo3 = fresh();
    const e = await writeTritonExport(fixed, { repo: repo3, name: 'fixed', serving: { maxBatchSize: 8 } }, {}).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toMatchObject({ code: 'E_TRITON_BATCH_DIM' });
    expect(existsSync(repo3)).toBe(false);
    const ok = await writeTritonExport(fixed, { repo: repo3, name: 'fixed' }, {});
    expect(ok.config.max_batch_size).toBe(0);
    expect(ok.config.input![0]!.dims).toEqual([1, 3, 32, 32]);
  });

  test('a failure after the version is renamed in puts the old version back and leaves no temp folder', async () => {
    const repo4 = fresh();
    const m = join(repo4, 'm');
    await writeModelVersion({ repo: repo4, name: 'm', version: 1, modelFiles: { 'config.pbtxt': 'name: "m"\n' }, writeVersion: (d) => writeFileSync(join(d, 'model.onnx'), 'old') });
    const before = snapshot(repo4);
    const outDir = join(dir, 'vanishing');
    mkdirSync(outDir);
    const e = await writeModelVersion({
      repo: repo4,
      name: 'm',
      version: 1,
      force: true,
      modelFiles: { 'config.pbtxt': 'name: "m"\nmax_batch_size: 2\n' },
      outputs: [{ path: join(outDir, 'isvc.yaml'), content: 'x' }],
      writeVersion: (d) => writeFileSync(join(d, 'model.onnx'), 'new'),
      // The output's folder disappears after the checks: the commit's file writes fail.
      verify: () => rmSync(outDir, { recursive: true }),
    }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toMatchObject({ code: 'E_OUTPUT_IO' });
    expect(snapshot(repo4)).toEqual(before);
    expect(readFileSync(join(m, '1', 'model.onnx'), 'utf8')).toBe('old');
    const failing = await writeModelVersion({
      repo: repo4,
      name: 'm',
      version: 2,
      modelFiles: { 'config.pbtxt': 'name: "m"\n' },
      writeVersion: (d) => writeFileSync(join(d, 'model.onnx'), 'x'),
      verify: () => {
        throw new Error('refused');
      },
    }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((failing as Error).message).toBe('refused');
    expect(snapshot(repo4)).toEqual(before);
  });
});
