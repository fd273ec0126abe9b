/**
 * `run --ep`, `bench` and `doctor` on this machine, through the CLI entry point (in process:
 * main() returns the exit code bin/netforge.js sets). The fallback tests need a machine
 * where webgpu (or the CUDA libraries) is NOT available, which is every CI machine here;
 * elsewhere they skip and say why.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { writeNpy } from '../../src/weights/npy.js';
import { fillNormal, rngFor } from '../../src/ir/random.js';
import { probeProvider } from '../../src/backends/ort/probe.js';
import { netforge } from '../helpers/cli.js';
import { providerFacts } from '../../src/backends/ort/providers.js';

const cli = runCli;
const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

const webgpu = probeProvider('webgpu');
const cudaLibs = providerFacts().cudaMissing.length === 0;
if (webgpu.ok) console.warn('[netforge tests] a WebGPU adapter is present: the webgpu fallback tests are skipped');
if (cudaLibs) console.warn('[netforge tests] the CUDA provider libraries are installed: the missing-library tests are skipped');

const dir = mkdtempSync(join(tmpdir(), 'netforge-ort-cli-'));
const model = join(dir, 'c20.onnx');
const xin = join(dir, 'x.npy');

beforeAll(() => {
  writeFileSync(model, toOnnxBytes(compile(ZOO.get('cifar_resnet20')!, { seed: 1 }).graph));
  const x = new Float32Array(2 * 3 * 32 * 32);
  fillNormal(x, 1, rngFor(0, 'cli-x'));
  writeNpy(xin, 'float32', [2, 3, 32, 32], new Uint8Array(x.buffer));
});

describe('netforge run --ep', () => {
  test('default is the cpu provider, and the output says so', async () => {
    const r = await cli(['run', model, '--input', xin]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/logits \[2, 10\] on cpu \(--ep cpu\)/);
    expect(r.stderr).toBe('');
  });
  test.skipIf(webgpu.ok)('--ep webgpu --strict-ep fails cleanly: exit 1, E_EP_UNAVAILABLE, the reason and a fix', async () => {
    const r = await cli(['run', model, '--input', xin, '--ep', 'webgpu', '--strict-ep']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_EP_UNAVAILABLE\]: --strict-ep: the webgpu execution provider is not available: webgpu: no WebGPU adapter/);
    expect(r.stderr).toMatch(/\n {2}help: .*--ep cpu/);
    expect(r.stdout).toBe('');
    noStack(r.stderr);
  });
  test.skipIf(webgpu.ok || cudaLibs)('--ep auto falls back to cpu and says so on stderr', async () => {
    const r = await cli(['run', model, '--input', xin, '--ep', 'auto']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^notice\[E_EP_UNAVAILABLE\]: requested --ep auto, running on cpu: cuda: .*; webgpu: no WebGPU adapter/);
    expect(r.stdout).toMatch(/on cpu \(--ep auto, fell back\)/);
  });
  test.skipIf(cudaLibs)('--ep cuda without the provider libraries gives the install hint (fallback, or exit 1 with --strict-ep)', async () => {
    const soft = await cli(['run', model, '--input', xin, '--ep', 'cuda']);
    expect(soft.code).toBe(0);
    expect(soft.stderr).toMatch(/^notice\[E_EP_UNAVAILABLE\]: requested --ep cuda, running on cpu: cuda: the CUDA provider libraries are not installed/);
    expect(soft.stderr).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    const hard = await cli(['run', model, '--input', xin, '--ep', 'cuda', '--strict-ep']);
    expect(hard.code).toBe(1);
    expect(hard.stderr).toMatch(/^error\[E_EP_UNAVAILABLE\]/);
    expect(hard.stderr).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    expect(hard.stderr).toMatch(/CUDA 12 and cuDNN 9/);
  });
  test.skipIf(webgpu.ok)("what Dawn and the Vulkan loader print while webgpu is probed never reaches stderr directly: under -q not at all, otherwise inside netforge's notice", () => {
    // the real binary: native code writes to file descriptor 2, which only a separate process shows
    const quiet = netforge(['run', model, '--input', xin, '--ep', 'webgpu', '-q']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
    const quietLines = quiet.stderr.trimEnd().split('\n');
    expect(quietLines[0]).toMatch(/^notice\[E_EP_UNAVAILABLE\]: requested --ep webgpu, running on cpu: webgpu: no WebGPU adapter/);
    for (const line of quietLines.slice(1)) expect(line).toMatch(/^ {2}help: /);
    const loud = netforge(['run', model, '--input', xin, '--ep', 'webgpu']);
    expect(loud.code).toBe(0);
    const lines = loud.stderr.trimEnd().split('\n');
    for (const line of lines.slice(1)) expect(line).toMatch(/^( {2}help: | {2}note: | {4}\S)/);
    if (webgpu.diagnostics.length > 0) {
      expect(loud.stderr).toContain('\n  note: webgpu printed while it was probed (in a child process):\n');
      expect(loud.stderr).toContain(`\n    ${webgpu.diagnostics.at(-1)}`);
    }
  });
  test('an unknown provider is a usage error (exit 2)', async () => {
    const r = await cli(['run', model, '--input', xin, '--ep', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[E_USAGE\]/);
  });
});

describe('netforge doctor', () => {
  test('exits 0 and accounts for every provider the binding has', async () => {
    const r = await cli(['doctor', '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.onnxruntime.node).toBe('1.30.0');
    expect(d.node).toBe(process.version);
    const names = d.providers.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['cpu', 'webgpu', 'cuda']));
    const byName = Object.fromEntries(d.providers.map((p: { name: string }) => [p.name, p]));
    expect(byName.cpu.usable).toBe(true);
    expect(byName.webgpu.usable).toBe(webgpu.ok);
    for (const p of d.providers) if (!p.usable) expect(p.reason).toBeTruthy();
    if (!cudaLibs) expect(byName.cuda.hint).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(d.auto).toBe(byName.cuda.usable ? 'cuda' : webgpu.ok ? 'webgpu' : 'cpu');
    expect(typeof d.gpu.adapterDetails).toBe('string');
  });
  test('the text report names versions and providers', async () => {
    const r = await cli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^onnxruntime {2}onnxruntime-node 1\.30\.0/m);
    expect(r.stdout).toMatch(/^ {2}cpu +usable/m);
    expect(r.stdout).toMatch(/^--ep auto {4}would run on (cpu|webgpu|cuda)$/m);
  });
});

describe('netforge bench', () => {
  test('--json on cifar_resnet20 with tiny run counts: every figure, provider and device info', async () => {
    const r = await cli(['bench', 'cifar_resnet20', '--ep', 'cpu', '--batch', '1,2', '--runs', '3', '--warmup', '1', '--threads', '1', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      command: 'bench',
      model: { name: 'cifar_resnet20', source: 'zoo', dtype: 'float32', ioDtype: 'float32', params: 269_722 },
      env: { onnxruntime: '1.30.0', node: process.version, intraOpNumThreads: 1 },
      provider: 'cpu',
      requested: 'cpu',
      preferred: 'cpu',
      fellBack: false,
      strict: false,
      ioBinding: { requested: false, active: false },
      input: { name: 'input', shape: [3, 32, 32], type: 'float32', seed: 0 },
    });
    expect(j.model.onnxBytes).toBeGreaterThan(1_000_000);
    expect(j.sessionCreateMs).toBeGreaterThan(0);
    expect(j.transfer).toMatch(/no device transfer/);
    expect(j.batches.map((b: { batch: number }) => b.batch)).toEqual([1, 2]);
    for (const b of j.batches) {
      expect(Object.keys(b).sort()).toEqual(['batch', 'firstRunMs', 'imagesPerSecond', 'meanMs', 'medianMs', 'minMs', 'output', 'p90Ms', 'runs', 'warmup']);
      expect(b).toMatchObject({ runs: 3, warmup: 1, output: { dims: [b.batch, 10], finite: true } });
      expect(b.medianMs).toBeGreaterThan(0);
    }
  });
  test('--dtype float16 compiles the half-precision model (float32 interface)', async () => {
    const r = await cli(['bench', 'cifar_resnet20', '--ep', 'cpu', '--dtype', 'float16', '--runs', '1', '--warmup', '0', '--threads', '1', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.model.dtype).toBe('float16');
    expect(j.model.onnxBytes).toBeLessThan(700_000); // half of the float32 model's ~1.08 MB, plus structure
    expect(j.input.type).toBe('float32');
    expect(j.batches[0].output.finite).toBe(true);
  });
  test('an .onnx file, human-readable output', async () => {
    const r = await cli(['bench', model, '--ep', 'cpu', '--batch', '2', '--runs', '2', '--warmup', '0', '--threads', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bench .*c20\.onnx: ONNX/);
    expect(r.stdout).toMatch(/provider {2}cpu, requested --ep cpu/);
    expect(r.stdout).toMatch(/batch +first run +median +p90 +min +images\/s/);
    expect(r.stdout).toMatch(/timing {4}session\.run end to end/);
  });
  test.skipIf(webgpu.ok)('--ep webgpu --strict-ep: exit 1, nothing on stdout', async () => {
    const r = await cli(['bench', 'cifar_resnet20', '--ep', 'webgpu', '--strict-ep', '--runs', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_EP_UNAVAILABLE\]/);
    expect(r.stdout).toBe('');
  });
  test.each([
    [['bench', 'cifar_resnet20', '--batch', '0']],
    [['bench', 'cifar_resnet20', '--dtype', 'float64']],
    [['bench', 'cifar_resnet20', '--runs', '0']],
    [['bench']],
    [['bench', model, '--dtype', 'float16']],
  ])('usage error: %j', async (args) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[E_USAGE\]/);
  });
});
