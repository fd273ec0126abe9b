/**
 * Bad dense-prediction models at the command line: a concatenation of maps whose sizes differ
 * (or differ only for some input sizes: the condition is named), a resize to a non-positive
 * size, an ASPP rate of 0, a head on a map of the wrong channel count. Each is a coded error
 * at the user's file and line, exit 1, with nothing written; what the type checker can refuse
 * (no rates, both a size and a scale, corners aligned) does not get that far.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { netforge, runCli } from '../helpers/cli.js';
import { modelProject, positionOf } from '../modelFiles/project.js';

const HEADER = `import { bottleneck, concat, conv2d, deeplabHead, defineModel, interpolate, resnetStages, scope, aspp, type Tensor } from 'netforge';\n`;
const model = (name: string, input: string, body: string): string =>
  `export const ${name} = defineModel({\n  name: '${name}',\n  input: ${input},\n  reference: [3, 64, 64],\n  build: (x) => {\n${body}\n  },\n});\n`;
const SYMBOLIC = `[3, 'H', 'W']`;
const TEXT =
  HEADER +
  `const half = (x: Tensor, name: string, k: number, p: number): Tensor => conv2d(x, { name, outChannels: 4, kernel: k, stride: 2, padding: p });\n` +
  model('concat_odd', SYMBOLIC, `    return concat([half(x, 'a', 3, 1), half(x, 'b', 2, 0)]);`) +
  model('concat_fixed', '[3, 64, 64]', `    return concat([half(x, 'a', 3, 1), x]);`) +
  model('resize_zero', SYMBOLIC, `    return interpolate(x, { size: [0, 32] });`) +
  model('rate_zero', SYMBOLIC, `    const y = conv2d(x, { name: 'stem', outChannels: 16, kernel: 3, padding: 1 });\n    return deeplabHead(y, { numClasses: 3, rates: [6, 0, 18] });`) +
  model(
    'wrong_channels',
    SYMBOLIC,
    `    const stages = scope('backbone', () => resnetStages(x, { block: bottleneck, layers: [1, 1, 1, 1], widths: [4, 8, 16, 32] }));\n    return deeplabHead(stages[2]!, { numClasses: 3, inChannels: 128 });`,
  );
const p = modelProject({ 'bad.ts': TEXT });
afterAll(() => p.remove());

async function compileExport(name: string): Promise<{ code: number; stderr: string }> {
  const out = p.path(`${name}.onnx`);
  const r = await runCli(['compile', `${p.path('bad.ts')}#${name}`, '-o', out]);
  return { code: r.code, stderr: r.stderr };
}

describe('bad dense-prediction models: coded errors at the user\'s line, nothing written', () => {
  const cases: [string, string, string, RegExp][] = [
    ['concat_odd', 'E_SHAPE_MISMATCH', "concat([half(x, 'a'", /Concat along axis 1 got inputs of shapes \[N, 4, ⌈H\/2⌉, ⌈W\/2⌉\] and \[N, 4, ⌊H\/2⌋, ⌊W\/2⌋\] \(input 1\), which differ in dimension 2 \(⌈H\/2⌉ vs ⌊H\/2⌋, equal only when H is even/],
    ['concat_fixed', 'E_SHAPE_MISMATCH', "concat([half(x, 'a', 3, 1), x])", /which differ in dimension 2 \(32 vs 64\)/],
    ['resize_zero', 'E_BAD_ARG', 'interpolate(x, { size: [0, 32] })', /interpolate expected `size\[0\]` to be an integer > 0 but got 0/],
    ['rate_zero', 'E_BAD_ARG', 'deeplabHead(y,', /aspp expected `rates\[1\]` to be an integer > 0 but got 0/],
    ['wrong_channels', 'E_SHAPE_MISMATCH', 'deeplabHead(stages[2]!', /deeplabHead classifier was built for 128 input channels but its input has 64/],
  ];
  test.each(cases)('%s: %s', async (name, code, at, message) => {
    const r = await compileExport(name);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^error\\[${code}\\]: `));
    expect(lines[0]).toMatch(message);
    const pos = positionOf(TEXT, at, `export const ${name} `);
    expect(r.stderr).toContain(`bad.ts:${pos.line}:${pos.col}`);
    expect(r.stderr).not.toMatch(/internal error|    at /);
    expect(p.listing()).toEqual(['bad.ts']);
  });
  test('the hint of a concatenation that holds for even sizes says which multiple to declare', async () => {
    expect((await compileExport('concat_odd')).stderr).toContain('declare H a multiple of 2');
  });
  test('flags: --num-classes 0 on a segmentation model and --aux-loss on a classifier are usage errors naming the flag', async () => {
    // the built CLI: in this process a zoo model's error would point at the test's own frames
    const zero = netforge(['summary', 'deeplabv3_resnet50', '--num-classes', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/^error\[E_BAD_ARG\]: --num-classes: deeplabv3_resnet50 expected `numClasses` to be an integer > 0 but got 0/);
    const aux = netforge(['summary', 'resnet50', '--aux-loss']);
    expect(aux.code).toBe(2);
    expect(aux.stderr).toMatch(/^error\[E_USAGE\]: --aux-loss: resnet50 has no auxiliary head/);
    const noAux = netforge(['summary', 'resnet50', '--no-aux-loss']);
    expect(noAux.code).toBe(2);
    expect(noAux.stderr).toMatch(/^error\[E_USAGE\]: --no-aux-loss: resnet50 has no auxiliary head to leave out/);
    expect(noAux.stderr).not.toContain('dist/');
  });
  test('--in-chans on a segmentation model sets the reference size\'s channels too', async () => {
    const r = await runCli(['summary', 'deeplabv3_resnet50', '--in-chans', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { input: unknown[]; params: number };
    expect(j.input).toEqual(['N', 1, 'H', 'W']);
    // the stem conv takes 1 channel: 64 * 7 * 7 * 2 fewer params than the 3-channel model
    expect(j.params).toBe(39_638_869 - 64 * 7 * 7 * 2);
  });
  test('refused by the type checker: an ASPP without rates, a size and a scale together, aligned corners', async () => {
    const text =
      HEADER +
      model('types', SYMBOLIC, `    const a = aspp(x, { rates: [] });\n    const b = interpolate(a, { size: x, scaleFactor: 2 });\n    return interpolate(b, { scaleFactor: 2, alignCorners: true });`);
    p.write('types.ts', text);
    const r = await runCli(['summary', p.path('types.ts')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_TYPECHECK\]: .*types\.ts does not type-check \(3 errors\)/);
    for (const needle of ['rates: []', 'size: x, scaleFactor', 'alignCorners: true']) {
      const at = positionOf(text, needle);
      expect(r.stderr).toContain(`types.ts:${at.line}:`);
    }
  });
});
