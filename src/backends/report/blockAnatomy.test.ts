import { describe, expect, test } from 'vitest';
import { buildGraph, scope, type Tensor } from '../../dsl/builder.js';
import { add, avgPool2d, batchNorm2d, conv2d, relu } from '../../dsl/layers.js';
import { paddingShortcut, projectionShortcut } from '../../dsl/shortcut.js';
import { blockAnatomy } from './blockAnatomy.js';

/** A block `b` built by `fn` on an [N, 8, 8, 8] input; its anatomy. */
function anatomy(fn: (x: Tensor) => Tensor) {
  const g = buildGraph({ name: 't', input: [8, 8, 8] }, (x) => scope('b', () => fn(x)));
  const a = blockAnatomy(g.nodes, (v) => g.values.get(v)!.shape);
  return { ...a, body: a.body.map((n) => n.name), tail: a.tail.map((n) => n.name), merge: a.merge?.name };
}

const body = (x: Tensor, out = 8, stride = 1): Tensor => {
  const y = relu(batchNorm2d(conv2d(x, { name: 'conv1', outChannels: out, kernel: 3, stride, padding: 1, bias: false }), { name: 'bn1' }));
  return batchNorm2d(conv2d(y, { name: 'conv2', outChannels: out, kernel: 3, padding: 1, bias: false }), { name: 'bn2' });
};

describe('blockAnatomy', () => {
  test('identity shortcut: body, merge, tail', () => {
    const a = anatomy((x) => relu(add(body(x), x)));
    expect(a.shortcut).toEqual({ kind: 'identity', label: 'identity', detail: '', nodes: [] });
    expect(a.body).toEqual(['b.conv1', 'b.bn1', 'b.relu', 'b.conv2', 'b.bn2']);
    expect(a.merge).toBe('b.add');
    expect(a.tail).toEqual(['b.relu_1']);
  });
  test('the shortcut may be either operand of the add', () => {
    expect(anatomy((x) => relu(add(x, body(x)))).shortcut.kind).toBe('identity');
  });
  test('projection (torchvision downsample: 1x1 conv + BN)', () => {
    const a = anatomy((x) => relu(add(body(x, 16, 2), projectionShortcut(x, { outChannels: 16, stride: 2 }))));
    expect(a.shortcut.kind).toBe('projection');
    expect(a.shortcut.detail).toBe('1x1 conv, 16, /2');
    expect(a.shortcut.nodes).toEqual(['b.downsample.0', 'b.downsample.1']);
    expect(a.body).not.toContain('b.downsample.0');
  });
  test('option A (subsample + zero-pad, no parameters)', () => {
    const a = anatomy((x) => relu(add(body(x, 16, 2), paddingShortcut(x, { outChannels: 16, stride: 2 }))));
    expect(a.shortcut.kind).toBe('optionA');
    expect(a.shortcut.label).toBe('option A');
    expect(a.shortcut.detail).toBe('subsample + zero pad');
  });
  test('ResNet-D style average pool + projection is a projection', () => {
    const a = anatomy((x) => {
      const s = scope('downsample', () => batchNorm2d(conv2d(avgPool2d(x, { kernel: 2, stride: 2 }), { name: '1', outChannels: 16, kernel: 1, bias: false }), { name: '2' }));
      return relu(add(body(x, 16, 2), s));
    });
    expect(a.shortcut.kind).toBe('projection');
    expect(a.shortcut.detail).toBe('2x2 avg pool, /2 + 1x1 conv, 16');
  });
  test('anything else on the shortcut is custom', () => {
    const a = anatomy((x) => relu(add(body(x), relu(x, { name: 'gate' }))));
    expect(a.shortcut.kind).toBe('custom');
    expect(a.shortcut.nodes).toEqual(['b.gate']);
  });
  test('no add: a plain block', () => {
    const a = anatomy((x) => relu(body(x)));
    expect(a.shortcut.kind).toBe('none');
    expect(a.merge).toBeUndefined();
    expect(a.body).toHaveLength(6);
  });
});
