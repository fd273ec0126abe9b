/**
 * The op registry: one entry per op kind with its arity, parameter layout, shape
 * function, MAC count and ONNX mapping (as plain data; only src/backends/onnx turns it
 * into protobuf). Adding an op is one entry in OpAttrMap (types.ts) and one here; the
 * mapped type below makes a missing entry a compile error.
 */
import type { DType, Dim, Node, NodeOf, OpAttrMap, OpKind, Shape } from './types.js';
import { effectiveKernel, windowOutDim } from './shapeMath.js';
import { dimAdd, dimCeilDiv, dimEquals, dimFloorDiv, dimMul, dimSub, formatDim } from './dim.js';
import { describeCondition, proveEqual, type Domains } from './dimProof.js';

/** What shape functions may know beyond their inputs: the input symbols' constraints. */
export interface ShapeEnv {
  readonly domains?: Domains;
}

/** The error codes shape functions raise (each listed in src/errorCodes.ts). */
export type ShapeErrorCode = 'E_SHAPE_MISMATCH' | 'E_SHAPE_RANK' | 'E_SHAPE_EMPTY' | 'E_SHAPE_SYMBOLIC' | 'E_PARAM_SHAPE' | 'E_GROUPS' | 'E_ATTR';

/** Raised by shape functions; callers attach the module path and source location. */
export class ShapeError extends Error {
  constructor(
    readonly code: ShapeErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

export type OnnxAttrValue =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string };

/** A constant input the ONNX form needs (Pad's pads, Slice's starts ...), emitted as an initializer. */
export interface OnnxConstInput {
  readonly suffix: string;
  /** 'float16' constants are written as half bits (the serializer converts `values`). */
  readonly dtype: 'int64' | DType;
  readonly dims: readonly number[];
  readonly values: readonly number[];
}

/**
 * One input of an ONNX node an op maps to, when the op lists them itself (OnnxNodeSpec.inputs):
 * the op's activation input `index`, a constant, the output of one of its helper nodes, or an
 * empty optional slot.
 */
export type OnnxInput =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'const'; readonly value: OnnxConstInput }
  | { readonly kind: 'helper'; readonly suffix: string }
  | { readonly kind: 'empty' };

/** A node emitted just before the op's own node (named, and its output named, `<node>.<suffix>`). */
export interface OnnxHelperNode {
  readonly suffix: string;
  readonly opType: string;
  readonly attrs: Readonly<Record<string, OnnxAttrValue>>;
  readonly inputs: readonly OnnxInput[];
}

export interface OnnxNodeSpec {
  readonly opType: string;
  readonly attrs: Readonly<Record<string, OnnxAttrValue>>;
  /** Inputs after the activations and params (in that order); `null` leaves an optional slot empty. */
  readonly constInputs: readonly (OnnxConstInput | null)[];
  /**
   * Nodes that compute some of the inputs at run time, in order (Resize to another tensor's
   * size: Shape -> Slice -> Concat gives its `sizes`). One op in the IR, a few in ONNX.
   */
  readonly helpers?: readonly OnnxHelperNode[];
  /** The node's inputs, when they are not `activations, params, constInputs` (then `constInputs` is unused). */
  readonly inputs?: readonly OnnxInput[];
}

export interface OpDef<K extends OpKind> {
  /** [min, max] activation inputs. */
  readonly arity: readonly [number, number];
  /** Weighted layers count toward main-path depth (Conv, Gemm). */
  readonly weighted: boolean;
  /** Output shape from the activation input shapes and parameter shapes. Throws ShapeError. */
  inferShape(node: NodeOf<K>, inputs: readonly Shape[], params: readonly (readonly number[])[], env: ShapeEnv): Shape;
  /** Multiply-accumulates for one sample (batch 1): a number, or an expression of the input size. */
  macs(node: NodeOf<K>, inputs: readonly Shape[], output: Shape): Dim;
  /** The ONNX form at a given opset; `dtype` is the first activation input's (Pad's value must match it). */
  onnx(node: NodeOf<K>, opset: number, dtype: DType): OnnxNodeSpec;
  /** Output dtype (defaults to the first input's). */
  outputDType?(node: NodeOf<K>, inputs: readonly DType[]): DType;
}

