import { describe, expect, test } from 'vitest';
import type { Graph, Param } from '../ir/types.js';
import { verifyGraph } from '../ir/verify.js';
import { buildGraph } from '../dsl/builder.js';
import { add, batchNorm2d, conv2d, flatten, linear, relu } from '../dsl/layers.js';
import { NetforgeError } from '../errors.js';
import { initParams } from './initParams.js';
import { randomizeBatchNorm } from './randomizeBatchNorm.js';
import { FOLDED_BATCHNORM_META, foldBatchNorm, scaleRows } from './foldBatchNorm.js';

/** conv (no bias) -> bn -> relu -> head, with random BN statistics. */
function toy(o: { bias?: boolean; eps?: number } = {}): Graph {
  const g = buildGraph({ name: 'toy', input: [3, 6, 6] }, (x) => {
    let y = conv2d(x, { name: 'conv1', outChannels: 4, kernel: 3, padding: 1, bias: o.bias ?? false });
    y = relu(batchNorm2d(y, { name: 'bn1', ...(o.eps !== undefined ? { eps: o.eps } : {}) }));
    return linear(flatten(y), { name: 'fc', outFeatures: 2 });
  });
  return randomizeBatchNorm(initParams(g, 1), 2);
}

function withParam(g: Graph, name: string, values: readonly number[]): Graph {
  const params = new Map(g.params);
  params.set(name, { ...g.params.get(name)!, data: Float32Array.from(values) });
  return { ...g, params };
}

const data = (g: Graph, name: string): Float32Array => g.params.get(name)!.data as Float32Array;

function notesOf(g: Graph): { out: Graph; notes: string[] } {
  const notes: string[] = [];
  return { out: foldBatchNorm(g, { note: (l) => notes.push(l) }), notes };
}

function codeOf(f: () => unknown): { code: string; modulePath: string | undefined } {
  try {
    f();
  } catch (e) {
    if (e instanceof NetforgeError) return { code: e.code, modulePath: e.modulePath };
    throw e;
  }
  throw new Error('expected a NetforgeError');
}

/** The fold, written out per element in float64 (independently of the pass's loops); eps as ONNX stores it (float32). */
function expected(g: Graph, eps64: number, convBias?: string): { w: number[]; b: number[] } {
  const eps = Math.fround(eps64);
  const w = data(g, 'conv1.weight');
  const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => data(g, `bn1.${k}`)) as Float32Array[];
  const per = w.length / gamma!.length;
  return {
    w: Array.from(w, (v, i) => Math.fround((v * gamma![Math.floor(i / per)]!) / Math.sqrt(variance![Math.floor(i / per)]! + eps))),
    b: Array.from(gamma!, (gm, c) => Math.fround((((convBias ? data(g, convBias)[c]! : 0) - mean![c]!) * gm) / Math.sqrt(variance![c]! + eps) + beta![c]!)),
  };
}

