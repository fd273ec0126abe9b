import { describe, expect, test } from 'vitest';
import type { Graph, Node, Value } from './types.js';
import { applyRenames, resolveRename } from './rename.js';

const v = (id: string): Value => ({ id, dtype: 'float32', shape: ['N', 1] });
const relu = (name: string, input: string): Node => ({ name, op: 'Relu', attrs: {}, inputs: [input], params: [], outputs: [name], module: name });
// x -> a -> b -> c, c is the output
const chain = (): Graph => ({
  name: 'g',
  inputs: ['x'],
  outputs: ['c'],
  values: new Map(['x', 'a', 'b', 'c'].map((id) => [id, v(id)])),
  nodes: [relu('a', 'x'), relu('b', 'a'), relu('c', 'b')],
  params: new Map(),
  meta: new Map(),
  modules: [],
  symbols: new Map([['N', { reference: 1, multipleOf: 1 }]]),
});

describe('value renames', () => {
  test('renames chain, and a cycle is a bug, not a hang', () => {
    expect(resolveRename(new Map([['a', 'b'], ['b', 'c']]), 'a')).toBe('c');
    expect(resolveRename(new Map(), 'a')).toBe('a');
    expect(() => resolveRename(new Map([['a', 'b'], ['b', 'a']]), 'a')).toThrow(/cycle/);
  });
  test('readers of b read a instead (b dropped): its value entry goes, the order of the others stays', () => {
    const g = chain();
    const out = applyRenames(g, new Map([['b', 'a']]), new Set([g.nodes[1]!]));
    expect(out.nodes.map((n) => `${n.inputs[0]}->${n.outputs[0]}`)).toEqual(['x->a', 'a->c']);
    expect([...out.values.keys()]).toEqual(['x', 'a', 'c']);
    expect(out.nodes[0]).toBe(g.nodes[0]); // untouched nodes keep their identity
  });
  test('a producer writes a new graph output name: the value entry moves in place, graph outputs follow', () => {
    const out = applyRenames(chain(), new Map([['c', 'logits']]));
    expect(out.outputs).toEqual(['logits']);
    expect([...out.values.keys()]).toEqual(['x', 'a', 'b', 'logits']);
    expect(out.values.get('logits')!.id).toBe('logits');
    expect(out.nodes[2]!.outputs).toEqual(['logits']);
  });
  test('nothing to do returns the same graph', () => {
    const g = chain();
    expect(applyRenames(g, new Map())).toBe(g);
  });
});