const plain = (opType: string): OnnxNodeSpec => ({ opType, attrs: {}, constInputs: [] });
const ints = (value: readonly number[]): OnnxAttrValue => ({ type: 'ints', value });
const int = (value: number): OnnxAttrValue => ({ type: 'int', value });
const i64 = (suffix: string, values: readonly number[]): OnnxConstInput => ({
  suffix,
  dtype: 'int64',
  dims: [values.length],
  values,
});

function num(d: Dim | undefined, what: string, hint?: string): number {
  if (typeof d !== 'number') {
    throw new ShapeError('E_SHAPE_SYMBOLIC', `${what} must be a known number, got ${d === undefined ? 'nothing' : formatDim(d)}`, hint);
  }
  return d;
}

function expectRank(s: Shape, rank: number, what: string): void {
  if (s.length !== rank) {
    throw new ShapeError(
      'E_SHAPE_RANK',
      `${what} expects a rank-${rank} input, got ${formatShape(s)}`,
      rank !== 4
        ? undefined
        : s.length < 4
          ? 'image layers take [N, C, H, W]; this tensor was flattened (or is a classifier output): apply image layers before flatten() and the classifier'
          : 'image layers take [N, C, H, W]',
    );
  }
}

export function formatShape(s: Shape): string {
  return `[${s.map(formatDim).join(', ')}]`;
}

const RESIDUAL_HINT = 'a residual add needs the shortcut to have the block output shape: add a projection (downsample) or fix stride/channels';

/**
 * Two dims that must be equal, for every input size the model accepts: equal by
 * canonical form, else proven by ./dimProof.ts. Returns an error message when they are
 * not (naming the condition under which they would be).
 */
export function mustEqual(a: Dim, b: Dim, env: ShapeEnv): { readonly message: string; readonly condition?: string; readonly fix?: { readonly symbol: string; readonly multipleOf: number } } | undefined {
  if (dimEquals(a, b)) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return { message: `${a} vs ${b}` };
  const p = proveEqual(a, b, env.domains);
  if (p.kind === 'always') return undefined;
  const example = (e: Readonly<Record<string, number>>): string => Object.entries(e).map(([k, v]) => `${k} = ${v}`).join(', ');
  if (p.kind === 'when') {
    const condition = describeCondition(p);
    // equal on the multiples of m: declaring the input so makes them equal for every allowed size
    const fix = p.residues.length === 1 && p.residues[0] === 0 ? { symbol: p.symbol, multipleOf: p.modulus } : undefined;
    return { message: `${formatDim(a)} vs ${formatDim(b)}, equal only when ${condition} (they differ at ${example(p.example)})`, condition, ...(fix ? { fix } : {}) };
  }
  if (p.kind === 'never') return { message: `${formatDim(a)} vs ${formatDim(b)}${Object.keys(p.example).length > 0 ? `, which differ at ${example(p.example)}` : ''}` };
  return { message: `${formatDim(a)} vs ${formatDim(b)}, which cannot be proven equal for every size` };
}

type Disagreement = NonNullable<ReturnType<typeof mustEqual>>;

/** How to fix two branches that agree only for some sizes: the condition, and the multiple to declare when that is enough. */
function sometimesHint(bad: Disagreement): string {
  const fix = bad.fix;
  return `the two branches agree only when ${bad.condition ?? 'never'}: change a stride, kernel or padding so they agree for every size${fix ? `, or declare ${fix.symbol} a multiple of ${fix.multipleOf} (dims: { ${fix.symbol}: { multipleOf: ${fix.multipleOf} } } in defineModel, --size-multiple ${fix.multipleOf} on the command line)` : ''}`;
}

/** NumPy broadcasting, as ONNX Add/Mul define it; equal dims must be equal for every input size. */
function broadcast(a: Shape, b: Shape, op: string, env: ShapeEnv): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else {
      const bad = mustEqual(da, db, env);
      if (bad === undefined) {
        out.push(da);
        continue;
      }
      const symbolic = typeof da !== 'number' || typeof db !== 'number';
      throw new ShapeError(
        'E_SHAPE_MISMATCH',
        `${op} got operands of shapes ${formatShape(a)} and ${formatShape(b)}, which do not match (dimension ${i}: ${bad.message})`,
        bad.condition !== undefined
          ? sometimesHint(bad)
          : op === 'Add'
            ? RESIDUAL_HINT
            : symbolic
              ? 'the operands must have equal sizes for every input size'
              : undefined,
      );
    }
  }
  return out;
}

