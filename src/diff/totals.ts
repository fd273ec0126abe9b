/**
 * The totals of two models side by side: counts with their difference and ratio, MACs as a
 * function of the input's sizes, the smallest input each takes, and the ops that appear or
 * disappear.
 *
 * MACs of a model with symbolic sizes are a quasi-polynomial in them (ceil and floor
 * divisions). Along square inputs H = W = t, on the multiples of every division's period,
 * they are a polynomial in t; its leading coefficient (a finite difference, computed exactly
 * in integers) gives the ratio B / A that the MACs approach as the input grows.
 */
import type { Dim, Shape } from '../ir/types.js';
import { dimEquals, dimShape, dimSub, dimSymbols, evalDim, sameShape } from '../ir/dim.js';
import type { GraphStats, SizeInfo } from '../passes/analyze.js';
import type { ModelStructure } from '../backends/report/structure.js';

export type QuantityKey = 'params' | 'trainableParams' | 'buffers' | 'macs' | 'depth' | 'conv' | 'linear' | 'shortcutProjections' | 'stages' | 'blocks';

export interface Quantity {
  readonly key: QuantityKey;
  readonly a: number;
  readonly b: number;
}

export interface MacsFormulaDiff {
  readonly a: Dim;
  readonly b: Dim;
  /** B - A. */
  readonly delta: Dim;
  /** What B / A approaches for large inputs; undefined when the two grow at different orders or neither has symbolic sizes. */
  readonly asSizesGrow: number | undefined;
}

export interface OpCount {
  readonly op: string;
  readonly a: number;
  readonly b: number;
}

export interface TotalsDiff {
  readonly quantities: readonly Quantity[];
  /** Present when either model has symbolic sizes. */
  readonly macsFormula: MacsFormulaDiff | undefined;
  /** The symbols' values MACs are counted at, per side. */
  readonly reference: { readonly a: Readonly<Record<string, number>>; readonly b: Readonly<Record<string, number>> };
  readonly sizes: { readonly a: Readonly<Record<string, SizeInfo>>; readonly b: Readonly<Record<string, SizeInfo>> };
  readonly input: { readonly a: Shape; readonly b: Shape };
  readonly outputs: { readonly a: readonly { readonly name: string; readonly shape: Shape }[]; readonly b: readonly { readonly name: string; readonly shape: Shape }[] };
  /** Every op of either model, A's order first. */
  readonly ops: readonly OpCount[];
  /** Ops B has and A does not. */
  readonly appeared: readonly string[];
  /** Ops A has and B does not. */
  readonly disappeared: readonly string[];
}

const gcd = (x: number, y: number): number => (y === 0 ? Math.abs(x) : gcd(y, x % y));
const lcm = (x: number, y: number): number => (x / gcd(x, y)) * y;

/** The k-th finite difference of f at 1, 2, ..., k + 1 (k! times the leading coefficient of a degree-k polynomial). */
function difference(f: (k: number) => number, order: number): number {
  let values = Array.from({ length: order + 1 }, (_, i) => f(i + 1));
  for (let d = 0; d < order; d++) values = values.slice(1).map((v, i) => v - values[i]!);
  return values[0]!;
}

/** The limit of b / a along square inputs (see the file comment); undefined when it is not a finite, non-zero number. */
export function growthRatio(a: Dim, b: Dim): number | undefined {
  const symbols = [...new Set([...dimSymbols(a), ...dimSymbols(b)])];
  if (symbols.length === 0) return undefined;
  let period = 1;
  let order = 0;
  for (const d of [a, b]) {
    let total = 0;
    for (const { period: p, degree } of dimShape(d).values()) {
      period = lcm(period, p);
      total += degree;
    }
    order = Math.max(order, total);
  }
  const at = (d: Dim) => (k: number) => evalDim(d, Object.fromEntries(symbols.map((s) => [s, period * k])));
  for (let k = order; k >= 1; k--) {
    const da = difference(at(a), k);
    const db = difference(at(b), k);
    if (!Number.isSafeInteger(da) || !Number.isSafeInteger(db)) return undefined;
    if (da === 0 && db === 0) continue;
    return da === 0 || db === 0 ? undefined : db / da;
  }
  return undefined;
}

const blocksOf = (m: ModelStructure): number => m.sections.reduce((n, s) => n + s.blocks.length, 0);
const stagesOf = (m: ModelStructure): number => m.sections.filter((s) => s.kind === 'stage').length;

export function totalsDiff(a: ModelStructure, b: ModelStructure): TotalsDiff {
  const sa: GraphStats = a.stats;
  const sb: GraphStats = b.stats;
  const q = (key: QuantityKey, f: (s: GraphStats, m: ModelStructure) => number): Quantity => ({ key, a: f(sa, a), b: f(sb, b) });
  const symbolic = typeof sa.macsFormula !== 'number' || typeof sb.macsFormula !== 'number';
  const opNames = [...new Set([...Object.keys(sa.ops), ...Object.keys(sb.ops)])];
  return {
    quantities: [
      q('params', (s) => s.params),
      q('trainableParams', (s) => s.trainableParams),
      q('buffers', (s) => s.buffers),
      q('macs', (s) => s.macs),
      q('depth', (s) => s.depth),
      q('conv', (s) => s.mainPath.conv),
      q('linear', (s) => s.mainPath.linear),
      q('shortcutProjections', (s) => s.shortcutProjections),
      q('stages', (_, m) => stagesOf(m)),
      q('blocks', (_, m) => blocksOf(m)),
    ],
    macsFormula: symbolic ? { a: sa.macsFormula, b: sb.macsFormula, delta: dimSub(sb.macsFormula, sa.macsFormula), asSizesGrow: growthRatio(sa.macsFormula, sb.macsFormula) } : undefined,
    reference: { a: sa.reference, b: sb.reference },
    sizes: { a: sa.sizes, b: sb.sizes },
    input: { a: a.input, b: b.input },
    outputs: { a: sa.outputs, b: sb.outputs },
    ops: opNames.map((op) => ({ op, a: sa.ops[op] ?? 0, b: sb.ops[op] ?? 0 })),
    appeared: opNames.filter((op) => sa.ops[op] === undefined),
    disappeared: opNames.filter((op) => sb.ops[op] === undefined),
  };
}

/** Every total equal: counts, MACs for every size, input, outputs, sizes, ops. */
export function sameTotals(t: TotalsDiff): boolean {
  const sameSizes = JSON.stringify(t.sizes.a) === JSON.stringify(t.sizes.b) && JSON.stringify(t.reference.a) === JSON.stringify(t.reference.b);
  const sameOutputs = t.outputs.a.length === t.outputs.b.length && t.outputs.a.every((o, i) => o.name === t.outputs.b[i]!.name && sameShape(o.shape, t.outputs.b[i]!.shape));
  return (
    t.quantities.every((q) => q.a === q.b) &&
    (t.macsFormula === undefined || dimEquals(t.macsFormula.a, t.macsFormula.b)) &&
    sameShape(t.input.a, t.input.b) &&
    sameOutputs &&
    sameSizes &&
    t.ops.every((o) => o.a === o.b)
  );
}
