import { describe, expect, test } from 'vitest';
import type { Graph } from '../ir/types.js';
import { verifyGraph } from '../ir/verify.js';
import { buildGraph } from '../dsl/builder.js';
import { batchNorm2d, conv2d, relu } from '../dsl/layers.js';
import { eliminateDead } from './eliminateDead.js';

/** input -> conv -> relu -> out, plus an `aux` branch (conv + bn) that reaches no output. */
function withDeadBranch(): Graph {
  return buildGraph({ name: 'dead', input: [3, 4, 4] }, (x) => {
    const y = relu(conv2d(x, { name: 'conv', outChannels: 2, kernel: 1 }));
    batchNorm2d(conv2d(y, { name: 'aux', outChannels: 2, kernel: 1 }), { name: 'aux_bn' });
    return relu(y, { name: 'head' });
  });
}

describe('eliminate-dead', () => {
  test('removes nodes whose outputs reach no graph output, then their params', () => {
    const g = withDeadBranch();
    const notes: string[] = [];
    const out = eliminateDead(g, { note: (l) => notes.push(l) });
    expect(out.nodes.map((n) => n.name)).toEqual(['conv', 'relu', 'head']);
    expect([...out.params.keys()]).toEqual(['conv.weight', 'conv.bias']);
    expect(out.values.has('aux')).toBe(false);
    expect(out.values.has('aux_bn')).toBe(false);
    expect(verifyGraph(out)).toEqual([]);
    expect(notes).toContain('removed aux (Conv): its output reaches no graph output');
    expect(notes).toContain('removed param aux_bn.running_var: no node uses it');
    expect(eliminateDead(out)).toBe(out);
  });

  test('removes a param no node uses; keeps an unused graph input', () => {
    const g0 = buildGraph({ name: 'p', input: [3, 4, 4] }, (x) => relu(conv2d(x, { name: 'conv', outChannels: 2, kernel: 1 })));
    const params = new Map(g0.params);
    params.set('stale.weight', { ...g0.params.get('conv.weight')!, name: 'stale.weight' });
    const g = { ...g0, params, inputs: [...g0.inputs, 'extra'], values: new Map([...g0.values, ['extra', { id: 'extra', dtype: 'float32', shape: [1] }]]) } as Graph;
    const out = eliminateDead(g);
    expect([...out.params.keys()]).toEqual(['conv.weight', 'conv.bias']);
    expect(out.inputs).toEqual(['input', 'extra']);
    expect(out.nodes).toBe(g.nodes);
  });

  test('nothing dead: the same object', () => {
    const g = buildGraph({ name: 'l', input: [3, 4, 4] }, (x) => relu(conv2d(x, { name: 'conv', outChannels: 2, kernel: 1 })));
    expect(eliminateDead(g)).toBe(g);
  });
});