/**
 * One spatial axis of a window op, as ONNX defines it: floor((in + pad_begin + pad_end -
 * (dilation * (kernel - 1) + 1)) / stride) + 1, or ceil with ceilMode and PyTorch's rule
 * that the last window must start inside the input or the begin padding. A symbolic input
 * gives the same formula as an expression; with ceilMode, only where PyTorch's rule never
 * applies or always applies (else the size depends on the input size modulo the stride).
 */
function windowAxis(what: string, axis: string, x: Dim, k: number, s: number, pb: number, pe: number, d: number, ceilMode: boolean): Dim {
  if (typeof x === 'number') return windowOutDim(x, k, s, pb, pe, d, ceilMode);
  // the same map through the same window recurs in every block: simplify it once per dim object
  const memo = typeof x === 'object' ? windowMemo.get(x) : undefined;
  const key = `${k},${s},${pb},${pe},${d},${ceilMode ? 1 : 0}`;
  const hit = memo?.get(key);
  if (hit !== undefined) return hit;
  const out = symbolicWindow(what, axis, x, k, s, pb, pe, d, ceilMode);
  if (typeof x === 'object') {
    if (memo === undefined) windowMemo.set(x, new Map([[key, out]]));
    else memo.set(key, out);
  }
  return out;
}

/** Window results by input dim object (kept only as long as the dim is). */
const windowMemo = new WeakMap<object, Map<string, Dim>>();

function symbolicWindow(what: string, axis: string, x: Dim, k: number, s: number, pb: number, pe: number, d: number, ceilMode: boolean): Dim {
  const span = dimSub(dimAdd(x, pb + pe), effectiveKernel(k, d));
  if (!ceilMode) return dimAdd(dimFloorDiv(span, s), 1);
  // out - 1 = ceil(span / s); PyTorch drops the last window when (out - 1) * s >= in + pb,
  // i.e. when ceil(span / s) * s - span >= k_eff - pe: the round-up slack is 0..s-1.
  const need = effectiveKernel(k, d) - pe;
  if (need > s - 1) return dimAdd(dimCeilDiv(span, s), 1);
  if (need <= 0) return dimCeilDiv(span, s);
  throw new ShapeError(
    'E_SHAPE_SYMBOLIC',
    `${what} with ceil_mode on a symbolic ${axis} (${formatDim(x)}): its output size depends on the input size modulo the stride ${s} in a way one formula cannot express`,
    'use ceilMode: false, or compile this model at a fixed input size',
  );
}

function windowed(
  what: string,
  x: Shape,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  pads: readonly [number, number, number, number],
  dilation: readonly [number, number],
  ceilMode: boolean,
): [Dim, Dim] {
  const h = x[2]!;
  const w = x[3]!;
  const oh = windowAxis(what, 'height', h, kernel[0], stride[0], pads[0], pads[2], dilation[0], ceilMode);
  const ow = windowAxis(what, 'width', w, kernel[1], stride[1], pads[1], pads[3], dilation[1], ceilMode);
  if ((typeof oh === 'number' && oh <= 0) || (typeof ow === 'number' && ow <= 0)) {
    throw new ShapeError(
      'E_SHAPE_EMPTY',
      `${what} output would be empty: input ${formatDim(h)}x${formatDim(w)}, kernel ${kernel.join('x')}, stride ${stride.join('x')}, dilation ${dilation.join('x')}, padding ${pads.join(',')}`,
      'use a larger input size or smaller kernel/stride/dilation',
    );
  }
  return [oh, ow];
}

/** Ends at or beyond this mean "to the end" (ONNX clamps them to the dimension). */
const SLICE_TO_END = 2 ** 31 - 1;

/**
 * A slice of a symbolic dim: from a start counted from either end, to the end or to an
 * end counted from the end, by a positive step: ceil((end - start) / step). (A fixed end
 * on a symbolic dim would be clamped to a size that is not known: refused.) Sizes where
 * the result would be < 1 are ruled out by the model's minimum input size.
 */
function symbolicSlice(d: Dim, start: number, end: number, step: number): Dim {
  if (end >= 0 && end < SLICE_TO_END) {
    throw new ShapeError('E_SHAPE_SYMBOLIC', `Slice to the fixed end ${end} of a symbolic dimension ${formatDim(d)}`, 'slice to the end (a large end) or from the end (a negative end), or compile at a fixed input size');
  }
  const s = start < 0 ? dimAdd(d, start) : start;
  const e = end < 0 ? dimAdd(d, end) : d;
  return dimCeilDiv(dimSub(e, s), step);
}

