/**
 * Models with symbolic H and W, two inputs and two outputs (made with python3-onnx's helper in
 * test setup), and a netforge model compiled with `--input-size 3,H,W`. Their config.pbtxt has
 * -1 for every symbolic dim and lists every input and output; check-repo accepts it; protobuf
 * reads it; onnxruntime runs the model shaped as declared at batch 1 and max_batch_size, at two
 * different H x W. A first dim fixed at 1 means no batching.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readOnnxSignature } from '../../src/backends/onnx/signature.js';
import { buildConfig, signatureOfOnnx } from '../../src/backends/triton/build.js';
import { formatConfig } from '../../src/backends/triton/format.js';
import { checkRepository } from '../../src/backends/triton/check.js';
import { runAsDeclared } from '../../src/backends/triton/verify.js';
import { errorOf } from '../helpers/errors.js';
import { pythonHas, PYTHON } from '../helpers/python.js';
import { parseWithProtobuf, protobufMissing } from '../helpers/tritonProto.js';
import { execFileSync } from 'node:child_process';

const dir = mkdtempSync(join(tmpdir(), 'netforge-symbolic-'));
const skip = !pythonHas().onnx;

beforeAll(() => {
  if (!skip) execFileSync(PYTHON, [resolve(import.meta.dirname, 'make_symbolic.py'), dir]);
});

/** A repository holding `file` as version 1 of `name`, with `config`. */
function repoWith(name: string, file: string, config: string): string {
  const repo = mkdtempSync(join(dir, 'repo-'));
  mkdirSync(join(repo, name, '1'), { recursive: true });
  copyFileSync(join(dir, file), join(repo, name, '1', 'model.onnx'));
  writeFileSync(join(repo, name, 'config.pbtxt'), config);
  return repo;
}

