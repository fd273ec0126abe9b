import { describe, expect, test } from 'vitest';
import type { Graph } from '../ir/types.js';
import { numel } from '../ir/shapeMath.js';
import { verifyGraph } from '../ir/verify.js';
import { buildGraph } from '../dsl/builder.js';
import { adaptiveAvgPool2d, batchNorm2d, conv2d, flatten, linear, relu } from '../dsl/layers.js';
import { buildModel } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';
import { NetforgeError } from '../errors.js';
import { initParams } from './initParams.js';
import { LIST_LIMIT, WEIGHTS_META, compareStateDict, loadOutcome, loadStateDict, loadStateDictPass, type Float32Tensor } from './loadStateDict.js';
import { runPasses } from './manager.js';
import { initParamsPass } from './initParams.js';

/** conv1 -> bn1 -> relu -> pool -> fc: the names of a torchvision ResNet's stem and head. */
function toy(classes = 3): Graph {
  return buildGraph({ name: 'toy', input: [3, 8, 8] }, (x) => {
    const y = relu(batchNorm2d(conv2d(x, { name: 'conv1', outChannels: 4, kernel: 3, padding: 1, bias: false }), { name: 'bn1' }));
    return linear(flatten(adaptiveAvgPool2d(y)), { name: 'fc', outFeatures: classes });
  });
}

/** A checkpoint for `g`: every param with distinct values (k + i/1000), plus num_batches_tracked. */
function checkpointFor(g: Graph, patch: (m: Map<string, Float32Tensor>) => void = () => {}): Map<string, Float32Tensor> {
  const m = new Map<string, Float32Tensor>();
  let k = 0;
  for (const [name, p] of g.params) {
    k++;
    m.set(name, { shape: p.shape, data: Float32Array.from({ length: numel(p.shape) }, (_, i) => k + i / 1000) });
  }
  m.set('bn1.num_batches_tracked', { shape: [], data: Float32Array.of(7) });
  patch(m);
  return m;
}

function expectError(f: () => unknown): NetforgeError {
  try {
    f();
  } catch (e) {
    if (e instanceof NetforgeError) {
      expect(e.code).toBe('E_STATE_DICT');
      expect(e.hint).toBeTruthy();
      return e;
    }
    throw e;
  }
  throw new Error('expected E_STATE_DICT, got no error');
}