type Registry = { readonly [K in OpKind]: OpDef<K> };

export const OPS: Registry = {
  Conv: {
    arity: [1, 1],
    weighted: true,
    inferShape(node, [x], [w, b]) {
      expectRank(x!, 4, 'Conv');
      if (w === undefined || w.length !== 4) throw new ShapeError('E_PARAM_SHAPE', 'Conv needs a rank-4 weight [Cout, Cin/groups, kh, kw]');
      const { groups, kernel, stride, pads, dilation } = node.attrs;
      const cin = num(x![1], 'Conv input channels');
      const [cout, cinPerGroup, kh, kw] = w as [number, number, number, number];
      if (cin % groups !== 0 || cout % groups !== 0) {
        throw new ShapeError(
          'E_GROUPS',
          `Conv with groups=${groups} needs input channels (${cin}) and output channels (${cout}) divisible by groups`,
          'choose groups that divides both channel counts',
        );
      }
      if (cinPerGroup * groups !== cin) {
        throw new ShapeError(
          'E_SHAPE_MISMATCH',
          `Conv weight expects ${cinPerGroup * groups} input channels (${cinPerGroup} per group x ${groups}) but the input has ${cin} (input shape ${formatShape(x!)})`,
          'the previous layer produces a different number of channels than this conv was built for',
        );
      }
      if (kh !== kernel[0] || kw !== kernel[1]) throw new ShapeError('E_PARAM_SHAPE', `Conv weight kernel ${kh}x${kw} disagrees with kernel attribute ${kernel.join('x')}`);
      if (b !== undefined && (b.length !== 1 || b[0] !== cout)) throw new ShapeError('E_PARAM_SHAPE', `Conv bias must be [${cout}], got ${formatShape(b)}`);
      const [oh, ow] = windowed('Conv', x!, kernel, stride, pads, dilation, false);
      return [x![0]!, cout, oh, ow];
    },
    macs(node, [x], out) {
      const cin = x![1] as number;
      const [, cout, oh, ow] = out as [Dim, number, Dim, Dim];
      const { kernel, groups } = node.attrs;
      return dimMul(cout * (cin / groups) * kernel[0] * kernel[1], dimMul(oh, ow));
    },
    onnx(node) {
      const a = node.attrs;
      return {
        opType: 'Conv',
        attrs: {
          kernel_shape: ints(a.kernel),
          strides: ints(a.stride),
          pads: ints(a.pads),
          dilations: ints(a.dilation),
          group: int(a.groups),
        },
        constInputs: [],
      };
    },
  },
  BatchNormalization: {
    arity: [1, 1],
    weighted: false,
    inferShape(_node, [x], ps) {
      if (x!.length < 2) throw new ShapeError('E_SHAPE_RANK', `BatchNormalization expects [N, C, ...], got ${formatShape(x!)}`);
      const c = num(x![1], 'BatchNorm channels');
      for (const p of ps) {
        if (p.length !== 1 || p[0] !== c) {
          throw new ShapeError(
            'E_SHAPE_MISMATCH',
            `BatchNorm2d was built for ${p[0]} channels but its input has ${c} (input shape ${formatShape(x!)})`,
            'pass the channel count of the layer before it',
          );
        }
      }
      return x!;
    },
    macs: () => 0,
    onnx(node) {
      return { opType: 'BatchNormalization', attrs: { epsilon: { type: 'float', value: node.attrs.eps } }, constInputs: [] };
    },
  },
  Relu: { arity: [1, 1], weighted: false, inferShape: (_n, [x]) => x!, macs: () => 0, onnx: () => plain('Relu') },
  Sigmoid: { arity: [1, 1], weighted: false, inferShape: (_n, [x]) => x!, macs: () => 0, onnx: () => plain('Sigmoid') },
  Identity: { arity: [1, 1], weighted: false, inferShape: (_n, [x]) => x!, macs: () => 0, onnx: () => plain('Identity') },
  Cast: {
    arity: [1, 1],
    weighted: false,
    inferShape: (_n, [x]) => x!,
    macs: () => 0,
    onnx: (node) => ({ opType: 'Cast', attrs: { to: int(node.attrs.to === 'float16' ? 10 : 1) }, constInputs: [] }),
    outputDType: (node) => node.attrs.to,
  },
  // Scale and zero point are inputs in ONNX; the serializer takes them from the quantized
  // tensor (the output here, the input of DequantizeLinear): src/backends/onnx/qdq.ts.
  QuantizeLinear: {
    arity: [1, 1],
    weighted: false,
    inferShape: (_n, [x]) => x!,
    macs: () => 0,
    onnx: () => plain('QuantizeLinear'),
    outputDType: (node) => node.attrs.to,
  },
  DequantizeLinear: {
    arity: [1, 1],
    weighted: false,
    inferShape: (_n, [x]) => x!,
    macs: () => 0,
    onnx: () => plain('DequantizeLinear'),
    outputDType: () => 'float32',
  },
  MaxPool: {
    arity: [1, 1],
    weighted: false,
    inferShape(node, [x]) {
      expectRank(x!, 4, 'MaxPool');
      const a = node.attrs;
      const [oh, ow] = windowed('MaxPool', x!, a.kernel, a.stride, a.pads, [1, 1], a.ceilMode);
      return [x![0]!, x![1]!, oh, ow];
    },
    macs: () => 0,
    onnx(node) {
      const a = node.attrs;
      return {
        opType: 'MaxPool',
        attrs: { kernel_shape: ints(a.kernel), strides: ints(a.stride), pads: ints(a.pads), ceil_mode: int(a.ceilMode ? 1 : 0) },
        constInputs: [],
      };
    },
  },
  AveragePool: {
    arity: [1, 1],
    weighted: false,
    inferShape(node, [x]) {
      expectRank(x!, 4, 'AveragePool');
      const a = node.attrs;
      const [oh, ow] = windowed('AveragePool', x!, a.kernel, a.stride, a.pads, [1, 1], a.ceilMode);
      return [x![0]!, x![1]!, oh, ow];
    },
    macs: () => 0,
    onnx(node) {
      const a = node.attrs;
      return {
        opType: 'AveragePool',
        attrs: {
          kernel_shape: ints(a.kernel),
          strides: ints(a.stride),
          pads: ints(a.pads),
          ceil_mode: int(a.ceilMode ? 1 : 0),
          count_include_pad: int(a.countIncludePad ? 1 : 0),
        },
        constInputs: [],
      };
    },
  },
  GlobalAveragePool: {
    arity: [1, 1],
    weighted: false,
    inferShape(_n, [x]) {
      expectRank(x!, 4, 'GlobalAveragePool');
      return [x![0]!, x![1]!, 1, 1];
    },
    macs: () => 0,
    onnx: () => plain('GlobalAveragePool'),
  },
  ReduceMean: {
    arity: [1, 1],
    weighted: false,
    inferShape(node, [x]) {
      const axes = new Set(node.attrs.axes.map((a) => (a < 0 ? a + x!.length : a)));
      const out: Dim[] = [];
      x!.forEach((d, i) => {
        if (!axes.has(i)) out.push(d);
        else if (node.attrs.keepdims) out.push(1);
      });
      return out;
    },
    macs: () => 0,
    onnx(node, opset) {
      const keepdims = int(node.attrs.keepdims ? 1 : 0);
      if (opset >= 18) return { opType: 'ReduceMean', attrs: { keepdims }, constInputs: [i64('axes', node.attrs.axes)] };
      return { opType: 'ReduceMean', attrs: { axes: ints(node.attrs.axes), keepdims }, constInputs: [] };
    },
  },
  Flatten: {
    arity: [1, 1],
    weighted: false,
    inferShape(node, [x]) {
      const axis = node.attrs.axis;
      const head = x!.slice(0, axis);
      const tail = x!.slice(axis).reduce<Dim>((acc, d) => dimMul(acc, d), 1);
      return [...head, tail];
    },
    macs: () => 0,
    onnx: (node) => ({ opType: 'Flatten', attrs: { axis: int(node.attrs.axis) }, constInputs: [] }),
  },
  Gemm: {
    arity: [1, 1],
    weighted: true,
    inferShape(_node, [x], [w, b]) {
      expectRank(x!, 2, 'Linear');
      if (w === undefined || w.length !== 2) throw new ShapeError('E_PARAM_SHAPE', 'Linear needs a rank-2 weight [out, in]');
      const [out, inF] = w as [number, number];
      const have = num(x![1], 'Linear input features', 'a classifier needs a fixed number of features: pool the map to a fixed size first (adaptiveAvgPool2d) when the input size is symbolic');
      if (have !== inF) {
        throw new ShapeError(
          'E_SHAPE_MISMATCH',
          `Linear expects ${inF} input features but got ${have} (input shape ${formatShape(x!)})`,
          'set inFeatures to the flattened size of the previous layer, or leave it out to infer it',
        );
      }
      if (b !== undefined && (b.length !== 1 || b[0] !== out)) throw new ShapeError('E_PARAM_SHAPE', `Linear bias must be [${out}]`);
      return [x![0]!, out];
    },
    macs(_node, [x], out) {
      return dimMul(x![1]!, out[1]!);
    },
    onnx: () => ({ opType: 'Gemm', attrs: { transB: int(1) }, constInputs: [] }),
  },
  Add: { arity: [2, 2], weighted: false, inferShape: (_n, [a, b], _p, env) => broadcast(a!, b!, 'Add', env), macs: () => 0, onnx: () => plain('Add') },
  Mul: { arity: [2, 2], weighted: false, inferShape: (_n, [a, b], _p, env) => broadcast(a!, b!, 'Mul', env), macs: () => 0, onnx: () => plain('Mul') },
  Pad: {
    arity: [1, 1],
    weighted: false,
    inferShape(node, [x]) {
      const p = node.attrs.pads;
      if (p.length !== 2 * x!.length) throw new ShapeError('E_ATTR', `Pad needs ${2 * x!.length} pad values for a rank-${x!.length} input, got ${p.length}`);
      return x!.map((d, i) => dimAdd(d, p[i]! + p[i + x!.length]!));
    },
    macs: () => 0,
    onnx(node, opset, dtype) {
      const value = node.attrs.value;
      if (opset >= 11) {
        return {
          opType: 'Pad',
          attrs: { mode: { type: 'string', value: 'constant' } },
          constInputs: [i64('pads', node.attrs.pads), { suffix: 'value', dtype, dims: [], values: [value] }],
        };
      }
      return {
        opType: 'Pad',
        attrs: { mode: { type: 'string', value: 'constant' }, pads: ints(node.attrs.pads), value: { type: 'float', value } },
        constInputs: [],
      };
    },
  },
  Slice: {
    arity: [1, 1],
    weighted: false,
    inferShape(node, [x]) {
      const { starts, ends, axes, steps } = node.attrs;
      const out: Dim[] = [...x!];
      axes.forEach((axis, i) => {
        const dim = x![axis]!;
        const step = steps[i] ?? 1;
        if (step <= 0) throw new ShapeError('E_ATTR', 'Slice steps must be positive');
        if (typeof dim !== 'number') {
          out[axis] = symbolicSlice(dim, starts[i]!, ends[i]!, step);
          return;
        }
        const d = dim;
        const s = Math.min(Math.max(starts[i]! < 0 ? starts[i]! + d : starts[i]!, 0), d);
        const e = Math.min(Math.max(ends[i]! < 0 ? ends[i]! + d : ends[i]!, 0), d);
        out[axis] = Math.max(0, Math.ceil((e - s) / step));
      });
      return out;
    },
    macs: () => 0,
    onnx(node) {
      const a = node.attrs;
      return {
        opType: 'Slice',
        attrs: {},
        constInputs: [i64('starts', a.starts), i64('ends', a.ends), i64('axes', a.axes), i64('steps', a.steps)],
      };
    },
  },
  Concat: {
    arity: [1, 1024],
    weighted: false,
    inferShape: (node, inputs, _p, env) => concatShape(node.attrs.axis, inputs, env),
    // a copy: no multiply-accumulates
    macs: () => 0,
    onnx: (node) => ({ opType: 'Concat', attrs: { axis: int(node.attrs.axis) }, constInputs: [] }),
  },
  Resize: {
    arity: [1, 2],
    weighted: false,
    inferShape: (node, inputs) => resizeShape(node.attrs, inputs),
    // netforge counts Conv and Gemm MACs only (torchvision's published figures do too); bilinear
    // interpolation's 4 weighted taps per output element are not counted
    macs: () => 0,
    onnx: (node, opset) => resizeOnnx(node.attrs, opset),
  },
  Dropout: {
    arity: [1, 1],
    weighted: false,
    inferShape: (_n, [x]) => x!,
    macs: () => 0,
    // the identity at inference (training_mode defaults to false); eliminate-identity removes it
    onnx: (node, opset) =>
      opset >= 12
        ? { opType: 'Dropout', attrs: {}, constInputs: [{ suffix: 'ratio', dtype: 'float32', dims: [], values: [node.attrs.ratio] }] }
        : { opType: 'Dropout', attrs: { ratio: { type: 'float', value: node.attrs.ratio } }, constInputs: [] },
  },
};