describe.skipIf(skip)('symbolic H and W, several inputs and outputs', () => {
  test('config: -1 for H and W, every input and output, the batch implicit; check-repo passes; protobuf reads it', () => {
    const sig = signatureOfOnnx(readOnnxSignature(join(dir, 'seg.onnx')), 'seg.onnx');
    const config = buildConfig(sig, { name: 'seg', maxBatchSize: 4, warmup: 'random', referenceShapes: { image: [1, 3, 24, 32], scale: [1, 1, 1, 1] } });
    expect(config.input).toEqual([
      { name: 'image', data_type: 'TYPE_FP32', dims: [3, -1, -1] },
      { name: 'scale', data_type: 'TYPE_FP16', dims: [1, 1, 1] },
    ]);
    expect(config.output).toEqual([
      { name: 'mask', data_type: 'TYPE_FP32', dims: [2, -1, -1] },
      { name: 'score', data_type: 'TYPE_FP32', dims: [1], reshape: {} },
    ]);
    const text = formatConfig(config);
    const repo = repoWith('seg', 'seg.onnx', text);
    expect(checkRepository(repo).diagnostics).toEqual([]);
    if (protobufMissing() === undefined) expect(parseWithProtobuf([text])[0]!.error).toBeUndefined();
  });

  test.each([
    [24, 32],
    [17, 40],
  ])('onnxruntime runs it as declared at H x W = %i x %i, batch 1 and 4', async (h, w) => {
    const sig = signatureOfOnnx(readOnnxSignature(join(dir, 'seg.onnx')), 'seg.onnx');
    const config = buildConfig(sig, { name: 'seg', maxBatchSize: 4 });
    const runs = await runAsDeclared(join(dir, 'seg.onnx'), config, [1, 4], { image: [1, 3, h, w], scale: [1, 1, 1, 1] });
    expect(runs.map((r) => [r.batch, r.inputs, r.outputs])).toEqual(
      [1, 4].map((b) => [
        b,
        [
          { name: 'image', shape: [b, 3, h, w] },
          { name: 'scale', shape: [b, 1, 1, 1] },
        ],
        [
          { name: 'mask', shape: [b, 2, h, w] },
          { name: 'score', shape: [b] },
        ],
      ]),
    );
  });

  test('check-repo on these models: a missing input, a fixed dim against the model, a -1 where the model is fixed', () => {
    const sig = signatureOfOnnx(readOnnxSignature(join(dir, 'seg.onnx')), 'seg.onnx');
    const good = formatConfig(buildConfig(sig, { name: 'seg', maxBatchSize: 4 }));
    const noScale = good.replace(/ {2}\{\n {4}name: "scale"\n(.*\n){2} {2}\}\n/, '').replace('  },\n]', '  }\n]');
    const missing = checkRepository(repoWith('seg', 'seg.onnx', noScale)).diagnostics;
    expect(missing.map((d) => d.code)).toEqual(['E_TRITON_INPUT_MISSING']);
    // A fixed size where the model's H is symbolic is fine (Triton accepts it); -1 where the model's channel is fixed is not.
    expect(checkRepository(repoWith('seg', 'seg.onnx', good.replace('dims: [ 3, -1, -1 ]', 'dims: [ 3, 64, -1 ]'))).diagnostics).toEqual([]);
    const wild = good.replace('dims: [ 3, -1, -1 ]', 'dims: [ -1, -1, -1 ]');
    const d = checkRepository(repoWith('seg', 'seg.onnx', wild)).diagnostics;
    expect(d.map((x) => [x.code, x.line])).toEqual([['E_TRITON_DIMS', wild.split('\n').findIndex((l) => l.includes('dims: [ -1, -1, -1 ]')) + 1]]);
  });

  test('a first dim fixed at 1: no batching by default, dims with -1 for H and W; batching refused by export and by check-repo', async () => {
    const sig = signatureOfOnnx(readOnnxSignature(join(dir, 'fixed.onnx')), 'fixed.onnx');
    const config = buildConfig(sig, { name: 'fixed' });
    expect([config.max_batch_size, config.input![0]!.dims, config.output![0]!.dims]).toEqual([0, [1, 3, -1, -1], [1, 2, -1, -1]]);
    expect(errorOf(() => buildConfig(sig, { name: 'fixed', maxBatchSize: 2 })).code).toBe('E_TRITON_BATCH_DIM');
    const runs = await runAsDeclared(join(dir, 'fixed.onnx'), config, [1], { image: [1, 3, 9, 11] });
    expect(runs[0]!.outputs).toEqual([{ name: 'mask', shape: [1, 2, 9, 11] }]);
    const batched = formatConfig(config).replace('max_batch_size: 0', 'max_batch_size: 2').replace('dims: [ 1, 3, -1, -1 ]', 'dims: [ 3, -1, -1 ]').replace('dims: [ 1, 2, -1, -1 ]', 'dims: [ 2, -1, -1 ]');
    const diags = checkRepository(repoWith('fixed', 'fixed.onnx', batched)).diagnostics;
    expect(diags.map((x) => [x.code, x.line])).toEqual([
      ['E_TRITON_BATCH_DIM', batched.split('\n').indexOf('max_batch_size: 2') + 1],
      ['E_TRITON_BATCH_DIM', batched.split('\n').indexOf('max_batch_size: 2') + 1],
    ]);
  });
});

describe('a netforge model compiled with symbolic H and W, exported', () => {
  test('export triton writes -1 for H and W and both outputs; onnxruntime runs the version as declared at two sizes, batch 1 and max_batch_size', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const repo = mkdtempSync(join(dir, 'nf-repo-'));
    const r = await runCli(['export', 'triton', 'cifar_resnet20', '--input-size', '3,H,W', '--outputs', 'layer2,layer3', '--repo', repo, '--max-batch-size', '4', '-q']);
    expect(r.code).toBe(0);
    expect(checkRepository(repo).diagnostics).toEqual([]);
    const model = join(repo, 'cifar_resnet20', '1', 'model.onnx');
    const config = buildConfig(signatureOfOnnx(readOnnxSignature(model), 'model.onnx'), { name: 'cifar_resnet20', maxBatchSize: 4 });
    expect(config.input).toEqual([{ name: 'input', data_type: 'TYPE_FP32', dims: [3, -1, -1] }]);
    expect(config.output).toEqual([
      { name: 'layer2', data_type: 'TYPE_FP32', dims: [32, -1, -1] },
      { name: 'layer3', data_type: 'TYPE_FP32', dims: [64, -1, -1] },
    ]);
    for (const [h, w] of [[32, 32], [21, 45]] as const) {
      const runs = await runAsDeclared(model, config, [1, 4], { input: [1, 3, h, w] });
      expect(runs.map((x) => x.outputs)).toEqual(
        [1, 4].map((b) => [
          { name: 'layer2', shape: [b, 32, Math.ceil(h / 2), Math.ceil(w / 2)] },
          { name: 'layer3', shape: [b, 64, Math.ceil(h / 4), Math.ceil(w / 4)] },
        ]),
      );
    }
  });
});
