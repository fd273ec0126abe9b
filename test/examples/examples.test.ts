/**
 * The gallery in examples/: every file loads through the .ts loader (type-checked against
 * netforge's types), is verified against its own `expect` as `netforge summary` does, and
 * compiles (at a small input where the size does not matter). Key numbers are checked
 * against torchvision's published figures, the zoo, and an independent PyTorch build
 * (test/examples/oracle.py) for the two networks netforge does not ship.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelFile } from '../../src/modelFile/loadModelFile.js';
import { importTypeScriptModel } from '../../src/modelFile/typescriptLoader.js';
import { buildModel, expectationsFor, isDefinedModel, type DefinedModel, type ModelOptions } from '../../src/dsl/model.js';
import { runPasses } from '../../src/passes/manager.js';
import { inferShapesPass } from '../../src/passes/inferShapes.js';
import { verifyStructurePass } from '../../src/passes/verifyStructure.js';
import { analyze, type GraphStats } from '../../src/passes/analyze.js';
import { compile } from '../../src/compile.js';
import { toOnnxBytes } from '../../src/backends/onnx/serialize.js';
import { createSession, runFloat32 } from '../../src/backends/ort/session.js';
import { ZOO } from '../../src/zoo/index.js';
import type { Graph } from '../../src/ir/types.js';
import { formatDim } from '../../src/ir/dim.js';
import { pythonHas, runPython } from '../helpers/python.js';
import { netforge } from '../helpers/cli.js';

const here = dirname(fileURLToPath(import.meta.url));
const examples = resolve(here, '../../examples');
const example = (name: string): string => join(examples, name);

/** What `netforge summary` does: build, infer shapes, verify the model's expectations, analyze. */
function summary(def: DefinedModel, o: ModelOptions = {}): { graph: Graph; stats: GraphStats } {
  const { graph } = runPasses(buildModel(def, o), [inferShapesPass, verifyStructurePass(expectationsFor(def, o))]);
  return { graph, stats: analyze(graph) };
}

const stateOf = (g: Graph): [string, number[]][] => [...g.params.values()].map((p) => [p.name, [...p.shape]]);
const zooGraph = (name: string): Graph => buildModel(ZOO.get(name)!);
const paramsOf = (g: Graph, prefix: string): number =>
  [...g.params.values()].filter((p) => p.isParameter && p.name.startsWith(prefix)).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);

interface ConvGeometry {
  readonly dilation: readonly number[];
  readonly stride: readonly number[];
}

/** The dilation and stride of the conv of module `m`. */
function convGeometry(g: Graph, m: string): ConvGeometry {
  const n = g.nodes.find((x) => x.module === m)!;
  if (n.op !== 'Conv') throw new Error(`${m} is not a conv`);
  return { dilation: n.attrs.dilation, stride: n.attrs.stride };
}

/** ResNet-50 without its fc layer, from the zoo graph: the frozen and backbone figures below. */
const resnet50Backbone = (): number => analyze(zooGraph('resnet50')).params - paramsOf(zooGraph('resnet50'), 'fc.');

describe('every example', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.ts')).sort();

  test('the gallery is the nine documented examples and the README\'s first model file', () => {
    expect(files).toEqual(['cifar-resnet56.ts', 'deeplab-backbone.ts', 'deeplabv3-custom.ts', 'feature-pyramid.ts', 'my-resnet.ts', 'resnet-d.ts', 'resnet50.ts', 'resnext-and-wide.ts', 'se-resnet50.ts', 'transfer-learning.ts']);
  });

  test.each(files)('%s starts with a comment saying what it shows, imports netforge, loads, verifies and compiles', async (f) => {
    const text = readFileSync(example(f), 'utf8');
    expect(text.startsWith('/**\n')).toBe(true);
    expect(text).toMatch(/from 'netforge';/);
    const def = await loadModelFile(example(f));
    const s = summary(def);
    expect(s.stats.params).toBeGreaterThan(0);
    // compiling is the same at any input size; 64x64 (32x32 for CIFAR) keeps it quick
    const small = typeof def.input[1] === 'number' && def.input[1] > 64 ? { input: [3, 64, 64] } : {};
    const c = compile(def, small);
    expect(c.source.params).toBe(s.stats.params);
    expect(c.stats.output[0]).toBe('N');
  });
});

