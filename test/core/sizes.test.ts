/**
 * Symbolic input sizes end to end, in CI (torchvision parity at many sizes is in the parity
 * suite): one compiled file runs at many sizes and its symbolic shapes are what
 * onnxruntime computes; the minimum size is exact; onnx's own checker and strict shape
 * inference agree with netforge's value_info; fixed-size and symbolic compiles of the same
 * model give the same numbers; bad declarations are coded errors at the user's line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import { ZOO } from '../../src/zoo/index.js';
import { toOnnxBytes, writeOnnx } from '../../src/backends/onnx/serialize.js';
import { createSession, releaseSession, runFloat32All } from '../../src/backends/ort/session.js';
import { evalDim } from '../../src/ir/dim.js';
import { NetforgeError } from '../../src/errors.js';
import { avgPool2d, basicBlock, bottleneck, conv2d, defineModel, makeLayer, maxPool2d, relu, scope, type Tensor } from '../../src/dsl/index.js';
import { PYTHON, pythonHas } from '../helpers/python.js';
import { netforge } from '../helpers/cli.js';
import { modelProject, positionOf } from '../modelFiles/project.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-sizes-'));
const seeded = (n: number, seed: number): Float32Array => {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.7 + seed);
  return x;
};

/** Run a compiled graph at [batch, C, h, w]; every output. */
async function runAt(bytes: Uint8Array, c: number, h: number, w: number, batch = 1) {
  const s = await createSession(bytes);
  try {
    return await runFloat32All(s, seeded(batch * c * h * w, h * 31 + w), [batch, c, h, w]);
  } finally {
    await releaseSession(s);
  }
}