/**
 * torch.cat: every input of the same rank, every axis but `axis` equal for every input size
 * (proven as Add's operands are; a disagreement names the sizes where it holds), and the
 * joined axis the sum of the inputs' (a known number, or an expression).
 */
function concatShape(axis: number, inputs: readonly Shape[], env: ShapeEnv): Shape {
  const first = inputs[0]!;
  if (!Number.isInteger(axis) || axis < 0 || axis >= first.length) throw new ShapeError('E_ATTR', `Concat axis ${axis} is not an axis of a rank-${first.length} input`);
  let joined: Dim = first[axis]!;
  inputs.slice(1).forEach((s, k) => {
    if (s.length !== first.length) {
      throw new ShapeError('E_SHAPE_RANK', `Concat got inputs of ranks ${first.length} and ${s.length} (${formatShape(first)} and ${formatShape(s)} at input ${k + 1})`, 'concatenate tensors of the same rank');
    }
    s.forEach((d, i) => {
      if (i === axis) return;
      const bad = mustEqual(first[i]!, d, env);
      if (bad === undefined) return;
      throw new ShapeError(
        'E_SHAPE_MISMATCH',
        `Concat along axis ${axis} got inputs of shapes ${formatShape(first)} and ${formatShape(s)} (input ${k + 1}), which differ in dimension ${i} (${bad.message})`,
        bad.condition !== undefined ? sometimesHint(bad) : 'every input must have the same size on every axis but the one they are joined along: resize or pad the branches to one size',
      );
    });
    joined = dimAdd(joined, s[axis]!);
  });
  return first.map((d, i) => (i === axis ? joined : d));
}

