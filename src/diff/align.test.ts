import { describe, expect, test } from 'vitest';
import { align, type Aligned } from './align.js';

interface Item {
  readonly name: string;
  readonly kind: string;
}
const items = (spec: string): Item[] =>
  spec.split(' ').map((s) => {
    const [name, kind] = s.split(':');
    return { name: name!, kind: kind ?? 'x' };
  });
const show = (rows: readonly Aligned<Item>[]): string[] => rows.map((r) => `${r.a?.name ?? '-'}/${r.b?.name ?? '-'}${r.byStructure ? '*' : ''}`);
const run = (a: string, b: string): string[] => show(align(items(a), items(b), (t) => t.name, (t) => t.kind));

describe('align', () => {
  test('equal sequences pair one to one', () => {
    expect(run('stem layer1 layer2 head', 'stem layer1 layer2 head')).toEqual(['stem/stem', 'layer1/layer1', 'layer2/layer2', 'head/head']);
  });
  test('an item only in B is added where it stands; one only in A is removed', () => {
    expect(run('0 1 2', '0 1 2 3')).toEqual(['0/0', '1/1', '2/2', '-/3']);
    expect(run('0 1 2 3', '0 2 3')).toEqual(['0/0', '1/-', '2/2', '3/3']);
  });
  test('renamed items pair by structure between name matches', () => {
    expect(run('stem:s layer1:g layer2:g fc:h', 'stem:s stage1:g stage2:g fc:h')).toEqual(['stem/stem', 'layer1/stage1*', 'layer2/stage2*', 'fc/fc']);
  });
  test('an unpaired item of another kind stays removed or added, A before B', () => {
    expect(run('a conv:c b', 'a pool:p b')).toEqual(['a/a', 'conv/-', '-/pool', 'b/b']);
    expect(run('a conv:c relu:r b', 'a conv2:c se:e b')).toEqual(['a/a', 'conv/conv2*', 'relu/-', '-/se', 'b/b']);
  });
  test('one side empty: everything removed, or added', () => {
    const ab = items('a b');
    expect(show(align(ab, [], (t) => t.name, (t) => t.kind))).toEqual(['a/-', 'b/-']);
    expect(show(align([], ab, (t) => t.name, (t) => t.kind))).toEqual(['-/a', '-/b']);
  });
});
