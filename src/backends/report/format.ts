/** Number, shape and layer-spec formatting shared by the text, SVG and HTML reports. */
import type { Node, Shape } from '../../ir/types.js';
import type { GraphStats } from '../../passes/analyze.js';
import { groupDigits } from '../../ir/format.js';
import { formatDim } from '../../ir/dim.js';

/** 25557032 -> "25,557,032" (the IR's formatter: no ICU load on the compile path). */
export const int = groupDigits;

/** 4089184256 -> "4.09 G". */
export function si(n: number, digits = 2): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [v, u] of units) if (Math.abs(n) >= v) return `${(n / v).toFixed(digits)} ${u}`;
  return String(n);
}

export const shapeStr = (s: Shape): string => `[${s.map(formatDim).join(', ')}]`;

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Decimal megabytes (10^6 bytes), as model sizes are usually quoted; three decimals below 1 MB. */
export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 1)} MB`;
}

/** [N, 256, 56, 56] -> "256×56×56"; [N, 1000] -> "1000". The batch dimension is left out. */
export function chw(s: Shape): string {
  return s.slice(1).map(formatDim).join('×');
}

/** The spatial size of an [N, C, H, W] shape, "56×56"; "1×1" for rank-2 (flattened) outputs. */
export function spatial(s: Shape): string {
  return s.length === 4 ? `${formatDim(s[2]!)}×${formatDim(s[3]!)}` : '1×1';
}

/** Kernel, stride, dilation and groups of a windowed layer in the summary table's form: `3x3 s2 d1 g32` (pools: `3x3 s2`). */
export function kernelSpec(n: Node): string {
  switch (n.op) {
    case 'Conv': {
      const a = n.attrs;
      return `${a.kernel[0]}x${a.kernel[1]} s${pairStr(a.stride)} d${pairStr(a.dilation)} g${a.groups}`;
    }
    case 'MaxPool':
    case 'AveragePool':
      return `${n.attrs.kernel[0]}x${n.attrs.kernel[1]} s${pairStr(n.attrs.stride)}`;
    default:
      return '';
  }
}

/** 2 for [2, 2], "2x1" for [2, 1]. */
export function pairStr(p: readonly [number, number]): string {
  return p[0] === p[1] ? String(p[0]) : `${p[0]}x${p[1]}`;
}

/**
 * A layer as the paper's diagrams label it: `3x3 conv, 64, /2`, `3x3 conv, 256, g32, d2`,
 * `3x3 max pool, /2`, `global avg pool`, `fc 1000`. Layers without a label give their op name.
 */
export function layerLabel(n: Node, outShape: Shape): string {
  switch (n.op) {
    case 'Conv': {
      const a = n.attrs;
      const parts = [`${a.kernel[0]}x${a.kernel[1]} conv`, String(outShape[1])];
      if (a.groups > 1) parts.push(`g${a.groups}`);
      if (a.dilation[0] > 1 || a.dilation[1] > 1) parts.push(`d${pairStr(a.dilation)}`);
      if (a.stride[0] > 1 || a.stride[1] > 1) parts.push(`/${pairStr(a.stride)}`);
      return parts.join(', ');
    }
    case 'MaxPool':
    case 'AveragePool': {
      const a = n.attrs;
      const what = n.op === 'MaxPool' ? 'max pool' : 'avg pool';
      const stride = a.stride[0] > 1 || a.stride[1] > 1 ? `, /${pairStr(a.stride)}` : '';
      return `${a.kernel[0]}x${a.kernel[1]} ${what}${stride}`;
    }
    case 'GlobalAveragePool':
      return 'global avg pool';
    case 'ReduceMean':
      return 'mean';
    case 'Gemm':
      return `fc ${String(outShape[1])}`;
    case 'Concat':
      return `concat, ${formatDim(outShape[1]!)}`;
    case 'Resize':
      return 'bilinear resize';
    case 'Dropout':
      return `dropout ${n.attrs.ratio}`;
    case 'Pad':
      return 'zero pad';
    case 'Slice':
      return 'subsample';
    default:
      return n.op;
  }
}

/** Short op names for the text table (ONNX names stay in the JSON). */
const SHORT_OP: Readonly<Record<string, string>> = {
  BatchNormalization: 'BatchNorm',
  GlobalAveragePool: 'GlobalAvgPool',
};
export const shortOp = (op: string): string => SHORT_OP[op] ?? op;

/** What input sizes a model takes: `any H, W >= 1; reference 224×224` ('' for a fixed-size model). */
export function sizesText(s: GraphStats): string {
  const syms = Object.entries(s.sizes);
  if (syms.length === 0) return '';
  const names = syms.map(([k]) => k).join(', ');
  const groups = new Map<string, string[]>();
  for (const [k, v] of syms) {
    const rule = v.min === undefined ? 'no size works' : v.multipleOf > 1 ? `multiples of ${v.multipleOf}, >= ${v.min}` : `>= ${v.min}`;
    groups.set(rule, [...(groups.get(rule) ?? []), k]);
  }
  const rules = [...groups].map(([rule, ks]) => `${ks.join(', ')} ${rule}`).join('; ');
  const any = syms.every(([, v]) => v.multipleOf === 1) ? `any ${rules}` : rules;
  return `${any}; reference ${syms.map(([, v]) => v.reference).join('×')} (${names})`;
}

/** `logits [N, 1000]`, `features [N, 2048] (pooled)`, one per output. */
export function outputLines(s: GraphStats): string[] {
  return s.outputs.map((o) => `${o.name} ${shapeStr(o.shape)}${o.name === 'features' && o.shape.length === 2 ? ' (pooled)' : ''}`);
}

/** MACs as a function of the input's sizes: `MACs(H, W) = ...`, or undefined for a fixed-size model. */
export function macsFormulaText(s: GraphStats): string | undefined {
  if (typeof s.macsFormula === 'number') return undefined;
  return `${formatDim(s.macsFormula)}`;
}
