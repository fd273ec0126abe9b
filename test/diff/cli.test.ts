/**
 * `netforge diff` end to end on the pairs the issue names: output stride 8, ResNeXt against
 * ResNet-50, ResNet-18 against ResNet-34, a model file against its zoo counterpart; and
 * every way the command line can be wrong.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { diffCommand } from '../../src/cli/commands/diff.js';
import type { DiffJson, DiffJsonRow } from '../../src/backends/report/diffJson.js';
import { runCommand } from '../report/io.js';
import { netforge, runCli } from '../helpers/cli.js';
import { modelProject } from '../modelFiles/project.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/resnet50.ts');
const dir = mkdtempSync(join(tmpdir(), 'netforge-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function json(argv: readonly string[]): Promise<DiffJson> {
  const r = await runCommand(diffCommand, [...argv, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as DiffJson;
}

const rowOf = (j: DiffJson, path: string): DiffJsonRow => j.rows.find((r) => (r.a ?? r.b)!.path === path)!;
const BLOCKS_50 = [3, 4, 6, 3].flatMap((n, s) => Array.from({ length: n }, (_, i) => `layer${s + 1}.${i}`));

describe('resnet50 against resnet50 at output stride 8', () => {
  const os8 = ['resnet50', '--', 'resnet50', '--replace-stride-with-dilation', 'false,true,true'];

  test('same params, MACs 4,089,184,256 -> 19,079,364,608, layer3 and layer4 at 28x28, weights fully compatible', async () => {
    const j = await json(os8);
    expect(j.identical).toBe(false);
    expect(j.totals.quantities.params).toMatchObject({ a: 25_557_032, b: 25_557_032, delta: 0 });
    expect(j.totals.quantities.macs).toMatchObject({ a: 4_089_184_256, b: 19_079_364_608 });
    expect(rowOf(j, 'layer3').b!.outputShape).toEqual(['N', 1024, 28, 28]);
    expect(rowOf(j, 'layer4').b!.outputShape).toEqual(['N', 2048, 28, 28]);
    expect(j.rows.filter((r) => r.level === 1 && r.status === 'changed').map((r) => r.a!.path)).toEqual(['layer3', 'layer4']);
    expect(j.weights).toMatchObject({ entries: 320, tracked: 53, loads: 320, shapeChanged: [], onlyInA: [], onlyInB: [] });
    expect(j.weights.verdict).toMatchObject({ ok: true, noStrict: false, numClasses: false, fresh: [] });
  });

  test('the dilated convs are flagged: d2 in layer3 (after its first block) and layer4.0, d4 in layer4.1 and layer4.2', async () => {
    const j = await json(os8);
    const dilated = j.rows.filter((r) => r.kind === 'layer' && r.status === 'changed' && r.changed.includes('kernel') && /d[24]/.test(r.b!.kernel));
    expect(dilated.map((r) => `${r.b!.path} ${r.a!.kernel} -> ${r.b!.kernel}`)).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => `layer3.${i}.conv2 3x3 s1 d1 g1 -> 3x3 s1 d2 g1`),
      'layer4.0.conv2 3x3 s2 d1 g1 -> 3x3 s1 d2 g1',
      'layer4.1.conv2 3x3 s1 d1 g1 -> 3x3 s1 d4 g1',
      'layer4.2.conv2 3x3 s1 d1 g1 -> 3x3 s1 d4 g1',
    ]);
    // the strided convs of layer3.0 lose their stride, keep dilation 1
    expect(`${rowOf(j, 'layer3.0.conv2').a!.kernel} -> ${rowOf(j, 'layer3.0.conv2').b!.kernel}`).toBe('3x3 s2 d1 g1 -> 3x3 s1 d1 g1');
    expect(rowOf(j, 'layer3.0.downsample.0').changed).toEqual(['outputShape', 'kernel', 'macs']);
  });

  test('with symbolic sizes: MACs as a function of H and W, and their ratio for large inputs', async () => {
    const j = await json(['resnet50', '--input-size', '3,H,W', '--', 'resnet50', '--input-size', '3,H,W', '--replace-stride-with-dilation', 'false,true,true']);
    expect(j.totals.macsFormula).toEqual({
      a: '9408*ceil(H/2)*ceil(W/2) + 245760*ceil(H/4)*ceil(W/4) + 1310720*ceil(H/8)*ceil(W/8) + 7471104*ceil(H/16)*ceil(W/16) + 14417920*ceil(H/32)*ceil(W/32) + 2048000',
      b: '9408*ceil(H/2)*ceil(W/2) + 245760*ceil(H/4)*ceil(W/4) + 23199744*ceil(H/8)*ceil(W/8) + 2048000',
      delta: '21889024*ceil(H/8)*ceil(W/8) - 7471104*ceil(H/16)*ceil(W/16) - 14417920*ceil(H/32)*ceil(W/32)',
      // the H·W coefficients: 9408/4 + 245760/16 + 23199744/64 over 9408/4 + ... + 14417920/1024
      asSizesGrow: 380_208 / 81_456,
    });
    expect(j.totals.quantities.macs).toMatchObject({ a: 4_089_184_256, b: 19_079_364_608 });
    expect(rowOf(j, 'layer4').b!.outputShape).toEqual(['N', 2048, 'ceil(H/8)', 'ceil(W/8)']);
    expect(j.totals.sizes.a['H']).toMatchObject({ reference: 224, min: 1 });
  });
});

describe('resnet50 against resnext50_32x4d', () => {
  test('params 25,557,032 -> 25,028,904; conv1, bn1, conv2 (groups 32) and conv3 of every block change shape: 176 of 320 entries', async () => {
    const j = await json(['resnet50', 'resnext50_32x4d']);
    expect(j.totals.quantities.params).toMatchObject({ a: 25_557_032, b: 25_028_904, delta: -528_128 });
    const bn = (m: string): string[] => ['weight', 'bias', 'running_mean', 'running_var'].map((l) => `${m}.${l}`);
    const expected = BLOCKS_50.flatMap((b) => [`${b}.conv1.weight`, ...bn(`${b}.bn1`), `${b}.conv2.weight`, ...bn(`${b}.bn2`), `${b}.conv3.weight`]);
    expect(j.weights.shapeChanged.map((s) => s.name)).toEqual(expected);
    expect(j.weights).toMatchObject({ entries: 320, loads: 144, onlyInA: [], onlyInB: [] });
    expect(j.weights.shapeChanged.length).toBe(176);
    expect(j.weights.shapeChanged.find((s) => s.name === 'layer1.0.conv2.weight')).toEqual({ name: 'layer1.0.conv2.weight', a: [64, 64, 3, 3], b: [128, 4, 3, 3] });
    expect(j.weights.verdict).toMatchObject({ ok: false });
    for (const b of BLOCKS_50) {
      for (const m of ['conv1', 'bn1', 'conv2', 'conv3']) expect(rowOf(j, `${b}.${m}`).status, `${b}.${m}`).toBe('changed');
      expect(rowOf(j, `${b}.conv2`).b!.kernel).toBe(b === 'layer2.0' || b === 'layer3.0' || b === 'layer4.0' ? '3x3 s2 d1 g32' : '3x3 s1 d1 g32');
      expect(rowOf(j, `${b}.bn3`).status).toBe('same');
    }
    const r = await runCommand(diffCommand, ['resnet50', 'resnext50_32x4d']);
    expect(r.out).toContain('--weights A.pth     does not load, even with --no-strict: 176 of A\'s entries change shape in B');
  });
});

describe('resnet18 against resnet34', () => {
  test('blocks added in each stage; the checkpoint loads only with --no-strict, the new blocks fresh', async () => {
    const j = await json(['resnet18', 'resnet34']);
    const added = j.rows.filter((r) => r.kind === 'block' && r.status === 'added').map((r) => r.b!.path);
    expect(added).toEqual(['layer1.2', 'layer2.2', 'layer2.3', 'layer3.2', 'layer3.3', 'layer3.4', 'layer3.5', 'layer4.2']);
    expect(j.rows.filter((r) => r.level === 1 && r.status === 'changed').map((r) => `${r.a!.path}: ${r.a!.type} -> ${r.b!.type}`)).toEqual([
      'layer1: 2 x BasicBlock -> 3 x BasicBlock',
      'layer2: 2 x BasicBlock -> 4 x BasicBlock',
      'layer3: 2 x BasicBlock -> 6 x BasicBlock',
      'layer4: 2 x BasicBlock -> 3 x BasicBlock',
    ]);
    expect(j.weights).toMatchObject({ entries: 122, loads: 122, shapeChanged: [], onlyInA: [] });
    const fresh = added.flatMap((b) => [`${b}.conv1.weight`, ...['weight', 'bias', 'running_mean', 'running_var'].map((l) => `${b}.bn1.${l}`), `${b}.conv2.weight`, ...['weight', 'bias', 'running_mean', 'running_var'].map((l) => `${b}.bn2.${l}`)]);
    expect(j.weights.verdict).toMatchObject({ ok: true, noStrict: true, numClasses: false, fresh, freshParams: 21_797_672 - 11_689_512 });
    // torch's missing keys: the counters of the new BatchNorms are not among them (torch fills them in)
    expect(j.weights.onlyInB).toEqual(fresh);
    expect(j.totals.quantities.depth).toMatchObject({ a: 18, b: 34 });
  });
});

describe('a model file against its zoo counterpart', () => {
  test('examples/resnet50.ts vs resnet50: no difference, exit 0', async () => {
    const r = await runCommand(diffCommand, [EXAMPLE, 'resnet50']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        `A  ${EXAMPLE}`,
        'B  resnet50',
        'no difference: the same modules, shapes, kernels, params and MACs (25,557,032 params, 4,089,184,256 MACs, depth 50);',
        "A's checkpoint loads into B fully (320 entries)",
        '',
      ].join('\n'),
    );
    expect((await json([EXAMPLE, 'resnet50'])).identical).toBe(true);
  });
});

describe('-o diff.html', () => {
  test('writes the page and says what it found; with --json, stdout is the JSON alone', async () => {
    const out = join(dir, 'd.html');
    const r = await runCommand(diffCommand, ['resnet18', 'resnet34', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote diff resnet18 -> resnet34 to .*d\.html \([\d,]+ bytes\)\n {2}params 11,689,512 -> 21,797,672; MACs 1\.81 G -> 3\.66 G; --weights of A into B: strict load fails; loads with --no-strict/);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
    const both = await runCommand(diffCommand, ['resnet18', 'resnet34', '-o', out, '--json']);
    expect(JSON.parse(both.out).a.model).toBe('resnet18');
    expect(both.err).toContain('wrote diff');
  });
});

describe('the command line', () => {
  const usage = async (argv: readonly string[]): Promise<{ code: number; stderr: string }> => runCli(['diff', ...argv]);

  test('a model flag with both models in one group belongs to neither side: usage error that says where it goes', async () => {
    const r = await usage(['resnet50', 'resnet50', '--replace-stride-with-dilation', 'false,true,true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[E_USAGE]: --replace-stride-with-dilation belongs to neither side');
    expect(r.stderr).toContain('netforge diff resnet50 [A\'s flags] -- resnet50 --replace-stride-with-dilation');
  });

  test('flags no side takes, weights flags, a third model, a missing one, --depth twice', async () => {
    const cases: [readonly string[], string][] = [
      [['resnet50', '--opset', '13', '--', 'resnet18'], "unknown option --opset for 'diff'"],
      [['resnet50', '--weights', 'a.pth', '--', 'resnet18'], 'netforge diff takes no --weights'],
      [['resnet50', '--', 'resnet18', '--', 'resnet34'], 'netforge diff compares two models'],
      [['resnet50', 'resnet18', 'resnet34'], 'netforge diff needs two models, A and B; got resnet50 resnet18 resnet34'],
      [['resnet50'], 'netforge diff needs two models'],
      [['resnet50', '--', '--num-classes', '10'], 'side B of netforge diff needs one model, got no model'],
      [['resnet50', '--depth', '1', '--', 'resnet18', '--depth', '3'], '--depth is given twice'],
      [['resnet50', 'resnet18', '--depth', '4'], '--depth must be 1, 2 or 3'],
      [['resnet50', 'resnet18', '-o', 'd.svg'], '-o d.svg: netforge diff writes an HTML page'],
    ];
    for (const [argv, message] of cases) {
      const r = await usage(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(`error[E_USAGE]: ${message}`);
    }
  });

  test('a side that fails to build: its own error, saying which side', async () => {
    const unknown = await usage(['resnet50', '--', 'resnet99']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error[E_UNKNOWN_MODEL]: B (resnet99): unknown model 'resnet99'");
    // the built CLI, as a user runs it: an error a zoo model raises about a flag is the flag's (exit 2)
    const flag = netforge(['diff', 'cifar_resnet20', '--replace-stride-with-dilation', 'true,true,true', '--', 'cifar_resnet20']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('error[E_DILATION_LENGTH]: A (cifar_resnet20 --replace-stride-with-dilation true,true,true): --replace-stride-with-dilation:');
  });

  test('a model file that fails to build: its code, its line, and the side', async () => {
    const text = `import { conv2d, defineModel } from 'netforge';\n\nexport default defineModel({\n  name: 'm',\n  input: [3, 8, 8],\n  build: (x) =>\n    conv2d(x, { name: 'c', outChannels: -3, kernel: 3 }),\n});\n`;
    const p = modelProject({ 'm.ts': text });
    try {
      const r = await usage(['resnet18', '--', p.path('m.ts')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error\\[E_BAD_ARG\\]: B \\(${p.path('m.ts').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): `));
      expect(r.stderr).toMatch(/m\.ts:7:5/);
    } finally {
      p.remove();
    }
  });

  test('-o naming a model file of the diff is refused, and the file is untouched', async () => {
    const p = modelProject({ 'm.ts': readFileSync(EXAMPLE, 'utf8') });
    try {
      const before = readFileSync(p.path('m.ts'), 'utf8');
      const r = await usage([p.path('m.ts'), 'resnet50', '-o', p.path('m.ts')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is a model file of this diff');
      expect(readFileSync(p.path('m.ts'), 'utf8')).toBe(before);
      expect(existsSync(p.path('m.html'))).toBe(false);
    } finally {
      p.remove();
    }
  });
});
