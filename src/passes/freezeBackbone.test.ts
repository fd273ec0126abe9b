import { describe, expect, test } from 'vitest';
import { buildGraph } from '../dsl/builder.js';
import { adaptiveAvgPool2d, conv2d, flatten, linear, relu } from '../dsl/layers.js';
import { buildModel } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';
import { NetforgeError } from '../errors.js';
import { analyze } from './analyze.js';
import { FROZEN_META, classifierHead, freezeBackbone, freezeBackbonePass } from './freezeBackbone.js';
import { runPasses } from './manager.js';

describe('freeze-backbone', () => {
  test('ResNet-50: everything but fc is frozen; buffers are untouched', () => {
    const g = buildModel(ZOO.get('resnet50')!);
    const notes: string[] = [];
    const out = freezeBackbone(g, { note: (l) => notes.push(l) });
    const s = analyze(out);
    expect(s.params).toBe(25_557_032);
    expect(s.trainableParams).toBe(2048 * 1000 + 1000);
    expect(s.frozenParams).toBe(25_557_032 - 2_049_000);
    for (const [name, p] of out.params) {
      if (!p.isParameter) expect(p).toBe(g.params.get(name));
      else expect(p.trainable).toBe(name.startsWith('fc.'));
    }
    expect(out.meta.get(FROZEN_META)).toBe('fc');
    expect(notes).toEqual(['froze 159 parameter tensors; fc stays trainable']);
    // the source graph still trains everything
    expect(analyze(g).frozenParams).toBe(0);
  });

  test('is idempotent and verifies under the pass manager', () => {
    const g = buildModel(ZOO.get('cifar_resnet20')!);
    const { graph, trace } = runPasses(g, [freezeBackbonePass, freezeBackbonePass]);
    expect(trace.map((t) => t.changed)).toEqual([true, false]);
    expect(analyze(graph).trainableParams).toBe(64 * 10 + 10);
  });

  test('the head is the Gemm that reaches the output through weightless ops only', () => {
    const g = buildGraph({ name: 'two_linear', input: [3, 4, 4] }, (x) => {
      const y = flatten(adaptiveAvgPool2d(relu(conv2d(x, { name: 'conv', outChannels: 8, kernel: 3 }))));
      return relu(linear(relu(linear(y, { name: 'hidden', outFeatures: 6 })), { name: 'classifier', outFeatures: 2 }));
    });
    expect(classifierHead(g)).toEqual(['classifier']);
    const out = freezeBackbone(g);
    expect([...out.params.values()].filter((p) => p.trainable).map((p) => p.name)).toEqual(['classifier.weight', 'classifier.bias']);
  });

  test('a model without a classifier is refused', () => {
    const g = buildGraph({ name: 'features', input: [3, 4, 4] }, (x) => conv2d(x, { name: 'conv', outChannels: 8, kernel: 3 }));
    let e: unknown;
    try {
      freezeBackbone(g);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(NetforgeError);
    expect((e as NetforgeError).code).toBe('E_NO_HEAD');
  });
});