/** The exact fraction num/2^k of a scale factor (k <= 16), or undefined when it has none. */
export function scaleFraction(f: number): { readonly num: number; readonly den: number } | undefined {
  // ONNX's scales are float32: a factor float32 cannot hold exactly (257 + 2^-16) is refused
  if (!(f > 0) || !Number.isFinite(f) || Math.fround(f) !== f) return undefined;
  for (let den = 1; den <= 1 << 16; den *= 2) {
    const num = f * den;
    if (Number.isSafeInteger(num)) return { num, den };
  }
  return undefined;
}

function resizeShape(a: OpAttrMap['Resize'], [x, ref]: readonly Shape[]): Shape {
  expectRank(x!, 4, 'Resize');
  const [h, w] = [x![2]!, x![3]!];
  let out: [Dim, Dim];
  if (a.target === 'like') {
    if (ref === undefined) throw new ShapeError('E_ATTR', 'Resize to the size of another tensor needs that tensor as its second input');
    if (ref.length !== 4) throw new ShapeError('E_SHAPE_RANK', `Resize takes the spatial size of an [N, C, H, W] tensor, got ${formatShape(ref)}`, 'pass a feature map or the image, not a flattened tensor');
    out = [ref[2]!, ref[3]!];
  } else {
    if (ref !== undefined) throw new ShapeError('E_ATTR', `Resize by ${a.target} takes one input, got two`);
    if (a.target === 'size') {
      if (!a.size.every((d) => Number.isSafeInteger(d) && d > 0)) throw new ShapeError('E_ATTR', `Resize to [${a.size.join(', ')}]: sizes must be positive integers`);
      out = [a.size[0], a.size[1]];
    } else {
      const axis = (d: Dim, f: number, name: string): Dim => {
        const q = scaleFraction(f);
        if (q === undefined) throw new ShapeError('E_ATTR', `Resize scale ${f} (${name}) is not a positive multiple of 1/2^k`, 'use factors such as 2, 4, 0.5 or 1.5, or resize to a size');
        return typeof d === 'number' ? Math.floor((d * q.num) / q.den) : dimFloorDiv(dimMul(d, q.num), q.den);
      };
      out = [axis(h, a.scales[0], 'height'), axis(w, a.scales[1], 'width')];
    }
  }
  if ((typeof out[0] === 'number' && out[0] < 1) || (typeof out[1] === 'number' && out[1] < 1)) {
    throw new ShapeError('E_SHAPE_EMPTY', `Resize output would be empty: ${formatDim(h)}x${formatDim(w)} to ${formatDim(out[0])}x${formatDim(out[1])}`, 'use a larger input or a larger scale');
  }
  return [x![0]!, x![1]!, out[0], out[1]];
}

