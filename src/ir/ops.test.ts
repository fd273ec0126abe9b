/** The registry entries for dense prediction: Concat, Resize and Dropout (shapes, MACs, ONNX forms). */
import { describe, expect, test } from 'vitest';
import type { Dim, Node, NodeOf, OpAttrMap, Shape } from './types.js';
import { ShapeError, inferNodeShape, nodeMacs, nodeOnnx, scaleFraction, type OnnxHelperNode } from './ops.js';
import { dimCeilDiv, dimFloorDiv, formatDim } from './dim.js';
import { thrown } from '../../test/helpers/errors.js';

const node = <K extends 'Concat' | 'Resize' | 'Dropout'>(op: K, attrs: OpAttrMap[K], inputs = 1): NodeOf<K> =>
  ({ name: 'n', op, attrs, inputs: Array.from({ length: inputs }, (_, i) => `x${i}`), params: [], outputs: ['n'], module: 'n' }) as NodeOf<K>;
const shapeOf = (n: Node, inputs: readonly Shape[], multipleOf = 1): Shape =>
  inferNodeShape(n, inputs, [], { domains: new Map([['H', { multipleOf }], ['W', { multipleOf }]]) });
const text = (s: Shape): string => `[${s.map(formatDim).join(', ')}]`;
const shapeError = (f: () => unknown): ShapeError => thrown(ShapeError, f);

const half = (d: Dim): Dim => dimCeilDiv(d, 2);

describe('Concat', () => {
  const cat = node('Concat', { axis: 1 }, 3);
  test('channels add up; the other axes are kept, symbolic ones included', () => {
    expect(text(shapeOf(cat, [['N', 256, half('H'), 'W'], ['N', 256, half('H'), 'W'], ['N', 768, half('H'), 'W']]))).toBe('[N, 1280, ⌈H/2⌉, W]');
    expect(shapeOf(node('Concat', { axis: 2 }, 2), [['N', 3, 4, 5], ['N', 3, 6, 5]])).toEqual(['N', 3, 10, 5]);
    expect(nodeMacs(cat, [], [])).toBe(0);
  });
  test('dims equal for every size are accepted though written differently (⌊(H+1)/2⌋ and ⌈H/2⌉)', () => {
    expect(text(shapeOf(node('Concat', { axis: 1 }, 2), [['N', 1, dimFloorDiv({ kind: 'expr', terms: [{ coeff: 1, atoms: [{ kind: 'sym', name: 'H' }] }, { coeff: 1, atoms: [] }] }, 2), 'W'], ['N', 2, half('H'), 'W']]))).toBe('[N, 3, ⌈H/2⌉, W]');
  });
  test('a spatial dim equal only for some sizes is refused with the condition, and the multiple that makes it hold', () => {
    const e = shapeError(() => shapeOf(node('Concat', { axis: 1 }, 2), [['N', 8, half('H'), 'W'], ['N', 8, dimFloorDiv('H', 2), 'W']]));
    expect(e.code).toBe('E_SHAPE_MISMATCH');
    expect(e.message).toBe('Concat along axis 1 got inputs of shapes [N, 8, ⌈H/2⌉, W] and [N, 8, ⌊H/2⌋, W] (input 1), which differ in dimension 2 (⌈H/2⌉ vs ⌊H/2⌋, equal only when H is even (they differ at H = 1))');
    expect(e.hint).toContain('declare H a multiple of 2');
    // declared even, the same maps are equal for every allowed size
    expect(text(shapeOf(node('Concat', { axis: 1 }, 2), [['N', 8, half('H'), 'W'], ['N', 8, dimFloorDiv('H', 2), 'W']], 2))).toBe('[N, 16, ⌈H/2⌉, W]');
  });
  test('fixed sizes that differ, ranks that differ and a bad axis are refused', () => {
    const e = shapeError(() => shapeOf(node('Concat', { axis: 1 }, 2), [['N', 8, 16, 16], ['N', 8, 8, 8]]));
    expect([e.code, e.message]).toEqual(['E_SHAPE_MISMATCH', 'Concat along axis 1 got inputs of shapes [N, 8, 16, 16] and [N, 8, 8, 8] (input 1), which differ in dimension 2 (16 vs 8)']);
    expect(e.hint).toContain('resize or pad');
    expect(shapeError(() => shapeOf(node('Concat', { axis: 1 }, 2), [['N', 8, 4, 4], ['N', 8]])).code).toBe('E_SHAPE_RANK');
    expect(shapeError(() => shapeOf(node('Concat', { axis: 4 }, 1), [['N', 8, 4, 4]])).code).toBe('E_ATTR');
  });
  test('ONNX: Concat with its axis', () => {
    expect(nodeOnnx(cat, 17)).toEqual({ opType: 'Concat', attrs: { axis: { type: 'int', value: 1 } }, constInputs: [] });
  });
});

