/** aspp, deeplabHead and fcnHead: torchvision's module names and parameter counts, recorded kinds, refused arguments. */
import { describe, expect, test } from 'vitest';
import { buildGraph, type Tensor } from './builder.js';
import { conv2d } from './layers.js';
import { aspp, deeplabHead, fcnHead } from './segmentation.js';
import { concat, dropout, interpolate } from './tensorOps.js';
import { countParams } from '../ir/graph.js';
import { formatDim } from '../ir/dim.js';
import { errorOf } from '../../test/helpers/errors.js';

const SYMBOLS = new Map([['H', { reference: 64, multipleOf: 1 }], ['W', { reference: 64, multipleOf: 1 }]]);
/** A model whose input is a feature map of `c` channels (any H, W): the head under test on it. */
const onMap = (c: number, f: (x: Tensor) => Tensor) => buildGraph({ name: 'm', input: [c, 'H', 'W'], symbols: SYMBOLS }, f);
const names = (g: ReturnType<typeof onMap>): string[] => [...g.params.keys()];

describe('deeplabHead', () => {
  const g = onMap(2048, (x) => deeplabHead(x, { numClasses: 21 }));
  test('torchvision\'s state_dict names: ASPP (convs.0..4, project), then 1..4', () => {
    const weights = names(g).filter((n) => n.endsWith('.weight'));
    expect(weights).toEqual([
      'classifier.0.convs.0.0.weight',
      'classifier.0.convs.0.1.weight',
      'classifier.0.convs.1.0.weight',
      'classifier.0.convs.1.1.weight',
      'classifier.0.convs.2.0.weight',
      'classifier.0.convs.2.1.weight',
      'classifier.0.convs.3.0.weight',
      'classifier.0.convs.3.1.weight',
      'classifier.0.convs.4.1.weight',
      'classifier.0.convs.4.2.weight',
      'classifier.0.project.0.weight',
      'classifier.0.project.1.weight',
      'classifier.1.weight',
      'classifier.2.weight',
      'classifier.4.weight',
    ]);
    expect(g.params.get('classifier.0.project.0.weight')!.shape).toEqual([256, 1280, 1, 1]);
    expect(g.params.has('classifier.4.bias')).toBe(true);
    // DeepLabHead(2048, 21) in torchvision: 39,638,869 - 23,508,032 (the ResNet-50 backbone)
    expect(countParams(g)).toBe(16_130_837);
  });
  test('dilations 12, 24, 36, padding equal to the dilation; the pooling branch resized to the map; the output keeps the map\'s size', () => {
    const convs = g.nodes.filter((n) => n.op === 'Conv' && /convs\.[1-3]\.0$/.test(n.module));
    expect(convs.map((n) => (n.op === 'Conv' ? [n.attrs.dilation[0], n.attrs.pads[0]] : []))).toEqual([[12, 12], [24, 24], [36, 36]]);
    const resize = g.nodes.find((n) => n.op === 'Resize')!;
    expect(resize.module).toBe('classifier.0.convs.4.interpolate');
    expect(resize.inputs[1]).toBe('input');
    expect(g.values.get(g.outputs[0]!)!.shape.map(formatDim)).toEqual(['N', '21', 'H', 'W']);
  });
  test('recorded: the head and its ASPP block', () => {
    expect(g.modules).toEqual([
      { path: 'classifier', kind: 'head', type: 'DeepLabHead' },
      { path: 'classifier.0', kind: 'block', type: 'ASPP' },
    ]);
  });
  test('other rates and channels; dropout after the projection', () => {
    const h = onMap(512, (x) => deeplabHead(x, { numClasses: 3, rates: [6, 12, 18, 24], channels: 64 }));
    expect(h.params.get('classifier.0.project.0.weight')!.shape).toEqual([64, 6 * 64, 1, 1]);
    const d = h.nodes.find((n) => n.op === 'Dropout')!;
    expect([d.module, d.op === 'Dropout' ? d.attrs.ratio : 0]).toEqual(['classifier.0.project.3', 0.5]);
  });
  test('refused: a rate of 0, a head on a map of the wrong channel count (naming the module), a class count of 0', () => {
    const rate = errorOf(() => onMap(64, (x) => deeplabHead(x, { numClasses: 3, rates: [6, 0] })));
    expect([rate.code, rate.modulePath, rate.message]).toEqual(['E_BAD_ARG', 'classifier.0', 'aspp expected `rates[1]` to be an integer > 0 but got 0']);
    const wrong = errorOf(() => onMap(1024, (x) => deeplabHead(x, { numClasses: 21, inChannels: 2048 })));
    expect([wrong.code, wrong.modulePath]).toEqual(['E_SHAPE_MISMATCH', 'classifier']);
    expect(wrong.message).toBe('deeplabHead classifier was built for 2048 input channels but its input has 1024 (shape [N, 1024, H, W])');
    expect(wrong.hint).toContain('layer3');
    expect(errorOf(() => onMap(64, (x) => deeplabHead(x, { numClasses: 0 }))).code).toBe('E_BAD_ARG');
    expect(errorOf(() => onMap(64, (x) => aspp(x, { rates: [] as unknown as [number] }))).code).toBe('E_BAD_ARG');
  });
});