describe('one symbolic file, many sizes', () => {
  test('every CIFAR ResNet (option A: strided Slice + channel Pad proven equal to the main path) equals its fixed-size compile at 32x32, 17x45 and 1x2', async () => {
    for (const name of ['cifar_resnet20', 'cifar_resnet32', 'cifar_resnet44', 'cifar_resnet56', 'cifar_resnet110']) {
      const symbolic = compile(ZOO.get(name)!, { input: [3, 'H', 'W'], seed: 5, randomizeBatchNorm: true });
      expect(symbolic.source.sizes).toEqual({ H: { reference: 32, multipleOf: 1, min: 1 }, W: { reference: 32, multipleOf: 1, min: 1 } });
      const bytes = toOnnxBytes(symbolic.graph);
      for (const [h, w] of [[32, 32], [17, 45], [1, 2]] as const) {
        const fixed = compile(ZOO.get(name)!, { input: [3, h, w], seed: 5, randomizeBatchNorm: true });
        const [a] = await runAt(bytes, 3, h, w);
        const [b] = await runAt(toOnnxBytes(fixed.graph), 3, h, w);
        expect(a!.dims).toEqual([1, 10]);
        expect(Array.from(a!.data)).toEqual(Array.from(b!.data));
      }
    }
  });

  test('resnet18 backbone with three outputs: shapes evaluated from the symbolic value_info are what onnxruntime produces', async () => {
    const c = compile(ZOO.get('resnet18')!, { input: [3, 'H', 'W'], outputs: [{ module: 'layer2' }, { module: 'layer3' }, { module: 'layer4', name: 'out' }] });
    expect(c.graph.outputs).toEqual(['layer2', 'layer3', 'out']);
    expect([...c.graph.params.keys()].some((k) => k.startsWith('fc.'))).toBe(false);
    const bytes = toOnnxBytes(c.graph);
    for (const [h, w] of [[224, 224], [97, 131], [320, 480], [2, 3]] as const) {
      const ys = await runAt(bytes, 3, h, w, 2);
      for (const y of ys) {
        const declared = c.graph.values.get(y.name)!.shape.map((d) => evalDim(d, { N: 2, H: h, W: w }));
        expect(y.dims).toEqual(declared);
      }
    }
  });

  test('--num-classes 0: the pooled features, like timm', () => {
    const c = compile(ZOO.get('resnet50')!, { numClasses: 0, input: [3, 'H', 'W'] });
    expect(c.graph.outputs).toEqual(['features']);
    expect(c.stats.output).toEqual(['N', 2048]);
    expect(c.source.params).toBe(25_557_032 - 2_049_000);
    expect(c.source.mainPath).toEqual({ conv: 49, linear: 0 });
  });

  test('float16 keeps symbolic sizes; --check runs at the reference and at an odd, non-square size', () => {
    const r = netforge(['compile', 'cifar_resnet20', '--input-size', '3,H,W', '--dtype', 'float16', '--check', '-o', join(dir, 'c16.onnx')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('input    [2, 3, 32, 32]');
    expect(r.stdout).toContain('input    [2, 3, 15, 19]');
    expect(r.stdout.match(/: ok$/gm)).toHaveLength(2);
  });
});

// --- property: random ResNet-like networks x random sizes --------------------------------

type Layer =
  | { readonly kind: 'conv'; readonly k: number; readonly s: number; readonly p: number; readonly d: number; readonly c: number }
  | { readonly kind: 'maxpool' | 'avgpool'; readonly k: number; readonly s: number; readonly p: number }
  | { readonly kind: 'stage'; readonly block: 'basic' | 'bottleneck'; readonly blocks: number; readonly s: number; readonly planes: number };

const layerArb: fc.Arbitrary<Layer> = fc.oneof(
  fc.record({ kind: fc.constant('conv' as const), k: fc.constantFrom(1, 3, 5), s: fc.constantFrom(1, 2), p: fc.integer({ min: 0, max: 2 }), d: fc.constantFrom(1, 2), c: fc.constantFrom(4, 8) }),
  fc.record({ kind: fc.constantFrom('maxpool' as const, 'avgpool' as const), k: fc.constantFrom(2, 3), s: fc.constantFrom(1, 2), p: fc.constantFrom(0, 1) }),
  fc.record({ kind: fc.constant('stage' as const), block: fc.constantFrom('basic' as const, 'bottleneck' as const), blocks: fc.integer({ min: 1, max: 2 }), s: fc.constantFrom(1, 2), planes: fc.constantFrom(2, 4) }),
);

function network(layers: readonly Layer[]) {
  return defineModel({
    name: 'random',
    input: [3, 'H', 'W'],
    reference: [3, 64, 64],
    build: (x) => {
      const outs: Record<string, Tensor> = {};
      let y = x;
      layers.forEach((l, i) => {
        if (l.kind === 'conv') y = relu(conv2d(y, { name: `conv${i}`, outChannels: l.c, kernel: l.k, stride: l.s, padding: Math.min(l.p, Math.floor((l.d * (l.k - 1)) / 2)), dilation: l.d }));
        else if (l.kind === 'maxpool') y = maxPool2d(y, { name: `pool${i}`, kernel: l.k, stride: l.s, padding: Math.min(l.p, Math.floor(l.k / 2)) });
        else if (l.kind === 'avgpool') y = avgPool2d(y, { name: `pool${i}`, kernel: l.k, stride: l.s, padding: Math.min(l.p, Math.floor(l.k / 2)) });
        else if (l.kind === 'stage') y = scope(`stage${i}`, () => makeLayer(y, { block: l.block === 'basic' ? basicBlock : bottleneck, planes: l.planes, blocks: l.blocks, stride: l.s })).out;
        outs[`out${i}`] = y;
      });
      return outs;
    },
  });
}

describe('property: random ResNet-like networks at random sizes', () => {
  test('symbolic shapes evaluated at the size are what onnxruntime produces; the minimum size is exact (one pixel less fails)', async () => {
    let aboveOne = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(layerArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), async (layers, dh, dw) => {
        const def = network(layers);
        const c = compile(def, {});
        const { H, W } = c.source.sizes;
        expect(H!.min).toBeDefined();
        const h = H!.min! + dh;
        const w = W!.min! + dw;
        const ys = await runAt(toOnnxBytes(c.graph), 3, h, w);
        for (const y of ys) expect(y.dims).toEqual(c.graph.values.get(y.name)!.shape.map((d) => evalDim(d, { N: 1, H: h, W: w })));
        // exact: at the minimum a fixed-size compile works, one pixel less it fails at a named layer
        expect(() => compile(def, { input: [3, H!.min!, W!.min!] })).not.toThrow();
        if (H!.min! > 1) {
          aboveOne++;
          let err: unknown;
          try {
            compile(def, { input: [3, H!.min! - 1, W!.min!] });
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(NetforgeError);
          expect((err as NetforgeError).code).toBe('E_SHAPE_EMPTY');
          expect((err as NetforgeError).modulePath).toBeTruthy();
        }
      }),
      { seed: 42, numRuns: 25 },
    );
    // the networks really exercise minimums above one pixel (unpadded convs and pools)
    expect(aboveOne).toBeGreaterThanOrEqual(5);
  }, 120_000);
});

// --- onnx's own view of the symbolic files ---------------------------------------------

const CHECK = `
import json, sys, onnx
from onnx import shape_inference
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
dims = lambda vi: [d.dim_value if d.HasField('dim_value') else (d.dim_param if d.HasField('dim_param') else None) for d in vi.type.tensor_type.shape.dim]
ours = {vi.name: dims(vi) for vi in list(m.graph.value_info) + list(m.graph.output)}
bare = onnx.ModelProto(); bare.CopyFrom(m); del bare.graph.value_info[:]
inferred = shape_inference.infer_shapes(bare, check_type=True, strict_mode=True)
out = {'values': 0, 'numbers': 0, 'names': 0, 'unknown': 0, 'disagree': []}
for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
    if vi.name not in ours: continue
    out['values'] += 1
    for a, b in zip(dims(vi), ours[vi.name]):
        if a is None or (isinstance(a, str) and a.startswith('unk__')): out['unknown'] += 1; continue
        out['numbers' if isinstance(a, int) else 'names'] += 1
        if a != b: out['disagree'].append([vi.name, a, b])
shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
print(json.dumps(out))
`;

const py = pythonHas();
describe.skipIf(!py.onnx)('onnx.checker and strict shape inference on symbolic models', () => {
  const cases: [string, Parameters<typeof compile>[1]][] = [
    ['resnet18_HW', { input: [3, 'H', 'W'] }],
    ['resnet50_os8_layers', { input: [3, 'H', 'W'], replaceStrideWithDilation: [false, true, true], outputs: ['layer1', 'layer2', 'layer3', 'layer4'].map((module) => ({ module })) }],
    ['cifar_resnet20_HW', { input: [3, 'H', 'W'] }],
  ];
  for (const [name, o] of cases) {
    test(`${name}: full_check passes; every dim onnx infers equals netforge's (numbers and N/H/W), the rest it leaves unknown; strict inference with netforge's value_info passes`, () => {
      const model = name.startsWith('cifar') ? 'cifar_resnet20' : name.startsWith('resnet18') ? 'resnet18' : 'resnet50';
      const path = join(dir, `${name}.onnx`);
      writeOnnx(path, compile(ZOO.get(model)!, o).graph);
      const r = spawnSync(PYTHON, ['-c', CHECK, path], { encoding: 'utf8', timeout: 300_000 });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { values: number; numbers: number; names: number; unknown: number; disagree: unknown[] };
      expect(out.disagree).toEqual([]);
      expect(out.values).toBeGreaterThan(20);
      expect(out.numbers).toBeGreaterThan(0);
      expect(out.names).toBeGreaterThan(0);
    }, 300_000);
  }
});

// --- bad declarations ----------------------------------------------------------------

describe('bad symbolic declarations: coded errors at the user\'s line, nothing written', () => {
  const cases: { readonly name: string; readonly code: string; readonly body: string; readonly at: string; readonly args?: readonly string[]; readonly exit?: number }[] = [
    {
      name: 'a record holding something that is not a tensor',
      code: 'E_BAD_OUTPUT',
      body: `export default defineModel({\n  name: 'm',\n  input: [3, 'H', 'W'],\n  reference: [3, 32, 32],\n  build: (x) => ({ a: conv2d(x, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }), b: 42 as unknown as Tensor }),\n});\n`,
      at: 'defineModel(',
    },
    {
      name: 'an output named like the input',
      code: 'E_BAD_OUTPUT',
      body: `export default defineModel({\n  name: 'm',\n  input: [3, 32, 32],\n  build: (x) => ({ input: conv2d(x, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }) }),\n});\n`,
      at: 'defineModel(',
    },
    {
      name: "'N' used as a size: it is the batch's",
      code: 'E_INPUT_SPEC',
      body: `export default defineModel({\n  name: 'm',\n  input: [3, 'N', 'W'],\n  reference: [3, 32, 32],\n  build: (x) => conv2d(x, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }),\n});\n`,
      at: 'defineModel(',
    },
    {
      name: 'one symbol with two reference sizes (two meanings)',
      code: 'E_INPUT_SPEC',
      body: `export default defineModel({\n  name: 'm',\n  input: [3, 'S', 'S'],\n  reference: [3, 32, 48],\n  build: (x) => conv2d(x, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }),\n});\n`,
      at: 'defineModel(',
    },
    {
      name: 'a symbolic input without a reference size',
      code: 'E_INPUT_SPEC',
      body: `export default defineModel({\n  name: 'm',\n  input: [3, 'H', 'W'],\n  build: (x) => conv2d(x, { name: 'c', outChannels: 4, kernel: 3, padding: 1 }),\n});\n`,
      at: 'defineModel(',
    },
    {
      name: 'branches that agree only when H is even: the condition, at the add',
      code: 'E_SHAPE_MISMATCH',
      body: `export default defineModel({\n  name: 'm',\n  input: [3, 'H', 'W'],\n  reference: [3, 32, 32],\n  build: (x) => {\n    const a = conv2d(x, { name: 'a', outChannels: 4, kernel: 3, stride: 2, padding: 1 });\n    const b = conv2d(x, { name: 'b', outChannels: 4, kernel: 2, stride: 2 });\n    return add(a, b);\n  },\n});\n`,
      at: 'add(a, b)',
    },
    {
      name: 'a concrete size below the minimum: the layer that collapses',
      code: 'E_SHAPE_EMPTY',
      body: `export default defineModel({\n  name: 'm',\n  input: [3, 'H', 'W'],\n  reference: [3, 32, 32],\n  build: (x) => conv2d(conv2d(x, { name: 'a', outChannels: 4, kernel: 5 }), { name: 'b', outChannels: 4, kernel: 5 }),\n});\n`,
      at: "conv2d(x, { name: 'a'",
      args: ['--input-size', '3,8,8'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const text = `import { add, conv2d, defineModel, type Tensor } from 'netforge';\n\n${c.body}`;
      const p = modelProject({ 'm.ts': text });
      try {
        const r = netforge(['compile', 'm.ts', '-o', 'm.onnx', ...(c.args ?? [])], { cwd: p.dir });
        expect(r.code).toBe(c.exit ?? 1);
        expect(r.stderr).toMatch(new RegExp(`^error\\[${c.code}\\]`));
        const at = positionOf(text, c.at);
        if (c.code !== 'E_SHAPE_EMPTY') expect(r.stderr).toContain(`m.ts:${at.line}:`);
        expect(r.stderr).not.toMatch(/internal error|    at /);
        expect(existsSync(p.path('m.onnx'))).toBe(false);
        if (c.name.startsWith('branches')) expect(r.stderr).toContain('equal only when H is even');
        if (c.code === 'E_SHAPE_EMPTY') expect(r.stderr).toMatch(/in b\b/);
      } finally {
        p.remove();
      }
    });
  }

  test('a multiple declared on the input proves what "H even" could not', () => {
    const text = `import { add, conv2d, defineModel } from 'netforge';\n\nexport default defineModel({\n  name: 'm',\n  input: [3, 'H', 'W'],\n  reference: [3, 32, 32],\n  dims: { H: { multipleOf: 2 }, W: { multipleOf: 2 } },\n  build: (x) => add(conv2d(x, { name: 'a', outChannels: 4, kernel: 3, stride: 2, padding: 1 }), conv2d(x, { name: 'b', outChannels: 4, kernel: 2, stride: 2 })),\n});\n`;
    const p = modelProject({ 'm.ts': text });
    try {
      const r = netforge(['compile', 'm.ts', '-o', 'm.onnx'], { cwd: p.dir });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('H, W multiples of 2, >= 2');
    } finally {
      p.remove();
    }
  });

  test('--outputs: a module named twice is a usage error; an unknown one lists the nearest', () => {
    const twice = netforge(['compile', 'resnet18', '--outputs', 'layer2,layer2=x', '-o', join(dir, 'x.onnx')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('names module layer2 twice');
    const unknown = netforge(['compile', 'resnet18', '--outputs', 'layer5', '-o', join(dir, 'x.onnx')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error\[E_UNKNOWN_MODULE\]: resnet18 has no module layer5\n {2}help: the nearest module paths: layer1, layer2, layer3, layer4/);
    // a segmentation model keeps its stages under backbone: the path that ends in the name comes first
    const seg = netforge(['compile', 'fcn_resnet50', '--outputs', 'layer3', '-o', join(dir, 'x.onnx')]);
    expect(seg.stderr).toMatch(/help: the nearest module paths: backbone\.layer3,/);
    const dup = netforge(['compile', 'resnet18', '--outputs', 'layer2=a,layer3=a', '-o', join(dir, 'x.onnx')]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('error[E_OUTPUT_NAME]: two outputs are named a');
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
  });

  test('--input-size with a malformed size name is a usage error', () => {
    const r = netforge(['summary', 'resnet18', '--input-size', '3,H-1,W']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--input-size expects');
  });
});