/**
 * Resize in ONNX: mode linear, half_pixel coordinates (PyTorch's align_corners=False; ONNX's
 * `pytorch_half_pixel` differs from PyTorch where an output size is 1). Sizes that are only
 * known at run time come from helper nodes: Shape(x)[0:2] (batch and channels) joined with
 * Shape(reference)[2:4], or with the fixed [H, W]. Opsets 11 and 12 want `roi` and `scales`
 * present: empty tensors there, empty slots from 13.
 */
function resizeOnnx(a: OpAttrMap['Resize'], opset: number): OnnxNodeSpec {
  const attrs = { mode: { type: 'string', value: 'linear' }, coordinate_transformation_mode: { type: 'string', value: 'half_pixel' } } as const;
  const input = (index: number): OnnxInput => ({ kind: 'input', index });
  const konst = (value: OnnxConstInput): OnnxInput => ({ kind: 'const', value });
  const emptyF32 = (suffix: string): OnnxInput => (opset >= 13 ? { kind: 'empty' } : konst({ suffix, dtype: 'float32', dims: [0], values: [] }));
  if (a.target === 'scale') {
    return { opType: 'Resize', attrs, constInputs: [], inputs: [input(0), emptyF32('roi'), konst({ suffix: 'scales', dtype: 'float32', dims: [4], values: [1, 1, a.scales[0], a.scales[1]] })] };
  }
  const slice = (suffix: string, of: OnnxInput, start: number, end: number): OnnxHelperNode => ({
    suffix,
    opType: 'Slice',
    attrs: {},
    inputs: [of, konst(i64(`${suffix}.starts`, [start])), konst(i64(`${suffix}.ends`, [end]))],
  });
  const helpers: OnnxHelperNode[] = [{ suffix: 'shape', opType: 'Shape', attrs: {}, inputs: [input(0)] }, slice('batch_channels', { kind: 'helper', suffix: 'shape' }, 0, 2)];
  let spatial: OnnxInput;
  if (a.target === 'like') {
    helpers.push({ suffix: 'like_shape', opType: 'Shape', attrs: {}, inputs: [input(1)] }, slice('like_size', { kind: 'helper', suffix: 'like_shape' }, 2, 4));
    spatial = { kind: 'helper', suffix: 'like_size' };
  } else spatial = konst(i64('size', a.size));
  helpers.push({ suffix: 'sizes', opType: 'Concat', attrs: { axis: int(0) }, inputs: [{ kind: 'helper', suffix: 'batch_channels' }, spatial] });
  return { opType: 'Resize', attrs, constInputs: [], helpers, inputs: [input(0), emptyF32('roi'), emptyF32('scales'), { kind: 'helper', suffix: 'sizes' }] };
}