describe('fold-batchnorm', () => {
  test('folds conv -> bn: W\' = W*s, b\' = (0 - mean)*s + beta, new bias param, BN gone', () => {
    const g = toy();
    const { out, notes } = notesOf(g);
    expect(out).not.toBe(g);
    expect(verifyGraph(out)).toEqual([]);
    expect(out.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'Flatten', 'Gemm']);
    const conv = out.nodes[0]!;
    expect(conv.name).toBe('conv1');
    expect(conv.params).toEqual(['conv1.weight', 'conv1.bias']);
    expect(out.nodes[1]!.inputs).toEqual([conv.outputs[0]]);
    expect(conv.outputs).toEqual(g.nodes[0]!.outputs);
    expect(out.values.has('bn1')).toBe(false);
    expect([...out.params.keys()]).toEqual(['conv1.weight', 'conv1.bias', 'fc.weight', 'fc.bias']);
    const bias = out.params.get('conv1.bias')!;
    expect(bias).toMatchObject({ role: 'bias', isParameter: true, trainable: true, dtype: 'float32', shape: [4] });
    const e = expected(g, 1e-5);
    expect(Array.from(data(out, 'conv1.weight'))).toEqual(e.w);
    expect(Array.from(data(out, 'conv1.bias'))).toEqual(e.b);
    expect(JSON.parse(out.meta.get(FOLDED_BATCHNORM_META)!)).toEqual([{ bn: 'bn1', conv: 'conv1' }]);
    expect(notes).toEqual(['folded bn1 into conv1']);
  });

  test('a conv that already has a bias: b\' = (b - mean)*s + beta, same param name', () => {
    const g = toy({ bias: true });
    const out = foldBatchNorm(g);
    expect(out.nodes[0]!.params).toEqual(['conv1.weight', 'conv1.bias']);
    const e = expected(g, 1e-5, 'conv1.bias');
    expect(Array.from(data(out, 'conv1.bias'))).toEqual(e.b);
    expect(Array.from(data(out, 'conv1.weight'))).toEqual(e.w);
  });

  test('uses each BN\'s own eps', () => {
    const g = toy({ eps: 0.25 });
    const e = expected(g, 0.25);
    expect(Array.from(data(foldBatchNorm(g), 'conv1.weight'))).toEqual(e.w);
    expect(expected(g, 1e-5).w).not.toEqual(e.w);
  });

  test('is pure: the input graph and its arrays are untouched', () => {
    const g = toy({ bias: true });
    const before = new Map([...g.params].map(([k, p]) => [k, Float32Array.from(p.data as Float32Array)]));
    const paramsBefore = new Map<string, Param>(g.params);
    const nodesBefore = g.nodes;
    const out = foldBatchNorm(g);
    for (const [k, p] of g.params) expect(p.data).toEqual(before.get(k));
    expect(g.nodes).toBe(nodesBefore);
    expect([...g.params.entries()]).toEqual([...paramsBefore.entries()]);
    expect(out.params.get('conv1.weight')!.data).not.toBe(g.params.get('conv1.weight')!.data);
    expect(out.params.get('fc.weight')).toBe(g.params.get('fc.weight'));
  });

  test('is idempotent: a second run returns the same object', () => {
    const out = foldBatchNorm(toy());
    expect(foldBatchNorm(out)).toBe(out);
    const none = buildGraph({ name: 'n', input: [3, 4, 4] }, (x) => relu(conv2d(x, { name: 'c', outChannels: 2, kernel: 1 })));
    expect(foldBatchNorm(none)).toBe(none);
  });

  test('BN after BN folds in one run; the record lists both', () => {
    const g0 = buildGraph({ name: 'bb', input: [2, 4, 4] }, (x) => {
      const y = batchNorm2d(batchNorm2d(conv2d(x, { name: 'conv', outChannels: 3, kernel: 1, bias: false }), { name: 'bn_a' }), { name: 'bn_b' });
      return relu(y);
    });
    const g = randomizeBatchNorm(initParams(g0, 0), 5);
    const out = foldBatchNorm(g);
    expect(out.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu']);
    expect(JSON.parse(out.meta.get(FOLDED_BATCHNORM_META)!)).toEqual([
      { bn: 'bn_a', conv: 'conv' },
      { bn: 'bn_b', conv: 'conv' },
    ]);
    expect(foldBatchNorm(out)).toBe(out);
    expect(verifyGraph(out)).toEqual([]);
  });

  test('a BN that is the graph output: the conv takes the output name', () => {
    const g0 = buildGraph({ name: 'o', input: [2, 4, 4], outputName: 'features' }, (x) =>
      batchNorm2d(conv2d(relu(x), { name: 'conv', outChannels: 3, kernel: 1, bias: false }), { name: 'bn' }),
    );
    const out = foldBatchNorm(initParams(g0, 0));
    expect(out.outputs).toEqual(['features']);
    expect(out.nodes.map((n) => `${n.op}:${n.outputs[0]}`)).toEqual(['Relu:relu', 'Conv:features']);
    expect(out.values.has('conv')).toBe(false);
    expect(verifyGraph(out)).toEqual([]);
  });

  test('leaves BN after ReLU (and after a non-conv) alone, with a note', () => {
    const g0 = buildGraph({ name: 'r', input: [2, 4, 4] }, (x) => {
      const y = relu(conv2d(x, { name: 'conv', outChannels: 3, kernel: 1 }));
      return batchNorm2d(y, { name: 'bn' });
    });
    const g = initParams(g0, 0);
    const { out, notes } = notesOf(g);
    expect(out).toBe(g);
    expect(notes).toEqual(['kept bn: its input comes from Relu relu, not a Conv']);
  });

  test('leaves BN alone when the conv output has another reader', () => {
    const g0 = buildGraph({ name: 't', input: [3, 4, 4] }, (x) => {
      const c = conv2d(x, { name: 'conv', outChannels: 3, kernel: 1, bias: false });
      return add(batchNorm2d(c, { name: 'bn' }), relu(c));
    });
    const g = initParams(g0, 0);
    const { out, notes } = notesOf(g);
    expect(out).toBe(g);
    expect(notes).toEqual(['kept bn: the output of conv is also used elsewhere']);
  });

  test('leaves BN alone when the conv weight is shared (reuse: true)', () => {
    const g0 = buildGraph({ name: 's', input: [3, 4, 4] }, (x) => {
      const a = batchNorm2d(conv2d(x, { name: 'conv', outChannels: 3, kernel: 1, bias: false }), { name: 'bn' });
      const b = conv2d(a, { name: 'conv', outChannels: 3, kernel: 1, bias: false, reuse: true });
      return relu(b);
    });
    const g = initParams(g0, 0);
    const { out, notes } = notesOf(g);
    expect(out).toBe(g);
    expect(notes).toEqual(['kept bn: conv shares its weights with another layer']);
  });

  test('refuses var + eps <= 0 with E_FOLD_INVALID naming the BN', () => {
    const g = withParam(toy(), 'bn1.running_var', [1, -1, 1, 1]);
    expect(codeOf(() => foldBatchNorm(g))).toEqual({ code: 'E_FOLD_INVALID', modulePath: 'bn1' });
    // -1e-5 + 1e-5 is exactly 0 in float32, as onnxruntime and PyTorch compute it
    const zero = withParam(toy(), 'bn1.running_var', [1, 1, 1, -1e-5]);
    expect(codeOf(() => foldBatchNorm(zero)).code).toBe('E_FOLD_INVALID');
    const nan = withParam(toy(), 'bn1.running_var', [1, NaN, 1, 1]);
    expect(codeOf(() => foldBatchNorm(nan)).code).toBe('E_FOLD_INVALID');
  });

  test('refuses a non-finite result (float32 overflow, NaN weight)', () => {
    const big = withParam(toy(), 'bn1.weight', [1, 1e38, 1, 1]);
    expect(codeOf(() => foldBatchNorm(withParam(big, 'bn1.running_var', [1, 1e-3, 1, 1])))).toEqual({ code: 'E_FOLD_INVALID', modulePath: 'bn1' });
    const g = toy();
    const w = Float32Array.from(data(g, 'conv1.weight'));
    w[5] = NaN;
    expect(codeOf(() => foldBatchNorm(withParam(g, 'conv1.weight', Array.from(w)))).code).toBe('E_FOLD_INVALID');
    expect(codeOf(() => foldBatchNorm(withParam(g, 'bn1.bias', [0, 0, Infinity, 0]))).code).toBe('E_FOLD_INVALID');
  });

  test('needs param data (runs after init-params)', () => {
    const g0 = buildGraph({ name: 'u', input: [3, 4, 4] }, (x) => relu(batchNorm2d(conv2d(x, { name: 'c', outChannels: 2, kernel: 1 }), { name: 'bn' })));
    expect(codeOf(() => foldBatchNorm(g0)).code).toBe('E_FOLD_NO_DATA');
  });

  test('extreme but valid statistics fold to finite values (var 1e5 and 1e-8)', () => {
    for (const v of [1e5, 1e-8]) {
      const out = foldBatchNorm(withParam(toy(), 'bn1.running_var', [v, v, v, v]));
      expect(data(out, 'conv1.weight').every(Number.isFinite)).toBe(true);
    }
  });
});