describe('resnet50.ts: written out with bottleneck, makeLayer and scope', () => {
  test('25,557,032 params, 4,089,184,256 MACs, depth 50, and torchvision\'s state_dict names', async () => {
    const def = await loadModelFile(example('resnet50.ts'));
    const { graph, stats } = summary(def);
    expect(stats.params).toBe(25_557_032);
    expect(stats.macs).toBe(4_089_184_256);
    expect(stats.depth).toBe(50);
    expect(stats.shortcutProjections).toBe(4);
    expect(stateOf(graph)).toEqual(stateOf(zooGraph('resnet50')));
  });
});

describe('feature-pyramid.ts: any size, three outputs', () => {
  test('c3, c4, c5 at strides 8, 16, 32 for H, W multiples of 32 (>= 32); torchvision\'s names without the fc layer; one file runs at two sizes', async () => {
    const def = await loadModelFile(example('feature-pyramid.ts'));
    const c = compile(def);
    expect(c.graph.outputs).toEqual(['c3', 'c4', 'c5']);
    expect(c.source.params).toBe(resnet50Backbone());
    expect(c.source.sizes).toEqual({ H: { reference: 224, multipleOf: 32, min: 32 }, W: { reference: 224, multipleOf: 32, min: 32 } });
    expect(stateOf(buildModel(def))).toEqual(stateOf(zooGraph('resnet50')).filter(([n]) => !n.startsWith('fc.')));
    const session = await createSession(toOnnxBytes(c.graph));
    for (const [h, w] of [[64, 96], [224, 160]] as const) {
      const out = await session.run({ input: new (await import('onnxruntime-node')).Tensor('float32', new Float32Array(3 * h * w).fill(0.5), [1, 3, h, w]) });
      expect(['c3', 'c4', 'c5'].map((k) => out[k]!.dims)).toEqual([[1, 512, h / 8, w / 8], [1, 1024, h / 16, w / 16], [1, 2048, h / 32, w / 32]]);
    }
    await session.release();
  });
});

describe('deeplab-backbone.ts', () => {
  test('output `features` [N, 2048, 28, 28] at 224 (output stride 8), [N, 2048, 64, 64] at 512; no classifier', async () => {
    const def = await loadModelFile(example('deeplab-backbone.ts'));
    const { graph, stats } = summary(def);
    expect(graph.outputs).toEqual(['features']);
    expect(stats.output).toEqual(['N', 2048, 28, 28]);
    expect(stats.params).toBe(resnet50Backbone());
    expect(stats.params).toBe(23_508_032);
    expect(summary(def, { input: [3, 512, 512] }).stats.output).toEqual(['N', 2048, 64, 64]);
    // the last two stages dilate instead of striding (torchvision: first block keeps the previous dilation)
    const conv2 = (m: string): ConvGeometry => convGeometry(graph, m);
    expect(conv2('layer3.0.conv2')).toEqual({ dilation: [1, 1], stride: [1, 1] });
    expect(conv2('layer3.1.conv2')).toEqual({ dilation: [2, 2], stride: [1, 1] });
    expect(conv2('layer4.0.conv2')).toEqual({ dilation: [2, 2], stride: [1, 1] });
    expect(conv2('layer4.2.conv2')).toEqual({ dilation: [4, 4], stride: [1, 1] });
  });
});

