/**
 * Invalid model definitions: each gives its error code and points at the line in this
 * file where the user wrote the offending call. Codes are asserted, not prose.
 */
import { describe, expect, test } from 'vitest';
import { NetforgeError, formatLoc } from '../../src/errors.js';
import {
  adaptiveAvgPool2d,
  add,
  basicBlock,
  batchNorm2d,
  bottleneck,
  buildGraph,
  conv2d,
  defineModel,
  flatten,
  linear,
  makeLayer,
  maxPool2d,
  relu,
  resnet,
  scope,
  type Tensor,
} from '../../src/dsl/index.js';
import { compile } from '../../src/compile.js';

const THIS_FILE = 'invalid.test.ts';

type Case = readonly [name: string, code: string, build: (x: Tensor) => Tensor, input?: readonly number[]];
// JS callers can pass anything: `any` stands for untyped input here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const js = (v: unknown): any => v;

const CASES: readonly Case[] = [
  // @ts-expect-error four stages take three flags: the type system rejects two
  ['replaceStrideWithDilation of length 2', 'E_DILATION_LENGTH', (x) => resnet(x, { block: bottleneck, layers: [1, 1, 1, 1], replaceStrideWithDilation: [true, true] })],
  // @ts-expect-error and four
  ['replaceStrideWithDilation of length 4', 'E_DILATION_LENGTH', (x) => resnet(x, { block: bottleneck, layers: [1, 1, 1, 1], replaceStrideWithDilation: [false, true, true, true] })],
  ['replaceStrideWithDilation of length 2 from layers known at run time', 'E_DILATION_LENGTH', (x) => resnet(x, { block: bottleneck, layers: [1, 1, 1, 1] as number[], replaceStrideWithDilation: [true, true] })],
  ['replaceStrideWithDilation with non-booleans', 'E_DILATION_LENGTH', (x) => resnet(x, { block: bottleneck, layers: [1, 1, 1, 1], replaceStrideWithDilation: js(['no', 1, true]) })],
  ['basicBlock with groups (JS caller)', 'E_BASICBLOCK_GROUPS', (x) => resnet(x, js({ block: basicBlock, layers: [1, 1, 1, 1], groups: 32 }))],
  ['basicBlock with widthPerGroup (JS caller)', 'E_BASICBLOCK_GROUPS', (x) => resnet(x, js({ block: basicBlock, layers: [1, 1, 1, 1], widthPerGroup: 128 }))],
  ['negative channels', 'E_BAD_ARG', (x) => conv2d(x, { name: 'c', outChannels: -3, kernel: 3 })],
  ['zero channels', 'E_BAD_ARG', (x) => conv2d(x, { name: 'c', outChannels: 0, kernel: 3 })],
  ['absurd channels (1e9)', 'E_TOO_LARGE', (x) => conv2d(x, { name: 'c', outChannels: 1e9, kernel: 3 })],
  ['fractional channels', 'E_BAD_ARG', (x) => conv2d(x, { name: 'c', outChannels: 2.5, kernel: 3 })],
  ['kernel given as a string (JS caller)', 'E_BAD_ARG', (x) => conv2d(x, { name: 'c', outChannels: 8, kernel: js('3') })],
  ['kernel pair of length 3', 'E_BAD_ARG', (x) => conv2d(x, { name: 'c', outChannels: 8, kernel: js([3, 3, 3]) })],
  ['groups that do not divide the channels', 'E_GROUPS', (x) => conv2d(x, { name: 'c', outChannels: 64, kernel: 3, groups: 5 })],
  ['stride 0', 'E_BAD_ARG', (x) => conv2d(x, { name: 'c', outChannels: 8, kernel: 3, stride: 0 })],
  ['dilated kernel larger than the input', 'E_SHAPE_EMPTY', (x) => conv2d(x, { name: 'c', outChannels: 8, kernel: 3, dilation: 40 }), [3, 32, 32]],
  ['residual add with mismatched shapes', 'E_SHAPE_MISMATCH', (x) => add(conv2d(x, { name: 'a', outChannels: 8, kernel: 3, stride: 2, padding: 1 }), conv2d(x, { name: 'b', outChannels: 8, kernel: 3, padding: 1 }))],
  ['custom block with stride but no shortcut', 'E_SHAPE_MISMATCH', (x) => {
    const y = conv2d(x, { name: 'c', outChannels: 3, kernel: 3, stride: 2, padding: 1 });
    return add(y, x);
  }],
  ['duplicate module names', 'E_DUPLICATE_MODULE', (x) => conv2d(conv2d(x, { name: 'conv1', outChannels: 3, kernel: 1 }), { name: 'conv1', outChannels: 3, kernel: 1 })],
  ['non-integer layer count', 'E_BAD_ARG', (x) => resnet(x, { block: basicBlock, layers: [2, 2.5, 2, 2] })],
  ['empty layers', 'E_BAD_ARG', (x) => resnet(x, { block: basicBlock, layers: [] })],
  ['negative layer count', 'E_BAD_ARG', (x) => resnet(x, { block: basicBlock, layers: [2, -1, 2, 2] })],
  // (numClasses 0 is valid: no classifier, timm's idiom)
  ['negative classes', 'E_BAD_ARG', (x) => resnet(x, { block: basicBlock, layers: [1, 1, 1, 1], numClasses: -2 })],
  ['widths and layers of different lengths', 'E_BAD_ARG', (x) => resnet(x, { block: basicBlock, layers: [1, 1, 1, 1], widths: [64, 128] })],
  ['absurd stage width', 'E_TOO_LARGE', (x) => resnet(x, { block: basicBlock, layers: [1, 1, 1, 1], widths: [64, 128, 1e9, 512] })],
  ['negative BatchNorm eps', 'E_BAD_ARG', (x) => batchNorm2d(x, { name: 'bn', eps: -1 })],
  ['BatchNorm momentum above 1', 'E_BAD_ARG', (x) => batchNorm2d(x, { name: 'bn', momentum: 2 })],
  ['linear on a feature map (forgot flatten)', 'E_SHAPE_RANK', (x) => linear(x, { name: 'fc', outFeatures: 10 })],
  ['linear with the wrong inFeatures', 'E_SHAPE_MISMATCH', (x) => linear(flatten(adaptiveAvgPool2d(x)), { name: 'fc', outFeatures: 10, inFeatures: 2048 })],
  ['max pool padding over half the kernel', 'E_BAD_ARG', (x) => maxPool2d(x, { kernel: 3, stride: 2, padding: 2 })],
  ['adaptive pool to 7x7', 'E_UNSUPPORTED', (x) => adaptiveAvgPool2d(x, { outputSize: js(7) })],
  ['a layer given a non-tensor', 'E_BAD_ARG', () => relu(js({ shape: 3 }))],
  ['a scope name with a dot', 'E_BAD_NAME', (x) => scope('layer1.0', () => relu(x))],
  ['resnet without a block', 'E_BAD_ARG', (x) => resnet(x, js({ layers: [2, 2, 2, 2] }))],
  ['bottleneck strideOn of an unknown kind', 'E_BAD_ARG', (x) => resnet(x, js({ block: bottleneck, layers: [1, 1, 1, 1], strideOn: 'both' }))],
  ['makeLayer with zero dilation', 'E_BAD_ARG', (x) => makeLayer(x, { block: basicBlock, planes: 3, blocks: 1, dilation: 0 }).out],
  ['makeLayer with dilate given a string (JS caller)', 'E_BAD_ARG', (x) => makeLayer(x, { block: basicBlock, planes: 3, blocks: 1, stride: 2, dilate: js('yes') }).out],
  ['bottleneck with zero groups (JS caller)', 'E_BAD_ARG', (x) => resnet(x, js({ block: bottleneck, layers: [1, 1, 1, 1], groups: 0 }))],
];

