import { describe, expect, test } from 'vitest';
import { buildGraph, scope, type Tensor } from '../../dsl/builder.js';
import { adaptiveAvgPool2d, add, avgPool2d, batchNorm2d, conv2d, mul, relu, sigmoid } from '../../dsl/layers.js';
import type { Graph, Node } from '../../ir/types.js';
import { paddingShortcut, projectionShortcut } from '../../dsl/shortcut.js';
import { blockAnatomy } from './blockAnatomy.js';

/** A block `b` built by `fn` on an [N, 8, 8, 8] input; its anatomy. `edit` may rewrite the graph's nodes first. */
function anatomy(fn: (x: Tensor) => Tensor, edit: (g: Graph) => readonly Node[] = (g) => g.nodes) {
  const g = buildGraph({ name: 't', input: [8, 8, 8] }, (x) => scope('b', () => fn(x)));
  const a = blockAnatomy(edit(g), (v) => g.values.get(v)!.shape);
  const gate = a.gate && { nodes: a.gate.nodes.map((n) => n.name), source: a.gate.source, scale: a.gate.scale.name, main: a.gate.main };
  return { ...a, body: a.body.map((n) => n.name), tail: a.tail.map((n) => n.name), merge: a.merge?.name, gate };
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
  test('blocks without a gating branch have none', () => {
    expect(anatomy((x) => relu(add(body(x), x))).gate).toBeUndefined();
    expect(anatomy((x) => relu(add(body(x, 16, 2), projectionShortcut(x, { outChannels: 16, stride: 2 })))).gate).toBeUndefined();
  });
});

/** A squeeze-and-excitation module on `x`, named by the caller (the rule must not read names). */
function se(x: Tensor, names: readonly [string, string, string, string, string, string] = ['pool', 'fc1', 'act', 'fc2', 'gate', 'scale'], swap = false): Tensor {
  const [pool, fc1, act, fc2, gate, scale] = names;
  let s = adaptiveAvgPool2d(x, { name: pool });
  s = relu(conv2d(s, { name: fc1, outChannels: 2, kernel: 1 }), { name: act });
  s = sigmoid(conv2d(s, { name: fc2, outChannels: 8, kernel: 1 }), { name: gate });
  return swap ? mul(s, x, { name: scale }) : mul(x, s, { name: scale });
}

describe('blockAnatomy: gating branches (squeeze-and-excitation)', () => {
  const chain = ['b.pool', 'b.fc1', 'b.act', 'b.fc2', 'b.gate'];
  test('an SE block: the chain is the gate, not the body; the Mul stays on the main path', () => {
    const a = anatomy((x) => relu(add(se(body(x)), x)));
    expect(a.gate).toEqual({ nodes: chain, source: 'b.bn2', scale: 'b.scale', main: 'b.bn2' });
    expect(a.body).toEqual(['b.conv1', 'b.bn1', 'b.relu', 'b.conv2', 'b.bn2', 'b.scale']);
    expect(a.shortcut.kind).toBe('identity');
    expect(a.merge).toBe('b.add');
    expect(a.tail).toEqual(['b.relu_1']);
  });
  test('recognised by structure, not by names, with the operands either way round', () => {
    const a = anatomy((x) => relu(add(se(body(x), ['squeeze', 'down', 'r', 'up', 's', 'excite'], true), x)));
    expect(a.gate?.nodes).toEqual(['b.squeeze', 'b.down', 'b.r', 'b.up', 'b.s']);
    expect(a.gate?.scale).toBe('b.excite');
    expect(a.body).toEqual(['b.conv1', 'b.bn1', 'b.relu', 'b.conv2', 'b.bn2', 'b.excite']);
  });
  test('with a projection shortcut, and in a block without an add', () => {
    const p = anatomy((x) => relu(add(se(body(x, 8, 2)), projectionShortcut(x, { outChannels: 8, stride: 2 }))));
    expect(p.gate?.nodes).toEqual(chain);
    expect(p.shortcut.nodes).toEqual(['b.downsample.0', 'b.downsample.1']);
    const plain = anatomy((x) => relu(se(body(x))));
    expect(plain.shortcut.kind).toBe('none');
    expect(plain.gate?.nodes).toEqual(chain);
    expect(plain.body).toEqual(['b.conv1', 'b.bn1', 'b.relu', 'b.conv2', 'b.bn2', 'b.scale', 'b.relu_1']);
  });
  test('the pooled tensor may lie upstream of the scaled one', () => {
    const a = anatomy((x) => {
      const y = body(x);
      let s = adaptiveAvgPool2d(y, { name: 'pool' });
      s = sigmoid(conv2d(s, { name: 'fc', outChannels: 8, kernel: 1 }), { name: 'gate' });
      return relu(add(mul(relu(y, { name: 'mid' }), s, { name: 'scale' }), x));
    });
    expect(a.gate).toEqual({ nodes: ['b.pool', 'b.fc', 'b.gate'], source: 'b.bn2', scale: 'b.scale', main: 'b.mid' });
  });
  test('a ReduceMean over the spatial axes is a global pooling; over the channels it is not', () => {
    const asReduceMean = (axes: readonly number[]) => (g: Graph) =>
      g.nodes.map((n): Node => (n.op === 'GlobalAveragePool' ? { ...n, op: 'ReduceMean', attrs: { axes, keepdims: true } } : n));
    expect(anatomy((x) => relu(add(se(body(x)), x)), asReduceMean([2, 3])).gate?.nodes).toEqual(chain);
    expect(anatomy((x) => relu(add(se(body(x)), x)), asReduceMean([-1, -2])).gate?.nodes).toEqual(chain);
    const channel = anatomy((x) => relu(add(se(body(x)), x)), asReduceMean([1]));
    expect(channel.gate).toBeUndefined();
    expect(channel.body).toContain('b.fc1');
  });
  test('not a gate: no global pooling, a chain that leaks into the main path, a product of two main-path tensors', () => {
    const noPool = anatomy((x) => {
      const y = body(x);
      return relu(add(mul(y, sigmoid(conv2d(y, { name: 'fc', outChannels: 8, kernel: 1 }), { name: 'gate' })), x));
    });
    expect(noPool.gate).toBeUndefined();
    expect(noPool.body).toContain('b.fc');
    const leaky = anatomy((x) => {
      const y = body(x);
      const s = sigmoid(conv2d(adaptiveAvgPool2d(y, { name: 'pool' }), { name: 'fc', outChannels: 8, kernel: 1 }), { name: 'gate' });
      return relu(add(add(mul(y, s), s, { name: 'leak' }), x));
    });
    expect(leaky.gate).toBeUndefined();
    const square = anatomy((x) => {
      const y = body(x);
      return relu(add(mul(y, relu(y, { name: 'r2' })), x));
    });
    expect(square.gate).toBeUndefined();
  });
});