describe('Resize', () => {
  test('by a scale: floor(in * scale), exact for symbolic sizes', () => {
    const up = node('Resize', { mode: 'bilinear', target: 'scale', scales: [2, 0.5] });
    expect(text(shapeOf(up, [['N', 21, 'H', 'W']]))).toBe('[N, 21, 2·H, ⌊W/2⌋]');
    expect(shapeOf(up, [['N', 21, 7, 9]])).toEqual(['N', 21, 14, 4]);
    expect(text(shapeOf(node('Resize', { mode: 'bilinear', target: 'scale', scales: [1.5, 1.5] }), [['N', 1, 'H', 5]]))).toBe('[N, 1, H + ⌊H/2⌋, 7]');
    expect(nodeMacs(up, [], [])).toBe(0);
  });
  test('to a fixed size, or to the spatial size of a second input', () => {
    expect(shapeOf(node('Resize', { mode: 'bilinear', target: 'size', size: [32, 48] }), [['N', 3, 'H', 'W']])).toEqual(['N', 3, 32, 48]);
    expect(text(shapeOf(node('Resize', { mode: 'bilinear', target: 'like' }, 2), [['N', 21, dimCeilDiv('H', 8), dimCeilDiv('W', 8)], ['N', 3, 'H', 'W']]))).toBe('[N, 21, H, W]');
  });
  test('refused: a non-positive size, an empty result, a scale ONNX\'s float32 cannot hold, a reference that is not a map', () => {
    expect(shapeError(() => shapeOf(node('Resize', { mode: 'bilinear', target: 'size', size: [0, 4] }), [['N', 3, 8, 8]])).code).toBe('E_ATTR');
    expect(shapeError(() => shapeOf(node('Resize', { mode: 'bilinear', target: 'scale', scales: [0.25, 0.25] }), [['N', 3, 3, 8]])).code).toBe('E_SHAPE_EMPTY');
    expect(shapeError(() => shapeOf(node('Resize', { mode: 'bilinear', target: 'scale', scales: [0.1, 1] }), [['N', 3, 8, 8]])).code).toBe('E_ATTR');
    expect(shapeError(() => shapeOf(node('Resize', { mode: 'bilinear', target: 'like' }, 2), [['N', 3, 8, 8], ['N', 10]])).code).toBe('E_SHAPE_RANK');
    expect(shapeError(() => shapeOf(node('Resize', { mode: 'bilinear', target: 'like' }), [['N', 3, 8, 8]])).code).toBe('E_ATTR');
    // a flattened map: the shape printed with its symbols, the hint about flatten()
    const flat = shapeError(() => shapeOf(node('Resize', { mode: 'bilinear', target: 'scale', scales: [2, 2] }), [['N', dimCeilDiv('H', 2)]]));
    expect(flat.message).toBe('Resize expects a rank-4 input, got [N, ⌈H/2⌉]');
    expect(flat.hint).toMatch(/flattened/);
  });
  test('scaleFraction: multiples of 1/2^k only', () => {
    expect([2, 0.5, 1.5, 0.375].map(scaleFraction)).toEqual([{ num: 2, den: 1 }, { num: 1, den: 2 }, { num: 3, den: 2 }, { num: 3, den: 8 }]);
    expect([0.1, 1 / 3, 0, -2, Infinity, NaN].map(scaleFraction)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    // a multiple of 1/2^16 with more significant bits than float32 holds
    expect(scaleFraction(257 + 2 ** -16)).toBeUndefined();
  });
  test('ONNX: linear with half_pixel (PyTorch\'s align_corners=False); scales as a float32 constant', () => {
    const spec = nodeOnnx(node('Resize', { mode: 'bilinear', target: 'scale', scales: [2, 2] }), 17);
    expect(spec.attrs).toEqual({ mode: { type: 'string', value: 'linear' }, coordinate_transformation_mode: { type: 'string', value: 'half_pixel' } });
    expect(spec.inputs).toEqual([{ kind: 'input', index: 0 }, { kind: 'empty' }, { kind: 'const', value: { suffix: 'scales', dtype: 'float32', dims: [4], values: [1, 1, 2, 2] } }]);
    expect(spec.helpers).toBeUndefined();
  });
  test('ONNX: sizes from run-time shapes, N and C of the input and H and W of the reference (Shape -> Slice -> Concat)', () => {
    const spec = nodeOnnx(node('Resize', { mode: 'bilinear', target: 'like' }, 2), 17);
    const helpers = spec.helpers as readonly OnnxHelperNode[];
    expect(helpers.map((h) => [h.suffix, h.opType])).toEqual([
      ['shape', 'Shape'],
      ['batch_channels', 'Slice'],
      ['like_shape', 'Shape'],
      ['like_size', 'Slice'],
      ['sizes', 'Concat'],
    ]);
    expect(helpers[0]!.inputs).toEqual([{ kind: 'input', index: 0 }]);
    expect(helpers[2]!.inputs).toEqual([{ kind: 'input', index: 1 }]);
    expect(helpers[3]!.inputs.slice(1)).toEqual([
      { kind: 'const', value: { suffix: 'like_size.starts', dtype: 'int64', dims: [1], values: [2] } },
      { kind: 'const', value: { suffix: 'like_size.ends', dtype: 'int64', dims: [1], values: [4] } },
    ]);
    // the reference tensor is not an input of the Resize node itself
    expect(spec.inputs).toEqual([{ kind: 'input', index: 0 }, { kind: 'empty' }, { kind: 'empty' }, { kind: 'helper', suffix: 'sizes' }]);
    // opsets 11 and 12 want roi and scales present: empty float tensors
    const old = nodeOnnx(node('Resize', { mode: 'bilinear', target: 'size', size: [4, 4] }), 11);
    expect(old.inputs!.slice(1, 3)).toEqual([
      { kind: 'const', value: { suffix: 'roi', dtype: 'float32', dims: [0], values: [] } },
      { kind: 'const', value: { suffix: 'scales', dtype: 'float32', dims: [0], values: [] } },
    ]);
    expect(old.helpers!.at(-1)!.inputs[1]).toEqual({ kind: 'const', value: { suffix: 'size', dtype: 'int64', dims: [2], values: [4, 4] } });
  });
});

describe('Dropout', () => {
  test('the identity: shape kept, no MACs; ONNX Dropout (inference: the identity) with its ratio', () => {
    const d = node('Dropout', { ratio: 0.1 });
    expect(text(shapeOf(d, [['N', 256, 'H', 'W']]))).toBe('[N, 256, H, W]');
    expect(nodeMacs(d, [], [])).toBe(0);
    expect(nodeOnnx(d, 17)).toEqual({ opType: 'Dropout', attrs: {}, constInputs: [{ suffix: 'ratio', dtype: 'float32', dims: [], values: [0.1] }] });
    expect(nodeOnnx(d, 11).attrs).toEqual({ ratio: { type: 'float', value: 0.1 } });
  });
});
