/** The ONNX backend end to end: structure, metadata, determinism, onnx.checker, onnxruntime. */
import { beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZOO } from '../../src/zoo/index.js';
import { compile } from '../../src/compile.js';
import { toOnnxBytes, writeOnnx } from '../../src/backends/onnx/serialize.js';
import { createSession, runFloat32 } from '../../src/backends/ort/session.js';
import { fillNormal, rngFor } from '../../src/ir/random.js';
import { dimsOf, graphOf, metaOf, opCounts, readModel } from '../helpers/onnx.js';
import { pythonHas, runPython } from '../helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-onnx-'));
const r50 = join(dir, 'resnet50.onnx');

beforeAll(() => {
  writeOnnx(r50, compile(ZOO.get('resnet50')!, { seed: 1 }).graph);
});

describe('resnet50.onnx', () => {
  test('op counts are exactly those of the architecture (no Identity, nothing else)', () => {
    const m = readModel(r50);
    const ops = opCounts(m);
    const bn = ops['BatchNormalization'] ?? 0;
    expect(bn === 0 || bn === 53).toBe(true);
    delete ops['BatchNormalization'];
    expect(ops).toEqual({ Conv: 53, Relu: 49, Add: 16, MaxPool: 1, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
  });
  test('I/O, value_info, initializers, names, metadata', () => {
    const m = readModel(r50);
    const g = graphOf(m);
    expect(Number(m.opsetImport[0]!.version)).toBe(17);
    expect(Number(m.irVersion)).toBe(8);
    expect(g.input.map((i) => i.name)).toEqual(['input']);
    expect(g.output.map((i) => i.name)).toEqual(['logits']);
    expect(dimsOf(g.input[0]!)).toEqual(['N', 3, 224, 224]);
    expect(dimsOf(g.output[0]!)).toEqual(['N', 1000]);
    // every intermediate has a value_info with a shape
    const produced = g.node.flatMap((n) => n.output).filter((o) => o !== 'logits');
    expect(new Set(g.valueInfo.map((v) => v.name))).toEqual(new Set(produced));
    // initializers are state_dict names and never graph inputs
    const inits = new Set(g.initializer.map((t) => t.name));
    expect(inits.has('conv1.weight')).toBe(true);
    expect(inits.has('layer1.0.downsample.0.weight')).toBe(true);
    expect(inits.has('fc.bias')).toBe(true);
    expect(g.input.some((i) => inits.has(i.name))).toBe(false);
    // node names are module paths
    expect(g.node.map((n) => n.name)).toContain('layer3.2.conv2');
    const meta = metaOf(m);
    expect(meta['netforge.version']).toBe('0.1.0');
    expect(JSON.parse(meta['netforge.preprocessing']!).mean).toEqual([0.485, 0.456, 0.406]);
    expect(JSON.parse(meta['netforge.config']!).layers).toEqual([3, 4, 6, 3]);
    expect(meta['netforge.params']).toBe('25557032');
  });
  test('same inputs give a byte-identical file; another seed does not', () => {
    const a = readFileSync(r50);
    const b = toOnnxBytes(compile(ZOO.get('resnet50')!, { seed: 1 }).graph);
    const c = toOnnxBytes(compile(ZOO.get('resnet50')!, { seed: 2 }).graph);
    expect(Buffer.compare(a, Buffer.from(b))).toBe(0);
    expect(Buffer.compare(a, Buffer.from(c))).not.toBe(0);
  });
  test.runIf(pythonHas().onnx)('passes onnx.checker.check_model(full_check=True)', () => {
    const out = runPython('import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print("ok", len(m.graph.node))', [r50]);
    expect(out.trim()).toMatch(/^ok \d+$/);
  });
  test('runs in onnxruntime at batch 1, 2 and 7 with output [N, 1000]', async () => {
    const s = await createSession(r50);
    const outs: Float32Array[] = [];
    for (const n of [1, 2, 7]) {
      const x = new Float32Array(n * 3 * 224 * 224);
      fillNormal(x, 1, rngFor(0, 'input'));
      const y = await runFloat32(s, x, [n, 3, 224, 224]);
      expect(y.dims).toEqual([n, 1000]);
      expect(y.data.every(Number.isFinite)).toBe(true);
      outs.push(y.data);
    }
    // the first sample is the same input in every batch: batching must not change it
    for (const o of outs.slice(1)) for (let i = 0; i < 1000; i++) expect(Math.abs(o[i]! - outs[0]![i]!)).toBeLessThan(1e-3 * (1 + Math.abs(outs[0]![i]!)));
  });
});

describe('every zoo model emits ONNX that onnxruntime runs', () => {
  for (const name of ZOO.keys()) {
    test(name, async () => {
      const def = ZOO.get(name)!;
      const input = name.startsWith('cifar') ? [3, 32, 32] : [3, 64, 64];
      const c = compile(def, { input });
      const s = await createSession(toOnnxBytes(c.graph));
      const x = new Float32Array(2 * input.reduce((a, b) => a * b, 1));
      fillNormal(x, 1, rngFor(0, 'x'));
      const y = await runFloat32(s, x, [2, ...input]);
      expect(y.dims).toEqual(def.auxHead !== undefined ? [2, 21, 64, 64] : [2, name.startsWith('cifar') ? 10 : 1000]);
      expect(y.data.every(Number.isFinite)).toBe(true);
    });
  }
});

// Debian's onnx 1.12 checks up to opset 17 / IR 8; newer opsets are checked by running them.
test.runIf(pythonHas().onnx)('opsets 11 and 13 pass the checker too, with a Pad/Slice model', () => {
  for (const opset of [11, 13]) {
    const p = join(dir, `cifar-${opset}.onnx`);
    writeOnnx(p, compile(ZOO.get('cifar_resnet20')!).graph, { opset });
    expect(runPython('import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.ir_version)', [p]).trim()).toBe(opset === 11 ? '6' : '7');
  }
});

test('opsets 11 to 21 all run in onnxruntime with the same outputs', async () => {
  const g = compile(ZOO.get('cifar_resnet20')!).graph;
  const x = new Float32Array(3 * 32 * 32);
  fillNormal(x, 1, rngFor(0, 'x'));
  let ref: Float32Array | undefined;
  for (const opset of [11, 13, 17, 18, 21]) {
    const y = await runFloat32(await createSession(toOnnxBytes(g, { opset })), x, [1, 3, 32, 32]);
    ref ??= y.data;
    expect(Array.from(y.data)).toEqual(Array.from(ref));
  }
});
