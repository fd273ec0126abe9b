import { describe, expect, test } from 'vitest';
import { buildGraph, scope, type Tensor } from '../dsl/builder.js';
import { batchNorm2d, conv2d, relu } from '../dsl/layers.js';
import { fcnHead } from '../dsl/segmentation.js';
import type { Float32Tensor } from '../passes/loadStateDict.js';
import { adaptCheckpoint } from './adaptCheckpoint.js';

/** backbone (conv1, bn1) -> classifier, and with `aux` an aux_classifier on the backbone. */
const model = (aux: boolean) =>
  buildGraph({ name: 'seg', input: [3, 8, 8] }, (x) => {
    const f: Tensor = scope('backbone', () => relu(batchNorm2d(conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, padding: 1, bias: false }), { name: 'bn1' })));
    const out = fcnHead(f, { numClasses: 3 });
    return aux ? { out, aux: fcnHead(f, { name: 'aux_classifier', numClasses: 3 }) } : { out };
  });
const tensors = (names: readonly string[]): Map<string, Float32Tensor> => new Map(names.map((n) => [n, { shape: [1], data: new Float32Array(1) }]));
const RULES = { backbone: { prefix: 'backbone', ignore: ['fc'] }, auxHead: 'aux_classifier' };
const BACKBONE = ['conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked', 'fc.weight', 'fc.bias'];

describe('adaptCheckpoint', () => {
  // each FCNHead on 8 channels: 3x3 conv 2 x 8 x 9, BatchNorm 2 x 2, 1x1 conv 3 x 2 + 3: 157 params
  test('rule 1: a classifier\'s checkpoint loads under backbone., its fc left out, the heads fresh, with a warning', () => {
    const g = model(true);
    const a = adaptCheckpoint(g, tensors(BACKBONE), RULES, '/x/resnet50-0676ba61.pth', 4);
    expect([...a.tensors.keys()]).toEqual(['backbone.conv1.weight', 'backbone.bn1.weight', 'backbone.bn1.bias', 'backbone.bn1.running_mean', 'backbone.bn1.running_var', 'backbone.bn1.num_batches_tracked']);
    expect([...a.fresh]).toEqual([...g.params.keys()].filter((k) => !k.startsWith('backbone.')));
    expect(a.notices).toEqual([
      {
        level: 'warning',
        message: 'resnet50-0676ba61.pth holds a backbone\'s weights only (torchvision\'s weights_backbone): loaded into backbone.*, left out fc.weight, fc.bias; classifier and aux_classifier (314 params) initialized from seed 4',
      },
    ]);
  });
  test('rule 2: the auxiliary head\'s keys are left out of a model built without it, with a note', () => {
    const full = [...model(true).params.keys()];
    const a = adaptCheckpoint(model(false), tensors(full), RULES, 'coco.pth', 0);
    expect([...a.tensors.keys()]).toEqual(full.filter((k) => !k.startsWith('aux_classifier.')));
    expect(a.fresh.size).toBe(0);
    expect(a.notices).toEqual([{ level: 'note', message: 'coco.pth: left out aux_classifier.* (7 tensors): seg was built without its auxiliary head (--aux-loss builds it)' }]);
  });
  test('a checkpoint of the whole model, or a model without the rules, is returned as it is', () => {
    const full = tensors([...model(true).params.keys()]);
    for (const [g, rules] of [[model(true), RULES], [model(false), {}]] as const) {
      const a = adaptCheckpoint(g, full, rules, 'm.pth', 0);
      expect(a.tensors === full || rules === RULES).toBe(true);
      expect(a.fresh.size).toBe(0);
    }
    expect(adaptCheckpoint(model(true), full, RULES, 'm.pth', 0)).toEqual({ tensors: full, fresh: new Set(), notices: [] });
    // a backbone checkpoint for a model that declares no backbone stays as it is (and fails to load, strictly)
    expect(adaptCheckpoint(model(true), tensors(BACKBONE), {}, 'r.pth', 0).tensors.has('conv1.weight')).toBe(true);
  });
});