describe('load-state-dict', () => {
  test('loads every tensor by name, zero-copy, without touching the input graph', () => {
    const g = toy();
    const sd = checkpointFor(g);
    const notes: string[] = [];
    const out = loadStateDict(g, sd, { source: 'toy.pth' }, { note: (l) => notes.push(l) });
    for (const [name, p] of out.params) expect(p.data).toBe(sd.get(name)!.data);
    for (const p of g.params.values()) expect(p.data).toBeUndefined();
    expect(verifyGraph(out)).toEqual([]);
    expect(notes[0]).toBe('loaded 7 tensors from toy.pth (1 num_batches_tracked ignored)');
    expect(JSON.parse(out.meta.get(WEIGHTS_META)!)).toEqual({ source: 'toy.pth', loaded: 7 });
  });

  test('runs before init-params, which then initializes nothing', () => {
    const g = toy();
    const sd = checkpointFor(g);
    const { graph, trace } = runPasses(g, [loadStateDictPass(sd), initParamsPass(0)]);
    expect(trace.map((t) => [t.pass, t.changed])).toEqual([
      ['load-state-dict', true],
      ['init-params', false],
    ]);
    expect(graph.params.get('fc.weight')!.data).toBe(sd.get('fc.weight')!.data);
  });

  test('replaces data a param already had', () => {
    const g = initParams(toy(), 0);
    const sd = checkpointFor(g);
    expect(loadStateDict(g, sd).params.get('conv1.weight')!.data).toBe(sd.get('conv1.weight')!.data);
  });

  test('reports missing keys, unexpected keys and shape mismatches together', () => {
    const g = toy();
    const sd = checkpointFor(g, (m) => {
      m.delete('bn1.running_var');
      m.set('layer1.0.conv1.weight', { shape: [1], data: new Float32Array(1) });
      m.set('conv1.weight', { shape: [4, 1, 3, 3], data: new Float32Array(36) });
    });
    const e = expectError(() => loadStateDict(g, sd, { source: 'x.pth' }));
    expect(e.file).toBe('x.pth');
    expect(e.message).toContain('1 missing key, 1 unexpected key, 1 shape mismatch');
    expect(e.message).toContain('missing keys (1): bn1.running_var');
    expect(e.message).toContain('unexpected keys (1): layer1.0.conv1.weight');
    expect(e.message).toContain('conv1.weight: checkpoint [4, 1, 3, 3], model [4, 3, 3, 3]');
    // the stem's input channels differ (a 1-channel checkpoint, a 3-channel model): compile for 1 channel
    expect(e.hint).toContain("the checkpoint's first conv (conv1.weight) takes 1 input channels and the model's 3: pass --in-chans 1 for a 1-channel input");
    // and nothing about flags that change no shape
    expect(e.hint).not.toMatch(/--replace-stride-with-dilation|--zero-init-residual/);
  });

  test('an RGB checkpoint for a grayscale model: the hint offers --in-chans, the adaptation timm does', () => {
    const g = buildGraph({ name: 'gray', input: [1, 8, 8] }, (x) => relu(conv2d(x, { name: 'conv1', outChannels: 4, kernel: 3, bias: false })));
    const sd = checkpointFor(g, (m) => m.set('conv1.weight', { shape: [4, 3, 3, 3], data: new Float32Array(108) }));
    const e = expectError(() => loadStateDict(g, sd));
    expect(e.hint).toBe("the checkpoint's first conv (conv1.weight) takes 3 input channels and the model's 1: pass --in-chans 1 to adapt the pretrained weights to 1 channel (as timm does: summed over RGB), or --in-chans 3 for a 3-channel input");
  });

  test('a wrapped checkpoint: the hint gives the --weights-strip-prefix that loads it', () => {
    const g = toy();
    const sd = new Map([...checkpointFor(g)].map(([k, v]) => [`model.${k}`, v] as const));
    expect(expectError(() => loadStateDict(g, sd)).hint).toBe("every checkpoint key starts with 'model.': the checkpoint holds a model that wraps this one (a Lightning module's self.model, say); pass --weights-strip-prefix model. to load it");
  });

  test('one problem names its module', () => {
    const g = toy();
    const e = expectError(() => loadStateDict(g, checkpointFor(g, (m) => m.delete('bn1.weight'))));
    expect(e.modulePath).toBe('bn1');
  });

  test('truncates long lists with a count', () => {
    const g = buildModel(ZOO.get('resnet18')!);
    const sd = checkpointFor(g, (m) => {
      for (const k of [...m.keys()]) if (k.startsWith('layer4.')) m.delete(k);
    });
    const missing = [...g.params.keys()].filter((k) => k.startsWith('layer4.'));
    expect(missing.length).toBeGreaterThan(LIST_LIMIT);
    const e = expectError(() => loadStateDict(g, sd));
    expect(e.message).toContain(`missing keys (${missing.length}): ${missing.slice(0, LIST_LIMIT).join(', ')}, ... and ${missing.length - LIST_LIMIT} more`);
    expect(e.message).not.toContain(missing[LIST_LIMIT]!);
    expect(e.modulePath).toBeUndefined();
  });

  test('a classifier of another size is an error unless the head is replaced', () => {
    const g = toy(10);
    const sd = checkpointFor(toy(1000));
    const e = expectError(() => loadStateDict(g, sd));
    expect(e.message).toContain('fc.weight: checkpoint [1000, 4], model [10, 4]');
    expect(e.hint).toContain('--num-classes 1000');

    const notes: string[] = [];
    const warnings: string[] = [];
    const out = loadStateDict(g, sd, { replaceHead: true, seed: 5, warn: (w) => warnings.push(w) }, { note: (l) => notes.push(l) });
    const msg = 'fc.weight/fc.bias: checkpoint has 1000 classes, model has 10: head initialized from seed 5 (like replacing model.fc after loading pretrained weights)';
    expect(warnings).toEqual([msg]);
    expect(notes).toContain(msg);
    expect(out.params.get('fc.weight')!.data).toBeUndefined();
    expect(out.params.get('fc.bias')!.data).toBeUndefined();
    expect(out.params.get('conv1.weight')!.data).toBe(sd.get('conv1.weight')!.data);
    expect(JSON.parse(out.meta.get(WEIGHTS_META)!)).toEqual({ loaded: 5, initialized: ['fc.weight', 'fc.bias'], seed: 5 });
    // init-params then draws the head from the seed, exactly as for a fresh model
    const init = initParams(out, 5);
    expect(init.params.get('fc.weight')!.data).toEqual(initParams(toy(10), 5).params.get('fc.weight')!.data);
  });

  test('strict: false loads what fits by name, leaves missing params to init-params, ignores extra keys', () => {
    const g = toy();
    const sd = checkpointFor(g, (m) => {
      m.delete('bn1.weight');
      m.delete('bn1.bias');
      m.set('aux.weight', { shape: [2], data: Float32Array.of(1, 2) });
    });
    expectError(() => loadStateDict(g, sd)); // strict by default
    const warnings: string[] = [];
    const out = loadStateDict(g, sd, { strict: false, seed: 4, source: 'ft.pth', warn: (w) => warnings.push(w) });
    expect(warnings).toEqual(['non-strict load from ft.pth: 2 params not in the checkpoint initialized from seed 4 (bn1.weight, bn1.bias); 1 checkpoint key ignored (aux.weight)']);
    expect(out.params.get('conv1.weight')!.data).toBe(sd.get('conv1.weight')!.data);
    expect(out.params.get('bn1.weight')!.data).toBeUndefined();
    expect(out.params.has('aux.weight')).toBe(false);
    expect(JSON.parse(out.meta.get(WEIGHTS_META)!)).toEqual({ source: 'ft.pth', loaded: 5, initialized: ['bn1.weight', 'bn1.bias'], seed: 4, strict: false, ignored: ['aux.weight'] });
    const init = initParams(out, 4);
    expect(Array.from(init.params.get('bn1.weight')!.data!)).toEqual([1, 1, 1, 1]); // BatchNorm's init
    expect(init.params.get('conv1.weight')!.data).toBe(sd.get('conv1.weight')!.data);
  });

  test('strict: false still refuses shape mismatches and a checkpoint of which nothing fits', () => {
    const g = toy();
    const wrongShape = checkpointFor(g, (m) => m.set('conv1.weight', { shape: [4, 3, 5, 5], data: new Float32Array(300) }));
    expect(expectError(() => loadStateDict(g, wrongShape, { strict: false })).message).toContain('conv1.weight: checkpoint [4, 3, 5, 5], model [4, 3, 3, 3]');
    const unrelated = new Map<string, Float32Tensor>([['encoder.w', { shape: [1], data: Float32Array.of(0) }]]);
    expectError(() => loadStateDict(g, unrelated, { strict: false }));
  });

  test('replacing the head drops data it already had', () => {
    const g = initParams(toy(10), 0);
    const out = loadStateDict(g, checkpointFor(toy(1000)), { replaceHead: true });
    expect(out.params.get('fc.weight')!.data).toBeUndefined();
  });

  test('replaceHead does not excuse any other mismatch', () => {
    const g = toy(10);
    const sd = checkpointFor(toy(1000), (m) => m.set('fc.weight', { shape: [1000, 5], data: new Float32Array(5000) }));
    const e = expectError(() => loadStateDict(g, sd, { replaceHead: true }));
    expect(e.message).toContain('fc.weight: checkpoint [1000, 5], model [10, 4]');
  });

  test('a checkpoint of another architecture gets a hint about it', () => {
    const g = buildModel(ZOO.get('resnet18')!);
    const r50 = checkpointFor(buildModel(ZOO.get('resnet50')!));
    expect(expectError(() => loadStateDict(g, r50, { explain: () => 'it is a resnet50' })).hint).toBe('it is a resnet50');
    const e = expectError(() => loadStateDict(g, r50, { explain: () => undefined }));
    expect(e.hint).toContain('Bottleneck');
    expect(e.hint).toContain('a different architecture or configuration');
    expect(e.hint).not.toMatch(/--replace-stride-with-dilation|--zero-init-residual/);
    const w = expectError(() => loadStateDict(buildModel(ZOO.get('resnet50')!), checkpointFor(buildModel(ZOO.get('wide_resnet50_2')!))));
    expect(w.hint).toContain('wide_resnet50_2');
    expect(w.message).toMatch(/^the weights do not fit resnet50: \d+ shape mismatches/);
  });

  test('a wrapped checkpoint (every key under one prefix) is recognised', () => {
    const g = toy();
    const sd = new Map([...checkpointFor(g)].map(([k, v]) => [`backbone.${k}`, v]));
    const e = expectError(() => loadStateDict(g, sd));
    expect(e.hint).toContain("starts with 'backbone.'");
    expect(e.hint).not.toContain('different architecture');
  });

  test('compareStateDict separates the head from other mismatches', () => {
    const m = compareStateDict(toy(10), checkpointFor(toy(1000)));
    expect(m.head.map((h) => h.name)).toEqual(['fc.weight', 'fc.bias']);
    expect(m).toMatchObject({ missing: [], unexpected: [], shapes: [], matched: 5 });
  });

  test('loadOutcome: which options load a checkpoint, and what they leave fresh', () => {
    const head = compareStateDict(toy(10), checkpointFor(toy(1000)));
    expect(loadOutcome(head)).toEqual({ ok: false, fresh: [] });
    expect(loadOutcome(head, { strict: false })).toEqual({ ok: false, fresh: [] });
    expect(loadOutcome(head, { replaceHead: true })).toEqual({ ok: true, fresh: ['fc.weight', 'fc.bias'] });
    const missing = compareStateDict(toy(), checkpointFor(toy(), (m) => m.delete('bn1.bias')));
    expect(loadOutcome(missing)).toEqual({ ok: false, fresh: [] });
    expect(loadOutcome(missing, { strict: false })).toEqual({ ok: true, fresh: ['bn1.bias'] });
    expect(loadOutcome(compareStateDict(toy(), checkpointFor(toy())))).toEqual({ ok: true, fresh: [] });
    const nothing = compareStateDict(toy(), new Map([['other.weight', { shape: [1], data: Float32Array.of(0) }]]));
    expect(loadOutcome(nothing, { strict: false })).toEqual({ ok: false, fresh: [] });
  });
});