/** The registry entry for a node, typed for its op. */
export function opDef<K extends OpKind>(op: K): OpDef<K> {
  return OPS[op] as unknown as OpDef<K>;
}

export function isWeighted(node: Node): boolean {
  return OPS[node.op].weighted;
}

/** Shape of a node's output from its input and param shapes (dispatches through the registry). */
export function inferNodeShape(node: Node, inputs: readonly Shape[], params: readonly (readonly number[])[], env: ShapeEnv = {}): Shape {
  return (opDef(node.op).inferShape as (n: Node, i: readonly Shape[], p: readonly (readonly number[])[], e: ShapeEnv) => Shape)(node, inputs, params, env);
}

/** Multiply-accumulates of one node for one sample: a number, or an expression of the input size. */
export function nodeMacs(node: Node, inputs: readonly Shape[], output: Shape): Dim {
  return (opDef(node.op).macs as (n: Node, i: readonly Shape[], o: Shape) => Dim)(node, inputs, output);
}

export function nodeOnnx(node: Node, opset: number, dtype: DType = 'float32'): OnnxNodeSpec {
  return (opDef(node.op).onnx as (n: Node, o: number, d: DType) => OnnxNodeSpec)(node, opset, dtype);
}

export function nodeOutputDType(node: Node, inputs: readonly DType[]): DType {
  const f = opDef(node.op).outputDType as ((n: Node, i: readonly DType[]) => DType) | undefined;
  return f ? f(node, inputs) : (inputs[0] ?? 'float32');
}

export type { OpAttrMap };