describe('deeplabv3-custom.ts: output stride 16, rates [6, 12, 18], 7 classes', () => {
  test('torchvision\'s names (deeplabv3_resnet50\'s but the classifier\'s 7 outputs), layer4 dilated, the rates in ASPP; one file runs at two sizes with out [N, 7, H, W]', async () => {
    const def = await loadModelFile(example('deeplabv3-custom.ts'));
    const { graph, stats } = summary(def);
    const zoo = stateOf(zooGraph('deeplabv3_resnet50')).map(([n, shape]): [string, number[]] => [n, n.startsWith('classifier.4.') ? [7, ...shape.slice(1)] : shape]);
    expect(stateOf(graph)).toEqual(zoo);
    expect(stats.outputs.map((o) => [o.name, o.shape])).toEqual([['out', ['N', 7, 'H', 'W']]]);
    const conv = (m: string): ConvGeometry => convGeometry(graph, m);
    expect(conv('backbone.layer3.0.conv2')).toEqual({ dilation: [1, 1], stride: [2, 2] });
    expect(conv('backbone.layer4.0.conv2')).toEqual({ dilation: [1, 1], stride: [1, 1] });
    expect(conv('backbone.layer4.2.conv2')).toEqual({ dilation: [2, 2], stride: [1, 1] });
    expect([1, 2, 3].map((i) => conv(`classifier.0.convs.${i}.0`).dilation[0])).toEqual([6, 12, 18]);
    const layer4 = graph.values.get(graph.nodes.filter((n) => n.module.startsWith('backbone.layer4.')).at(-1)!.outputs[0]!)!;
    expect(layer4.shape.slice(2).map((d) => formatDim(d))).toEqual(['⌈H/16⌉', '⌈W/16⌉']);
    const c = compile(def, { input: [3, 'H', 'W'], reference: [3, 64, 64] });
    const session = await createSession(toOnnxBytes(c.graph));
    for (const [h, w] of [[64, 96], [33, 50]] as const) {
      const y = await runFloat32(session, new Float32Array(3 * h * w).fill(0.5), [1, 3, h, w]);
      expect(y.dims).toEqual([1, 7, h, w]);
      expect(y.data.every(Number.isFinite)).toBe(true);
    }
    await session.release();
    expect(summary(def, { numClasses: 3 }).stats.outputs[0]!.shape).toEqual(['N', 3, 'H', 'W']);
  });
});

describe('resnext-and-wide.ts: two variants of one definition', () => {
  test('ResNeXt-50 32x4d 25,028,904 and Wide ResNet-50-2 68,883,240, with torchvision\'s names', async () => {
    const ns = await importTypeScriptModel(example('resnext-and-wide.ts'));
    const resnext = ns['resnext50_32x4d'];
    const wide = ns['wide_resnet50_2'];
    if (!isDefinedModel(resnext) || !isDefinedModel(wide)) throw new Error('both variants must be exported');
    expect(ns['default']).toBe(resnext);
    const r = summary(resnext);
    const w = summary(wide);
    expect(r.stats.params).toBe(25_028_904);
    expect(w.stats.params).toBe(68_883_240);
    expect(stateOf(r.graph)).toEqual(stateOf(zooGraph('resnext50_32x4d')));
    expect(stateOf(w.graph)).toEqual(stateOf(zooGraph('wide_resnet50_2')));
  });
  test('the command line reaches the named export as resnext-and-wide.ts#wide_resnet50_2', () => {
    const r = netforge(['summary', `${example('resnext-and-wide.ts')}#wide_resnet50_2`, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: 'wide_resnet50_2', params: 68_883_240 });
  });
});

describe('transfer-learning.ts', () => {
  test('the backbone is frozen, the new 37-class head is all that trains', async () => {
    const def = await loadModelFile(example('transfer-learning.ts'));
    const { graph, stats } = summary(def);
    expect(stats.output).toEqual(['N', 37]);
    expect(stats.trainableParams).toBe(2048 * 37 + 37);
    expect(stats.frozenParams).toBe(resnet50Backbone());
    const params = [...graph.params.values()].filter((p) => p.isParameter);
    expect(params.filter((p) => p.trainable).map((p) => p.name)).toEqual(['fc.weight', 'fc.bias']);
    expect(summary(def, { numClasses: 10 }).stats.trainableParams).toBe(2048 * 10 + 10);
  });
});

