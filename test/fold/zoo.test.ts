/**
 * Every zoo model, compiled with and without BatchNorm folding from the same seeded weights
 * (BatchNorm statistics randomized, else folding would be trivially exact), agrees in
 * onnxruntime within max rel diff 1e-5. Small inputs keep it fast: 64x64 for ImageNet
 * models, 32x32 for the 101/152-layer ones and the CIFAR models.
 */
import { describe, expect, test } from 'vitest';
import { ZOO } from '../../src/zoo/index.js';
import { compile } from '../../src/compile.js';
import { buildModel } from '../../src/dsl/model.js';
import { FOLDED_BATCHNORM_META } from '../../src/passes/foldBatchNorm.js';
import { expectSameOutputs } from './helpers.js';

const inputFor = (name: string): number[] => (name.startsWith('cifar') || /101|152/.test(name) ? [3, 32, 32] : [3, 64, 64]);

describe('folded vs unfolded, every zoo model', () => {
  for (const [name, def] of ZOO) {
    test(`${name} at ${inputFor(name).slice(1).join('x')}`, async () => {
      const input = inputFor(name);
      const unfolded = compile(def, { input, seed: 3, foldBatchNorm: false, randomizeBatchNorm: true });
      const folded = compile(def, { input, seed: 3, randomizeBatchNorm: true });
      const bns = unfolded.graph.nodes.filter((n) => n.op === 'BatchNormalization');
      const channels = bns.reduce((s, n) => s + unfolded.graph.params.get(n.params[0]!)!.shape[0]!, 0);
      expect(bns.length).toBeGreaterThan(0);
      expect(folded.stats.ops['BatchNormalization']).toBeUndefined();
      expect(folded.stats.ops['Conv']).toBe(unfolded.stats.ops['Conv']);
      // zoo convs have no bias: each BN's gamma+beta (2 per channel) becomes one bias per channel
      expect(folded.stats.params).toBe(unfolded.stats.params - channels);
      expect(JSON.parse(folded.graph.meta.get(FOLDED_BATCHNORM_META)!)).toHaveLength(bns.length);
      await expectSameOutputs(unfolded.graph, folded.graph);
    });
  }
});

describe('resnet50 at 224x224', () => {
  test('folded: Conv 53, BatchNormalization 0, params 25,530,472 (53 BN layers, 26,560 channels)', () => {
    const c = compile(ZOO.get('resnet50')!);
    expect(c.stats.ops['Conv']).toBe(53);
    expect(c.stats.ops['BatchNormalization'] ?? 0).toBe(0);
    expect(c.stats.params).toBe(25_530_472);
    expect(c.source.params).toBe(25_557_032);
    const folds = JSON.parse(c.graph.meta.get(FOLDED_BATCHNORM_META)!) as { bn: string; conv: string }[];
    expect(folds).toHaveLength(53);
    expect(folds).toContainEqual({ bn: 'layer1.0.downsample.1', conv: 'layer1.0.downsample.0' });
    expect(folds).toContainEqual({ bn: 'layer4.2.bn3', conv: 'layer4.2.conv3' });
    for (const n of c.graph.nodes.filter((n) => n.op === 'Conv')) {
      expect(n.params).toEqual([`${n.module}.weight`, `${n.module}.bias`]);
      expect(c.graph.params.get(`${n.module}.bias`)).toMatchObject({ role: 'bias', isParameter: true });
    }
  });
  test('unfolded (foldBatchNorm: false): BatchNormalization 53, params 25,557,032, graph as built', () => {
    const c = compile(ZOO.get('resnet50')!, { foldBatchNorm: false });
    expect(c.stats.ops['BatchNormalization']).toBe(53);
    expect(c.stats.params).toBe(25_557_032);
    expect(c.graph.meta.has(FOLDED_BATCHNORM_META)).toBe(false);
    expect(c.graph.nodes.map((n) => n.name)).toEqual(buildModel(ZOO.get('resnet50')!).nodes.map((n) => n.name));
  });
});
