/** The command-line contract (DESIGN.md): outputs, exit codes, errors without stack traces, atomic files. */
import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, netforge } from '../helpers/cli.js';
import { readNpy, writeNpy } from '../../src/weights/npy.js';
import { writeSafetensors } from '../../src/weights/safetensors.js';
import { fillNormal, rngFor } from '../../src/ir/random.js';
import { readModel, opCounts } from '../helpers/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-cli-'));
const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('netforge compile', () => {
  test('writes the model and prints its summary', () => {
    const out = join(dir, 'r18.onnx');
    const r = netforge(['compile', 'resnet18', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('11,689,512');
    expect(r.stdout).toContain('depth    18 = 17 conv + 1 linear');
    expect(r.stdout).toMatch(/logits \[N, 1000\]/);
    expect(opCounts(readModel(out))['Conv']).toBe(20);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
  test('model options reach the model', () => {
    const out = join(dir, 'r50d.onnx');
    const r = netforge(['compile', 'resnet50', '-o', out, '--num-classes', '10', '--replace-stride-with-dilation', 'false,true,true', '--input-size', '64', '--zero-init-residual', '--seed', '3', '--opset', '13']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/logits \[N, 10\]/);
    const m = readModel(out);
    expect(Number(m.opsetImport[0]!.version)).toBe(13);
    const cfg = JSON.parse(m.metadataProps.find((p) => p.key === 'netforge.config')!.value!);
    expect(cfg.replaceStrideWithDilation).toEqual([false, true, true]);
    expect(cfg.zeroInitResidual).toBe(true);
  });
  test('--dtype float16 writes half-precision weights with float32 I/O, and --check holds it to the fp16 tolerance', () => {
    const out = join(dir, 'c20-fp16.onnx');
    const r = netforge(['compile', 'cifar_resnet20', '-o', out, '--dtype', 'float16', '--check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tolerance 5\.00e-3: ok/);
    expect(r.stdout).toContain('dtype    float16');
    const m = readModel(out);
    const g = m.graph!;
    expect(new Set(g.initializer!.filter((t) => t.name!.endsWith('.weight')).map((t) => t.dataType))).toEqual(new Set([10]));
    expect(g.input![0]!.type!.tensorType!.elemType).toBe(1);
    expect(g.output![0]!.type!.tensorType!.elemType).toBe(1);
    expect(opCounts(m)['Cast']).toBe(2);
    expect(netforge(['compile', 'cifar_resnet20', '-o', out, '--dtype', 'bfloat16']).code).toBe(2);
  });
  test('--emit-ts writes a typed wrapper module next to the model', () => {
    const out = join(dir, 'c20-typed.onnx');
    const ts = join(dir, 'c20-typed.ts');
    const r = netforge(['compile', 'cifar_resnet20', '-o', out, '--emit-ts', ts]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`typed    ${ts}`);
    const text = readFileSync(ts, 'utf8');
    expect(text).toContain("export const inputShape = ['N', 3, 32, 32] as const;");
    expect(text).toContain("new URL('./c20-typed.onnx', import.meta.url)");
    expect(netforge(['compile', 'cifar_resnet20', '--check', '--emit-ts', ts]).code).toBe(2);
  });
  test('--print-ir prints the IR', () => {
    const r = netforge(['compile', 'cifar_resnet20', '-o', join(dir, 'c20.onnx'), '--print-ir', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^graph cifar_resnet20\(%input: f32\[N,3,32,32\]\)/);
    expect(r.stdout).toContain('@layer1.0.conv1.weight: f32[16,16,3,3] weight trainable');
  });
});

describe('usage errors exit 2, input errors exit 1, never a stack trace', () => {
  const cases: [string[], number, RegExp][] = [
    [[], 2, /usage: netforge/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [['compile', 'resnet50'], 2, /needs -o/],
    [['compile', 'cifar_resnet20', '--print-ir'], 0, /^graph cifar_resnet20\(%input: f32\[N,3,32,32\]\)/],
    [['compile', 'cifar_resnet20', '--trace-passes'], 0, /^pass infer-shapes: unchanged/],
    [['compile', 'resnet50', '-o', 'x.onnx', '--nm-classes', '3'], 2, /unknown option --nm-classes.*\n.*did you mean --num-classes/],
    [['compile', 'resnet50', '-o', 'x.onnx', '--num-classes', 'ten'], 2, /--num-classes expects an integer/],
    [['compile', 'resnet50', '-o', 'x.onnx', '--opset', '99'], 2, /opset 99 is not supported/],
    [['compile', 'resnet5O', '-o', 'x.onnx'], 1, /unknown model 'resnet5O'/],
    [['compile', 'resnet50', '-o', 'x.onnx', '--replace-stride-with-dilation', 'true,true'], 2, /E_DILATION_LENGTH/],
    [['compile', 'resnet50', '-o', 'x.onnx', '--replace-stride-with-dilation', 'yes,no,maybe'], 2, /true\/false/],
    [['compile', './nope/model.ts', '-o', 'x.onnx'], 1, /does not exist/],
    [['run', 'missing.onnx'], 2, /needs --input/],
    [['run', 'missing.onnx', '--input', 'x.npy', '--top', '0'], 2, /--top must be at least 1/],
    [['summary', 'model.py'], 1, /E_NOT_A_MODEL.*models are TypeScript/],
    [['summary', '.'], 1, /E_NOT_A_MODEL.*is a directory, not a model/],
    [['summary', 'examples/resnet50.ts#'], 2, /after '#' .* is not an export name/],
  ];
  for (const [args, code, re] of cases) {
    test(`netforge ${args.join(' ')}`, () => {
      const r = netforge(args, { cwd: dir });
      expect(r.code).toBe(code);
      expect(r.stdout + r.stderr).toMatch(re);
      noStack(r.stderr);
    });
  }
});

describe('outputs are atomic', () => {
  test('a failed compile leaves an existing output untouched and no temp files', () => {
    const out = join(dir, 'keep.onnx');
    writeFileSync(out, 'previous contents');
    const r = netforge(['compile', 'resnet50', '-o', out, '--replace-stride-with-dilation', 'true'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(readFileSync(out).equals(Buffer.from('previous contents'))).toBe(true); // no 100 MB diff if it fails
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
  test.each([
    ['compile', ['compile', 'resnet18', '-o']],
    ['report', ['report', 'resnet18', '-o']],
    ['weights convert', null],
  ] as const)('%s into a directory that does not exist: E_OUTPUT_IO naming the output, exit 1, no stack', (_, args) => {
    const out = join(dir, 'no-such-dir', args === null ? 'x.safetensors' : 'x.out');
    let argv: string[];
    if (args === null) {
      const src = join(dir, 'w.safetensors');
      writeSafetensors(src, new Map([['fc.bias', { dtype: 'float32', shape: [2], data: new Uint8Array(8) }]]));
      argv = ['weights', 'convert', src, out];
    } else argv = [...args, out];
    const r = netforge(argv, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[E_OUTPUT_IO]: cannot write ${out}: its directory does not exist [ENOENT]`);
    expect(r.stderr).toMatch(/help: create the directory first/);
    expect(r.stderr).not.toMatch(/\.tmp/);
    noStack(r.stderr);
  });
  test('an output that cannot be written is found before compiling: --emit-ts into a missing directory leaves no .onnx', () => {
    const out = join(dir, 'emit-first.onnx');
    const r = netforge(['compile', 'cifar_resnet20', '-o', out, '--emit-ts', join(dir, 'missing', 'm.ts')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[E_OUTPUT_IO]');
    expect(existsSync(out)).toBe(false);
    expect(netforge(['compile', 'cifar_resnet20', '-o', dir]).stderr).toContain('the path is a directory [EISDIR]');
  });
  test('a failed compile creates no file', () => {
    const out = join(dir, 'never.onnx');
    // (--num-classes 0 is valid since the classifier can be removed: -1 is the usage error now)
    expect(netforge(['compile', 'resnet50', '-o', out, '--num-classes', '-1'], { cwd: dir }).code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe('netforge summary --json', () => {
  test('has the contract keys', () => {
    const r = netforge(['summary', 'resnet50', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.params).toBe(25_557_032);
    expect(j.macs).toBe(4_089_184_256);
    expect(j.depth).toBe(50);
    expect(j.mainPath).toEqual({ conv: 49, linear: 1 });
    expect(j.ops.Conv).toBe(53);
    expect(j.output).toEqual(['N', 1000]);
    const l = j.layers.find((x: { name: string }) => x.name === 'layer1.0.conv2');
    expect(l).toMatchObject({ op: 'Conv', outputShape: ['N', 64, 56, 56], params: 36_864, macs: 115_605_504 });
  });
});

describe('flags that a built-in model cannot take', () => {
  test.each([
    [['summary', 'cifar_resnet20', '--replace-stride-with-dilation', 'true,true,true'], /error\[E_DILATION_LENGTH\]: --replace-stride-with-dilation: .*\n  help: this 3-stage ResNet takes 2 booleans/],
    [['summary', 'resnet50', '--num-classes', '1000000000'], /error\[E_TOO_LARGE\]: --num-classes: /],
    [['compile', 'cifar_resnet20', '--seed', '-1', '-o', 'x.onnx'], /error\[E_USAGE\]: --seed must be an integer from 0 to 4294967295, got -1/],
    [['compile', 'cifar_resnet20', '--seed', '4294967296', '-o', 'x.onnx'], /--seed must be an integer from 0 to 4294967295/],
    [['summary', 'cifar_resnet20', '--seed', '-1'], /--seed must be an integer from 0 to 4294967295, got -1/],
    [['summary', 'cifar_resnet20', '--seed', '1e3'], /--seed expects an integer \(decimal digits\), got '1e3'/],
  ])('%j: a usage error naming the flag, not a line of netforge\'s code', (args, re) => {
    const r = netforge(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/-->.*(dist|src)\/zoo/);
    noStack(r.stderr);
  });
  test('the largest seed is accepted', () => {
    expect(netforge(['compile', 'cifar_resnet20', '--seed', '4294967295', '-o', join(dir, 'maxseed.onnx'), '-q']).code).toBe(0);
  });
});

describe('output into a pipe the reader closes early', () => {
  test('`summary resnet152 --json | head -c 100` ends quietly with the SIGPIPE status, no EPIPE trace', () => {
    // 134 KB of JSON into a 64 KiB pipe that head closes after 100 bytes: the write must fail.
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" summary resnet152 --json | head -c 100 > /dev/null`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(141);
  });
});

describe('netforge run', () => {
  test('reads .npy, runs onnxruntime, writes .npy', () => {
    const model = join(dir, 'c20-run.onnx');
    expect(netforge(['compile', 'cifar_resnet20', '-o', model, '-q']).code).toBe(0);
    const x = new Float32Array(3 * 3 * 32 * 32);
    fillNormal(x, 1, rngFor(0, 'x'));
    const xin = join(dir, 'x.npy');
    const yout = join(dir, 'y.npy');
    writeNpy(xin, 'float32', [3, 3, 32, 32], new Uint8Array(x.buffer));
    const r = netforge(['run', model, '--input', xin, '--output', yout]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/logits \[3, 10\]/);
    expect(r.stdout).toMatch(/sample 2: top-5/);
    const y = readNpy(yout);
    expect(y.shape).toEqual([3, 10]);
    expect(y.dtype).toBe('float32');
    const x64 = join(dir, 'x64.npy');
    writeNpy(x64, 'float64', [3, 3, 32, 32], new Uint8Array(Float64Array.from(x).buffer));
    const r64 = netforge(['run', model, '--input', x64, '--output', join(dir, 'y64.npy')]);
    expect(r64.code).toBe(0);
    expect(r64.stderr).toContain(`note: ${x64} holds float64; converted to float32, the model's input type`);
    expect(readFileSync(join(dir, 'y64.npy')).equals(readFileSync(yout))).toBe(true);
    const q = netforge(['run', model, '--input', xin, '--output', join(dir, 'yq.npy'), '-q']);
    expect([q.code, q.stdout, q.stderr]).toEqual([0, '', '']);
    expect(readFileSync(join(dir, 'yq.npy')).equals(readFileSync(yout))).toBe(true);
  });
  test('a wrong input shape is a clean error', () => {
    const model = join(dir, 'c20-run.onnx');
    const xin = join(dir, 'bad.npy');
    writeNpy(xin, 'float32', [1, 3, 8], new Uint8Array(96));
    const r = netforge(['run', model, '--input', xin]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E_ORT_RUN\]/);
    expect(r.stderr).toContain("help: the model expects input 'input' [N, 3, 32, 32] (float32); the input given is [1, 3, 8]");
    noStack(r.stderr);
  });
});