describe('cifar-resnet56.ts', () => {
  test('depth 56 verified, 853,018 params, the zoo\'s names; runs in onnxruntime', async () => {
    const def = await loadModelFile(example('cifar-resnet56.ts'));
    expect(expectationsFor(def, {}).depth).toBe(56);
    const { graph, stats } = summary(def);
    expect(stats.depth).toBe(56);
    expect(stats.mainPath).toEqual({ conv: 55, linear: 1 });
    expect(stats.params).toBe(853_018);
    expect(stateOf(graph)).toEqual(stateOf(zooGraph('cifar_resnet56')));
    const c = compile(def);
    const session = await createSession(toOnnxBytes(c.graph));
    const x = Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.cos(i * 0.11));
    const y = await runFloat32(session, x, [2, 3, 32, 32]);
    expect(y.dims).toEqual([2, 10]);
    expect(y.data.every(Number.isFinite)).toBe(true);
    await session.release();
  });
});

interface OracleModel {
  readonly params: number;
  readonly state: [string, number[]][];
  readonly output: number[];
}

describe.runIf(pythonHas().torch)('against PyTorch (test/examples/oracle.py)', () => {
  let oracle: Record<string, OracleModel> = {};
  beforeAll(() => {
    oracle = JSON.parse(runPython(readFileSync(join(here, 'oracle.py'), 'utf8'), ['se_resnet50', 'resnet50d'])) as Record<string, OracleModel>;
  });

  test('se-resnet50.ts: a user-defined SE bottleneck, the same params and state_dict as in PyTorch; runs in onnxruntime', async () => {
    const def = await loadModelFile(example('se-resnet50.ts'));
    const { graph, stats } = summary(def);
    const ref = oracle['se_resnet50']!;
    expect(ref.params).toBe(28_088_024);
    expect(stats.params).toBe(ref.params);
    // PyTorch registers `se` after `downsample`; we create it where it runs: same entries, another order
    const sorted = (s: [string, number[]][]): [string, number[]][] => [...s].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(sorted(stateOf(graph))).toEqual(sorted(ref.state));
    expect(JSON.parse(graph.meta.get('netforge.config')!)).toMatchObject({ block: 'SEBottleneck', reduction: 16 });
    const c = compile(def, { input: [3, 64, 64] });
    expect(c.stats.ops['Mul']).toBe(16);
    expect(c.stats.ops['Sigmoid']).toBe(16);
    const session = await createSession(toOnnxBytes(c.graph));
    const y = await runFloat32(session, Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.sin(i)), [1, 3, 64, 64]);
    expect(y.dims).toEqual(ref.output);
    await session.release();
  });

  test('resnet-d.ts: deep stem and average-pool shortcuts, the same params and state_dict as in PyTorch; runs in onnxruntime', async () => {
    const def = await loadModelFile(example('resnet-d.ts'));
    const { graph, stats } = summary(def);
    const ref = oracle['resnet50d']!;
    expect(ref.params).toBe(25_576_264);
    expect(stats.params).toBe(ref.params);
    expect(stateOf(graph)).toEqual(ref.state);
    expect(stats.depth).toBe(52);
    const pools = graph.nodes.filter((n) => n.op === 'AveragePool');
    expect(pools.map((n) => n.module)).toEqual(['layer2.0.downsample.0', 'layer3.0.downsample.0', 'layer4.0.downsample.0']);
    for (const p of pools) {
      if (p.op !== 'AveragePool') throw new Error('unreachable');
      expect(p.attrs).toMatchObject({ kernel: [2, 2], stride: [2, 2], ceilMode: true, countIncludePad: false });
    }
    // 1x1 shortcut convs no longer stride
    const projections = graph.nodes.filter((n) => n.op === 'Conv' && n.module.endsWith('downsample.1'));
    expect(projections.map((n) => (n.op === 'Conv' ? n.attrs.stride : null))).toEqual([[1, 1], [1, 1], [1, 1], [1, 1]]);
    // an odd size exercises ceil mode: at 200x200 layer4 gets 13x13, pooled to 7x7 (floor would give 6x6 and break the add)
    expect(summary(def, { input: [3, 200, 200] }).graph.values.get('layer4.0.downsample.0')!.shape).toEqual(['N', 1024, 7, 7]);
    const c = compile(def, { input: [3, 64, 64] });
    const session = await createSession(toOnnxBytes(c.graph));
    const y = await runFloat32(session, Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.sin(i)), [1, 3, 64, 64]);
    expect(y.dims).toEqual(ref.output);
    await session.release();
  });
});
