import { describe, expect, test } from 'vitest';
import type { Graph } from '../ir/types.js';
import { verifyGraph } from '../ir/verify.js';
import { buildGraph } from '../dsl/builder.js';
import { conv2d, relu } from '../dsl/layers.js';
import { eliminateIdentity } from './eliminateIdentity.js';
import { insertIdentity } from '../../test/fold/helpers.js';


const base = (): Graph =>
  buildGraph({ name: 'id', input: [3, 4, 4], outputName: 'out' }, (x) => relu(conv2d(relu(x), { name: 'conv', outChannels: 2, kernel: 1 }), { name: 'relu2' }));

const ops = (g: Graph): string[] => g.nodes.map((n) => `${n.op}(${n.inputs.join(',')})->${n.outputs.join(',')}`);

describe('eliminate-identity', () => {
  test('y = Identity(x) in the middle: readers of y read x', () => {
    const g = insertIdentity(base(), 'conv', 'conv_copy');
    expect(verifyGraph(g)).toEqual([]);
    const notes: string[] = [];
    const out = eliminateIdentity(g, { note: (l) => notes.push(l) });
    expect(ops(out)).toEqual(ops(base()));
    expect(out.values.has('conv_copy')).toBe(false);
    expect(verifyGraph(out)).toEqual([]);
    expect(notes).toEqual(['removed conv_copy: readers of conv_copy now read conv']);
    expect(eliminateIdentity(out)).toBe(out);
  });

  test('an Identity producing the graph output: the producer of x writes the output name', () => {
    const g = insertIdentity(base(), 'out', 'logits');
    expect(g.outputs).toEqual(['logits']);
    const out = eliminateIdentity(g);
    expect(out.outputs).toEqual(['logits']);
    expect(ops(out)).toEqual(['Relu(input)->relu', 'Conv(relu)->conv', 'Relu(conv)->logits']);
    expect(out.values.has('out')).toBe(false);
    expect(verifyGraph(out)).toEqual([]);
  });

  test('other readers of x follow the rename when x feeds both an output Identity and a node', () => {
    // conv -> Identity -> graph output "y", and conv -> relu2 -> out: two outputs
    let g = base();
    g = { ...insertIdentity(g, 'conv', 'y', false), outputs: ['out', 'y'] };
    const out = eliminateIdentity(g);
    expect(ops(out)).toEqual(['Relu(input)->relu', 'Conv(relu)->y', 'Relu(y)->out']);
    expect(verifyGraph(out)).toEqual([]);
  });

  test('a chain of Identities collapses', () => {
    const g = insertIdentity(insertIdentity(base(), 'out', 'a'), 'a', 'b');
    expect(g.outputs).toEqual(['b']);
    const out = eliminateIdentity(g);
    expect(ops(out)).toEqual(['Relu(input)->relu', 'Conv(relu)->conv', 'Relu(conv)->b']);
    expect(verifyGraph(out)).toEqual([]);
    expect(eliminateIdentity(out)).toBe(out);
  });

  test('keeps an Identity from the graph input or from another output to an output', () => {
    const g = { ...insertIdentity(base(), 'input', 'copy', false), outputs: ['out', 'copy'] };
    const notes: string[] = [];
    expect(eliminateIdentity(g, { note: (l) => notes.push(l) })).toBe(g);
    expect(notes).toEqual(['kept copy: it copies graph input input to graph output copy']);
    const g2 = { ...insertIdentity(base(), 'out', 'out2', false), outputs: ['out', 'out2'] };
    expect(eliminateIdentity(g2)).toBe(g2);
  });

  test('no Identity: the same object', () => {
    const g = base();
    expect(eliminateIdentity(g)).toBe(g);
  });
});
