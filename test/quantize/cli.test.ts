/**
 * `netforge compile --quantize int8` through the CLI entry point (in process), on
 * cifar_resnet20: the happy path (file, metadata, transcript lines) and every bad input of
 * the issue: a coded error, exit 1 (2 for usage), no stack trace, nothing written and an
 * existing output left as it was.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { writeNpy } from '../../src/weights/npy.js';
import { fillNormal, rngFor } from '../../src/ir/random.js';
import { graphOf, metaOf, readModel } from '../helpers/onnx.js';

type Result = CliResult;
const cli = runCli;

const dir = mkdtempSync(join(tmpdir(), 'netforge-quant-cli-'));
const cal = join(dir, 'cal');
const held = join(dir, 'held');

function npy(path: string, shape: number[], seed: number, edit?: (x: Float32Array) => void): string {
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fillNormal(x, 1, rngFor(seed, 'quant-cli'));
  edit?.(x);
  writeNpy(path, 'float32', shape, new Uint8Array(x.buffer));
  return path;
}

beforeAll(() => {
  mkdirSync(cal);
  mkdirSync(held);
  npy(join(cal, 'a.npy'), [5, 3, 32, 32], 1);
  npy(join(cal, 'b.npy'), [3, 32, 32], 2); // one sample
  npy(join(held, 'h.npy'), [4, 3, 32, 32], 3);
});

/** An error run: the code, exit status, no stack, and the output untouched. */
async function refused(args: string[], code: string, exit: 1 | 2): Promise<Result> {
  const out = join(dir, `out-${code}-${exit}.onnx`);
  writeFileSync(out, 'previous');
  const r = await cli(['compile', 'cifar_resnet20', '-o', out, ...args]);
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr).toContain(`error[${code}]`);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(readFileSync(out, 'utf8')).toBe('previous');
  return r;
}