describe('invalid model definitions', () => {
  test('the table has at least 25 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(25));
  for (const [name, code, build, input] of CASES) {
    test(name, () => {
      let err: unknown;
      try {
        buildGraph({ name: 'bad', input: input ?? [3, 64, 64] }, build);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NetforgeError);
      const e = err as NetforgeError;
      expect(e.code).toBe(code);
      // Only the file: under vitest this file runs transformed, and V8's call sites carry the
      // transformed lines. Exact user lines are asserted on real .ts model files, where
      // netforge maps them itself (test/modelFiles: loader.test.ts, cli.test.ts).
      expect(formatLoc(e.loc) ?? '').toContain(THIS_FILE);
      expect(e.message.length).toBeGreaterThan(10);
    });
  }
  test('a residual mismatch names both shapes and the module', () => {
    try {
      buildGraph({ name: 'bad', input: [3, 32, 32] }, (x) => scope('layer1', () => scope(0, () => add(conv2d(x, { name: 'conv1', outChannels: 8, kernel: 1 }), x))));
      expect.unreachable();
    } catch (e) {
      const err = e as NetforgeError;
      expect(err.code).toBe('E_SHAPE_MISMATCH');
      expect(err.message).toContain('[N, 8, 32, 32]');
      expect(err.message).toContain('[N, 3, 32, 32]');
      expect(err.modulePath).toBe('layer1.0.add');
      expect(err.hint).toBeDefined();
    }
  });
  test('an argument error names the module being built, as shape errors do', () => {
    const at = (build: (x: Tensor) => Tensor): NetforgeError => {
      try {
        buildGraph({ name: 'bad', input: [3, 32, 32] }, build);
      } catch (e) {
        return e as NetforgeError;
      }
      throw new Error('expected an error');
    };
    expect(at((x) => scope('layer1', () => conv2d(x, { name: 'conv1', outChannels: -4, kernel: 3 })))).toMatchObject({ code: 'E_BAD_ARG', modulePath: 'layer1.conv1' });
    expect(at((x) => maxPool2d(x, { kernel: 3, stride: 0 }))).toMatchObject({ code: 'E_BAD_ARG', modulePath: 'maxpool' });
    expect(at((x) => linear(flatten(adaptiveAvgPool2d(x)), { name: 'fc', outFeatures: 0 }))).toMatchObject({ code: 'E_BAD_ARG', modulePath: 'fc' });
  });
  test('compile() refuses weights no machine here could hold (1.4 TB), with the figures, instead of crashing', () => {
    const def = defineModel({ name: 'huge', input: [3, 8, 8], build: (x) => conv2d(conv2d(x, { name: 'a', outChannels: 200_000, kernel: 3 }), { name: 'b', outChannels: 200_000, kernel: 3 }) });
    expect(() => compile(def)).toThrow(expect.objectContaining({ code: 'E_TOO_LARGE', modulePath: 'b' }));
  });
  test('compile() refuses a seed outside 32 bits', () => {
    const def = defineModel({ name: 's', input: [3, 8, 8], build: (x) => relu(x) });
    for (const seed of [-1, 2 ** 32, 1.5]) expect(() => compile(def, { seed })).toThrow(expect.objectContaining({ code: 'E_BAD_ARG' }));
  });
  test('a layer outside a model definition', () => {
    expect(() => relu({ id: 'x', shape: ['N', 3, 4, 4], dtype: 'float32' })).toThrow(expect.objectContaining({ code: 'E_NO_MODEL' }));
  });
  test('a build function that returns nothing', () => {
    expect(() => buildGraph({ name: 'bad', input: [3, 8, 8] }, () => js(undefined))).toThrow(expect.objectContaining({ code: 'E_BAD_OUTPUT' }));
  });
  test('declared expectations that do not hold fail the compile with a diff', () => {
    const def = defineModel({
      name: 'wrong-expect',
      input: [3, 32, 32],
      build: (x) => resnet(x, { block: basicBlock, layers: [1, 1, 1], stem: 'cifar', shortcut: 'A', numClasses: 10 }),
      expect: { mainPath: { conv: 9, linear: 1 }, params: 1 },
    });
    try {
      compile(def);
      expect.unreachable();
    } catch (e) {
      const err = e as NetforgeError;
      expect(err.code).toBe('E_EXPECTATION');
      expect(err.message).toMatch(/main path conv\s+expected\s+9\s+found\s+7/);
      expect(err.message).toMatch(/params\s+expected\s+1\s+found/);
    }
  });
  test('TypeScript rejects BasicBlock options it does not have', () => {
    buildGraph({ name: 'types', input: [3, 32, 32] }, (x) =>
      // @ts-expect-error groups is a Bottleneck option; BasicBlock has none
      resnet(x, { block: basicBlock, layers: [1, 1, 1], stem: 'cifar', groups: 1 }),
    );
    expect(() =>
      buildGraph({ name: 'types', input: [3, 32, 32] }, (x) =>
        // @ts-expect-error replaceStrideWithDilation holds booleans
        resnet(x, { block: bottleneck, layers: [1, 1, 1], stem: 'cifar', replaceStrideWithDilation: [1, 0] }),
      ),
    ).toThrow(expect.objectContaining({ code: 'E_DILATION_LENGTH' }));
    expect(() =>
      buildGraph({ name: 'types', input: [3, 32, 32] }, (x) =>
        // @ts-expect-error BasicBlock takes no block options
        makeLayer(x, { block: basicBlock, planes: 16, blocks: 2, blockOptions: { groups: 4 } }).out,
      ),
    ).toThrow(expect.objectContaining({ code: 'E_BASICBLOCK_GROUPS' }));
    // what is right compiles: Bottleneck options, three flags for four stages
    buildGraph({ name: 'types', input: [3, 64, 64] }, (x) => makeLayer(x, { block: bottleneck, planes: 8, blocks: 1, blockOptions: { groups: 2, widthPerGroup: 8 } }).out);
    buildGraph({ name: 'types', input: [3, 64, 64] }, (x) => resnet(x, { block: bottleneck, layers: [1, 1, 1, 1], replaceStrideWithDilation: [false, true, true] }));
  });
});