describe('scaleRows (the fold\'s inner loop)', () => {
  test('scales each row by its float64 factor, rounded once to float32 (unrolled part and remainder)', () => {
    for (const per of [1, 3, 4, 7, 9]) {
      const src = Float32Array.from({ length: 3 * per }, (_, i) => (i % 5) - 2.3 + i / 7);
      const scale = Float64Array.from([0.1, 1 / 3, 7.25]);
      const out = new Float32Array(src.length);
      expect(scaleRows(src, scale, out)).toBe(-1);
      expect(Array.from(out)).toEqual(Array.from(src, (v, i) => Math.fround(v * scale[Math.floor(i / per)]!)));
    }
  });
  test('returns the index of the first non-finite result: NaN input, float32 overflow, in either loop', () => {
    const out = new Float32Array(10);
    const ones = new Float64Array(2).fill(1);
    const src = (i: number, v: number): Float32Array => {
      const a = new Float32Array(10).fill(1);
      a[i] = v;
      return a;
    };
    expect(scaleRows(src(1, NaN), ones, out)).toBe(1);
    expect(scaleRows(src(4, NaN), ones, out)).toBe(4);
    expect(scaleRows(src(9, 3e38), Float64Array.from([1, 10]), out)).toBe(9);
    expect(scaleRows(src(2, -Infinity), ones, out)).toBe(2);
  });
});

describe('fold-batchnorm with caller-owned arrays', () => {
  test('scales reusable weights in place and gives the same values as a copy', () => {
    const g = toy();
    const w = data(g, 'conv1.weight');
    const before = Float32Array.from(w);
    const copied = foldBatchNorm(g);
    expect(Array.from(w)).toEqual(Array.from(before)); // the pure form leaves its input alone
    const inPlace = foldBatchNorm(g, undefined, { reusable: (a) => a === w });
    expect(data(inPlace, 'conv1.weight')).toBe(w);
    expect(Array.from(w)).toEqual(Array.from(data(copied, 'conv1.weight')));
  });
  test('arrays the caller does not offer are never written', () => {
    const g = toy();
    const w = data(g, 'conv1.weight');
    const before = Float32Array.from(w);
    const out = foldBatchNorm(g, undefined, { reusable: () => false });
    expect(data(out, 'conv1.weight')).not.toBe(w);
    expect(Array.from(w)).toEqual(Array.from(before));
  });
});