describe('compile --quantize int8', () => {
  test('calibrates on a directory, writes a QDQ model with its metadata, prints the int8 summary', async () => {
    const out = join(dir, 'c20-int8.onnx');
    const r = await cli(['compile', 'cifar_resnet20', '-o', out, '--quantize', 'int8', '--calibration', cal, '--calibration-method', 'percentile']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('calibrating cifar_resnet20: 100% (6/6 samples)');
    expect(r.stdout).toMatch(/^ {2}int8 {5}QDQ U8S8 \(uint8 activations per tensor, int8 weights per channel\): Conv 19, Add 9, Slice 2, GlobalAveragePool 1, Flatten 1, Gemm 1$/m);
    expect(r.stdout).toMatch(/^ {2}float {4}none/m);
    expect(r.stdout).toMatch(/^ {2}calib {4}percentile 99\.999 on 6 samples from 2 files \(sha256 [0-9a-f]{16}\.\.\.\)/m);
    const m = readModel(out);
    const meta = metaOf(m);
    expect(JSON.parse(meta['netforge.quantization']!)).toMatchObject({ format: 'QDQ', scheme: 'U8S8', weights: 'int8 symmetric per channel' });
    expect(JSON.parse(meta['netforge.calibration']!)).toMatchObject({ method: 'percentile', percentile: 99.999, samples: 6, files: 2 });
    expect(JSON.parse(meta['netforge.calibration']!).sha256).toMatch(/^[0-9a-f]{64}$/);
    const inits = graphOf(m).initializer.filter((t) => t.name === 'conv1.weight' || t.name === 'conv1.bias');
    expect(inits.map((t) => t.dataType)).toEqual([3, 6]); // INT8 weight, INT32 bias
    // the written model runs
    const run = await cli(['run', out, '--input', join(held, 'h.npy'), '-q']);
    expect(run.code, run.stderr).toBe(0);
  });

  test('--check compares float and int8 on held-out data and reports SQNR, top-1 agreement, max rel', async () => {
    const r = await cli(['compile', 'cifar_resnet20', '--quantize', 'int8', '--calibration', cal, '--check', '--check-data', join(held, '*.npy')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('check cifar_resnet20: int8 vs float on 4 inputs from 1 held-out file');
    expect(r.stdout).toMatch(/^ {2}SQNR {5}\d+\.\d dB .*: ok$/m);
    expect(r.stdout).toMatch(/^ {2}top-1 {4}\d+\.\d% \(not enforced: seeded weights/m);
    expect(r.stdout).toMatch(/^ {2}max rel {2}\d\.\d\de-\d+/m);
    const strict = await cli(['compile', 'cifar_resnet20', '--quantize', 'int8', '--calibration', cal, '--check', '--check-data', held, '--check-min-sqnr', '99']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('error[E_CHECK_FAILED]');
    expect(strict.stdout).toMatch(/at least 99 dB: FAILED/);
  });

  test('calibration files of another shape or dtype, an empty set, NaN or Inf: exit 1, nothing written', async () => {
    npy(join(dir, 'hw.npy'), [2, 3, 28, 28], 4);
    await refused(['--quantize', 'int8', '--calibration', join(dir, 'hw.npy')], 'E_CALIBRATION_SHAPE', 1);
    writeNpy(join(dir, 'u8.npy'), 'uint8', [1, 3, 32, 32], new Uint8Array(3 * 32 * 32));
    const dt = await refused(['--quantize', 'int8', '--calibration', join(dir, 'u8.npy')], 'E_CALIBRATION_DTYPE', 1);
    expect(dt.stderr).toContain('minus mean (0.4914, 0.4822, 0.4465)'); // the model's preprocessing, in the hint
    mkdirSync(join(dir, 'empty'));
    await refused(['--quantize', 'int8', '--calibration', join(dir, 'empty')], 'E_CALIBRATION_EMPTY', 1);
    npy(join(dir, 'nan.npy'), [2, 3, 32, 32], 5, (x) => void (x[4000] = NaN));
    const nan = await refused(['--quantize', 'int8', '--calibration', join(dir, 'nan.npy')], 'E_CALIBRATION_NONFINITE', 1);
    expect(nan.stderr).toContain('sample 1');
    npy(join(dir, 'inf.npy'), [1, 3, 32, 32], 6, (x) => void (x[7] = Infinity));
    await refused(['--quantize', 'int8', '--calibration', join(dir, 'inf.npy')], 'E_CALIBRATION_NONFINITE', 1);
    await refused(['--quantize', 'int8', '--calibration', join(dir, 'missing.npy')], 'E_CALIBRATION_NOT_FOUND', 1);
  });

  test('a module that does not exist (usage, 2), nothing left to quantize (1)', async () => {
    const r = await refused(['--quantize', 'int8', '--calibration', cal, '--quantize-exclude', 'layer9'], 'E_QUANTIZE_EXCLUDE', 2);
    expect(r.stderr).toContain('layer9');
    await refused(['--quantize', 'int8', '--calibration', cal, '--quantize-exclude', 'conv1,layer1,layer2,layer3,fc'], 'E_QUANTIZE_NOTHING', 1);
  });

  test('usage errors (exit 2): float16, no calibration, calibration without --quantize, an unquoted glob, --check without held-out data', async () => {
    await refused(['--quantize', 'int8', '--calibration', cal, '--dtype', 'float16'], 'E_USAGE', 2);
    await refused(['--quantize', 'int8'], 'E_USAGE', 2);
    await refused(['--quantize', 'int4', '--calibration', cal], 'E_USAGE', 2);
    await refused(['--calibration', cal], 'E_USAGE', 2);
    await refused(['--quantize', 'int8', '--calibration', cal, '--no-fold-bn'], 'E_USAGE', 2);
    await refused(['--quantize', 'int8', '--calibration', cal, '--opset', '12'], 'E_USAGE', 2);
    const glob = await refused(['--quantize', 'int8', '--calibration', join(cal, 'a.npy'), join(cal, 'b.npy')], 'E_USAGE', 2);
    expect(glob.stderr).toContain('quote it');
    await refused(['--quantize', 'int8', '--calibration', cal, '--check'], 'E_USAGE', 2);
    await refused(['--quantize', 'int8', '--calibration', cal, '--check', '--check-data', join(cal, 'b.npy')], 'E_USAGE', 2);
    // a copy of a calibration file under another name, and a link to one, are not held out either
    copyFileSync(join(cal, 'b.npy'), join(dir, 'copy-of-b.npy'));
    const copy = await refused(['--quantize', 'int8', '--calibration', cal, '--check', '--check-data', join(dir, 'copy-of-b.npy')], 'E_USAGE', 2);
    expect(copy.stderr).toMatch(/copy-of-b\.npy holds the same bytes as .*b\.npy of --calibration/);
    symlinkSync(join(cal, 'b.npy'), join(dir, 'link-to-b.npy'));
    const link = await refused(['--quantize', 'int8', '--calibration', cal, '--check', '--check-data', join(dir, 'link-to-b.npy')], 'E_USAGE', 2);
    expect(link.stderr).toMatch(/link-to-b\.npy is in --calibration too \(as .*b\.npy\)/);
    await refused(['--quantize', 'int8', '--calibration', cal, '--calibration-synthetic', '4'], 'E_USAGE', 2);
    const pct = await refused(['--quantize', 'int8', '--calibration', cal, '--calibration-method', 'percentile', '--calibration-percentile', '0'], 'E_USAGE', 2);
    expect(pct.stderr).toContain('--calibration-percentile must be in (0, 100], got 0');
    expect(existsSync(join(dir, 'never.onnx'))).toBe(false);
  });

  test('--calibration-synthetic warns loudly that accuracy is unknown', async () => {
    const r = await cli(['compile', 'cifar_resnet20', '--quantize', 'int8', '--calibration-synthetic', '3', '--print-ir']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: calibrating on 3 synthetic N\(0, 1\) inputs \(seed 0\), not on data: .* accuracy is unknown/m);
    expect(r.stdout).toContain('%input_quantized = QuantizeLinear(%input) {to=uint8} : u8[N,3,32,32] q(scale=');
  });
});

describe('doctor and bench for int8', () => {
  test('doctor says whether the CPU has VNNI and what --reduce-range defaults to', async () => {
    const r = await cli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^int8 \(cpu\) {3}\S+, .*: .*$/m);
    expect(r.stdout).toMatch(/--quantize int8 defaults to --(no-)?reduce-range/);
    const j = JSON.parse((await cli(['doctor', '--json'])).stdout) as { int8: { reduceRangeDefault: boolean; reason: string } };
    expect(typeof j.int8.reduceRangeDefault).toBe('boolean');
  });

  test('bench --quantize int8 times float32 and int8 side by side (sizes, medians, speedup)', async () => {
    const r = await cli(['bench', 'cifar_resnet20', '--quantize', 'int8', '--calibration', cal, '--runs', '2', '--warmup', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { compared: string[]; bytes: { float32: number; int8: number }; batches: { batch: number; speedup: number; medianMs: number[] }[] };
    expect(j.compared).toEqual(['float32', 'int8']);
    expect(j.bytes.int8).toBeLessThan(j.bytes.float32 / 3);
    expect(j.batches.map((b) => b.batch)).toEqual([1, 8]);
    expect(j.batches.every((b) => b.speedup > 0 && b.medianMs.length === 2)).toBe(true);
    const bad = await cli(['bench', 'cifar_resnet20', '--quantize', 'int8', '--calibration', cal, '--ep', 'webgpu']);
    expect(bad.code).toBe(2);
  });
});

describe('summary and report --quantize int8', () => {
  test('summary: the int8 size and the layers that stay float, in the text and the JSON', async () => {
    const r = await cli(['summary', 'cifar_resnet20', '--depth', '1', '--quantize', 'int8', '--quantize-exclude', 'fc']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Int8 \(--quantize\) {5}QDQ U8S8 /m);
    expect(r.stdout).toMatch(/^ {2}float {15}fc \(Gemm, excluded\)$/m);
    expect(r.stdout.split('\n').every((l) => [...l].length <= 100)).toBe(true);
    const j = JSON.parse((await cli(['summary', 'cifar_resnet20', '--json', '--quantize', 'int8'])).stdout) as { params: number; int8: { footprint: { bytes: number; int8Weights: number }; float: unknown[] } };
    expect(j.int8.float).toEqual([]);
    // every conv and fc weight is int8; the file holds about a quarter of the float32 bytes
    expect(j.int8.footprint.int8Weights).toBe(268_336);
    expect(j.int8.footprint.bytes).toBeLessThan((j.params * 4) / 3.5);
  });

  test('report: an int8 section after the key figures', async () => {
    const out = join(dir, 'r.html');
    const r = await cli(['report', 'cifar_resnet20', '-o', out, '--quantize', 'int8', '--quantize-exclude', 'layer3.2']);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<section id="int8"><h2>int8 (QDQ)</h2>');
    expect(html).toContain('layer3.2.conv1 (Conv, excluded)');
  });
});

describe('export triton --quantize int8', () => {
  test('writes the QDQ model into the repository, checked and run as Triton will feed it', async () => {
    const repo = join(dir, 'repo');
    const r = await cli(['export', 'triton', 'cifar_resnet20', '--repo', repo, '--quantize', 'int8', '--calibration', cal]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}checked {11}as check-repo checks a repository: no problems$/m);
    const meta = metaOf(readModel(join(repo, 'cifar_resnet20', '1', 'model.onnx')));
    expect(JSON.parse(meta['netforge.quantization']!)).toMatchObject({ format: 'QDQ', scheme: 'U8S8' });
    expect(JSON.parse(meta['netforge.calibration']!)).toMatchObject({ method: 'minmax', samples: 6 });
    const bad = await cli(['export', 'triton', 'cifar_resnet20', '--repo', join(dir, 'repo2'), '--calibration', cal]);
    expect(bad.code).toBe(2);
    expect(existsSync(join(dir, 'repo2'))).toBe(false);
    // an unquoted glob the shell expanded: the hint says to quote it, as compile's does
    const glob = await cli(['export', 'triton', 'cifar_resnet20', '--repo', join(dir, 'repo2'), '--quantize', 'int8', '--calibration', join(cal, 'a.npy'), join(cal, 'b.npy')]);
    expect(glob.code).toBe(2);
    expect(glob.stderr).toContain('quote it');
    expect(existsSync(join(dir, 'repo2'))).toBe(false);
  });
});

describe('symbolic sizes', () => {
  test('--input-size 3,H,W: calibration files of two sizes, an int8 model that keeps H and W symbolic and runs at both', async () => {
    const a = npy(join(dir, 'h32.npy'), [3, 3, 32, 32], 7);
    const b = npy(join(dir, 'h40.npy'), [2, 3, 40, 24], 8);
    const out = join(dir, 'sym-int8.onnx');
    const r = await cli(['compile', 'cifar_resnet20', '--input-size', '3,H,W', '--quantize', 'int8', '--calibration', `${a},${b}`, '-o', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const input = graphOf(readModel(out)).input[0]!;
    expect(input.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', 3, 'H', 'W']);
    for (const x of [a, b]) expect((await cli(['run', out, '--input', x, '-q'])).code).toBe(0);
  });
});
