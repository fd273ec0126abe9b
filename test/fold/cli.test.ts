/** The command line around folding: --no-fold-bn, --randomize-bn, --check, --trace-passes, --print-after. */
import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, commandHelp } from '../../src/cli/main.js';
import { compileCommand } from '../../src/cli/commands/compile.js';
import { metaOf, opCounts, readModel } from '../helpers/onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-fold-cli-'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), isTTY: false });
  return { code, out, err };
}

describe('netforge compile and BatchNorm folding', () => {
  test('a BatchNorm that cannot be folded is reported without --trace-passes (and not with -q)', async () => {
    const model = join(dir, 'preact.ts');
    writeFileSync(
      model,
      `import { batchNorm2d, conv2d, defineModel, relu } from 'netforge';\n\nexport default defineModel({\n  name: 'preact',\n  input: [3, 8, 8],\n  build: (x) => batchNorm2d(relu(batchNorm2d(conv2d(x, { name: 'c1', outChannels: 4, kernel: 3 }), { name: 'bn1' })), { name: 'bn_pre' }),\n});\n`,
    );
    const r = await cli(['compile', model, '-o', join(dir, 'preact.onnx')]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('note: 1 BatchNormalization layer not folded (the model still runs them):\n  kept bn_pre: its input comes from Relu relu, not a Conv');
    const q = await cli(['compile', model, '-o', join(dir, 'preact.onnx'), '-q']);
    expect(q.err).toBe('');
  });

  test('folds by default; --no-fold-bn keeps BatchNormalization', async () => {
    const folded = join(dir, 'folded.onnx');
    const kept = join(dir, 'kept.onnx');
    expect((await cli(['compile', 'cifar_resnet20', '-o', folded])).code).toBe(0);
    const r = await cli(['compile', 'cifar_resnet20', '-o', kept, '--no-fold-bn']);
    expect(r.code).toBe(0);
    expect(opCounts(readModel(folded))['BatchNormalization']).toBeUndefined();
    expect(opCounts(readModel(kept))['BatchNormalization']).toBe(19);
    expect(JSON.parse(metaOf(readModel(folded))['netforge.folded_batchnorm']!)).toHaveLength(19);
    expect(metaOf(readModel(kept))['netforge.folded_batchnorm']).toBeUndefined();
  });

  test('--check compares folded and unfolded in onnxruntime and writes nothing without -o', async () => {
    const before = readdirSync(dir).length;
    const r = await cli(['compile', 'resnet18', '--check', '--input-size', '64', '--seed', '5']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('check resnet18: folded vs unfolded, BatchNorm statistics randomized');
    expect(r.out).toMatch(/input +\[2, 3, 64, 64\] ~ N\(0, 1\), seed 5/);
    const rel = Number(/max rel +(\S+)/.exec(r.out)![1]);
    expect(rel).toBeGreaterThan(0);
    expect(rel).toBeLessThanOrEqual(1e-5);
    expect(r.out).toMatch(/tolerance 1\.00e-5: ok/);
    expect(readdirSync(dir).length).toBe(before);
  });

  test('--check with -o writes the model as compiled (BatchNorm not randomized unless asked)', async () => {
    const out = join(dir, 'checked.onnx');
    const r = await cli(['compile', 'cifar_resnet20', '--check', '-o', out]);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(metaOf(readModel(out))['netforge.randomized_batchnorm']).toBeUndefined();
    const rnd = join(dir, 'randomized.onnx');
    expect((await cli(['compile', 'cifar_resnet20', '--randomize-bn', '--seed', '4', '-o', rnd])).code).toBe(0);
    expect(metaOf(readModel(rnd))['netforge.randomized_batchnorm']).toBe('4');
  });

  test('--trace-passes lists every pass and each fold', async () => {
    const r = await cli(['compile', 'resnet18', '-o', join(dir, 'trace.onnx'), '--input-size', '32', '--trace-passes', '-q']);
    expect(r.code).toBe(0);
    const passes = [...r.out.matchAll(/^pass (\S+): (changed|unchanged)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(passes).toEqual([
      'infer-shapes unchanged',
      'verify-structure unchanged',
      'init-params changed',
      'fold-batchnorm changed',
      'eliminate-identity unchanged',
      'eliminate-dead unchanged',
    ]);
    expect(r.out).toContain('  folded layer1.0.bn1 into layer1.0.conv1');
    expect(r.out).toContain('  folded layer2.0.downsample.1 into layer2.0.downsample.0');
    expect(r.out.match(/^ {2}folded /gm)).toHaveLength(20);
  });

  test('--print-after fold-batchnorm dumps the folded IR; an unknown pass is a usage error', async () => {
    const r = await cli(['compile', 'cifar_resnet20', '--check', '--print-after', 'fold-batchnorm', '-q']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\/\/ IR after fold-batchnorm\ngraph cifar_resnet20/);
    expect(r.out).toContain('@conv1.bias: f32[16] bias trainable');
    expect(r.out).not.toContain('BatchNormalization');
    const bad = await cli(['compile', 'cifar_resnet20', '--check', '--print-after', 'fold-bn']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('E_USAGE');
  });

  test('without -o or --check is a usage error; help documents the flags', async () => {
    const r = await cli(['compile', 'cifar_resnet20']);
    expect(r.code).toBe(2);
    const help = commandHelp(compileCommand);
    expect(help).toContain('fold BatchNorm into convolutions (default on; --no-fold-bn keeps BatchNormalization nodes)');
    expect(help).toContain('give BatchNorm random running statistics and affine params, for testing folding; seeded');
    expect(help).toContain('--check');
  });
});