describe('fcnHead', () => {
  test('torchvision\'s names and counts: 3x3 to in/4 without bias, BatchNorm, ReLU, Dropout 0.1, 1x1 with bias; as the auxiliary head too', () => {
    const g = onMap(1024, (x) => fcnHead(x, { name: 'aux_classifier', numClasses: 21, inChannels: 1024 }));
    expect(names(g)).toEqual([
      'aux_classifier.0.weight',
      'aux_classifier.1.weight',
      'aux_classifier.1.bias',
      'aux_classifier.1.running_mean',
      'aux_classifier.1.running_var',
      'aux_classifier.4.weight',
      'aux_classifier.4.bias',
    ]);
    expect(g.params.get('aux_classifier.0.weight')!.shape).toEqual([256, 1024, 3, 3]);
    // 42,004,074 - 39,638,869: torchvision's FCNHead(1024, 21)
    expect(countParams(g)).toBe(2_365_205);
    expect(g.nodes.map((n) => n.module)).toEqual(['aux_classifier.0', 'aux_classifier.1', 'aux_classifier.2', 'aux_classifier.3', 'aux_classifier.4']);
    expect(g.modules).toEqual([{ path: 'aux_classifier', kind: 'head', type: 'FCNHead' }]);
  });
  test('refused: a map of the wrong channel count, fewer than 4 channels', () => {
    expect(errorOf(() => onMap(2048, (x) => fcnHead(x, { numClasses: 21, inChannels: 1024 }))).code).toBe('E_SHAPE_MISMATCH');
    expect(errorOf(() => onMap(3, (x) => fcnHead(x, { numClasses: 21 }))).code).toBe('E_BAD_ARG');
  });
});

describe('concat, interpolate, dropout', () => {
  test('concat joins channels; interpolate by a scale, to a size, or like another tensor; dropout is a Dropout node', () => {
    const g = onMap(8, (x) => {
      const a = conv2d(x, { name: 'a', outChannels: 4, kernel: 3, stride: 2, padding: 1 });
      const up = interpolate(a, { scaleFactor: 2, name: 'up' });
      const like = interpolate(a, { size: x, name: 'like' });
      const fixed = interpolate(a, { size: [5, 7], name: 'fixed' });
      expect(up.shape.map(formatDim)).toEqual(['N', '4', '2·⌈H/2⌉', '2·⌈W/2⌉']);
      expect(fixed.shape).toEqual(['N', 4, 5, 7]);
      return dropout(concat([like, x]), { p: 0.2 });
    });
    expect(g.values.get(g.outputs[0]!)!.shape).toEqual(['N', 12, 'H', 'W']);
    expect(g.nodes.map((n) => [n.module, n.op])).toEqual([['a', 'Conv'], ['up', 'Resize'], ['like', 'Resize'], ['fixed', 'Resize'], ['cat', 'Concat'], ['dropout', 'Dropout']]);
  });
  test('refused: a non-positive size, a scale ONNX cannot hold exactly, both or neither target, p outside [0, 1)', () => {
    const bad = (o: object): string => errorOf(() => onMap(4, (x) => interpolate(x, o as never))).code;
    expect(bad({ size: [0, 4] })).toBe('E_BAD_ARG');
    expect(bad({ size: [4, -1] })).toBe('E_BAD_ARG');
    expect(bad({ scaleFactor: 0.3 })).toBe('E_BAD_ARG');
    expect(bad({})).toBe('E_BAD_ARG');
    expect(bad({ size: [4, 4], scaleFactor: 2 })).toBe('E_BAD_ARG');
    expect(bad({ scaleFactor: 2, alignCorners: true })).toBe('E_UNSUPPORTED');
    expect(errorOf(() => onMap(4, (x) => dropout(x, { p: 1 }))).code).toBe('E_BAD_ARG');
    // the axis as given, and the range a rank-4 tensor allows (negative axes count from the end)
    expect(errorOf(() => onMap(4, (x) => concat([x, x], { axis: -5 }))).message).toBe('concat expected `axis` to be an integer in [-4, 4) for rank-4 tensors but got -5');
    expect(errorOf(() => onMap(4, (x) => interpolate(x, { scaleFactor: 8192 }))).message).toBe('interpolate expected `scaleFactor` to be at most 4096 but got 8192');
    const e = errorOf(() =>
      onMap(4, (x) => concat([conv2d(x, { name: 'a', outChannels: 2, kernel: 3, stride: 2, padding: 1 }), conv2d(x, { name: 'b', outChannels: 2, kernel: 2, stride: 2 })])),
    );
    expect([e.code, e.modulePath]).toEqual(['E_SHAPE_MISMATCH', 'cat']);
    expect(e.message).toContain('equal only when H is even');
  });
});
