/**
 * Deciding facts about symbolic dims for every input size: are two dims equal, and if
 * only sometimes, when; what is the smallest input size for which every dim stays >= 1.
 *
 * Why evaluation decides: a dim built from the ONNX size formulas is, on each residue
 * class of a symbol modulo its period (dim.ts dimShape), a polynomial of known degree in
 * that symbol. Two dims are therefore equal on a whole class exactly when they agree at
 * degree + 1 points of it, and equality over all sizes needs only period x (degree + 1)
 * evaluations per symbol. The answer is exact, not sampled.
 *
 * Rules:
 * 1. A symbol ranges over the positive integers, or over the positive multiples of its
 *    declared `multipleOf` (a model's input constraint).
 * 2. proveEqual answers `always`, `never`, `when` (a condition on one symbol's residue),
 *    or `unknown` when the proof would need more than MAX_POINTS evaluations (several
 *    symbols with long periods): callers treat `unknown` as not proven.
 * 3. smallestSize scans one symbol's allowed values upward (the other symbols at their
 *    reference sizes): the answer is the first value where every dim is >= 1 and stays so
 *    (checked over one more period: dims from these formulas never decrease in a symbol).
 */
import type { Dim } from './types.js';
import { dimShape, dimSub, dimSymbols, evalDim } from './dim.js';

export interface SymbolDomain {
  /** Allowed values are the positive multiples of this. Default 1. */
  readonly multipleOf?: number;
}
export type Domains = ReadonlyMap<string, SymbolDomain>;

export type EqualityProof =
  | { readonly kind: 'always' }
  | { readonly kind: 'never'; readonly example: Readonly<Record<string, number>> }
  /** Equal exactly when `symbol mod modulus` is one of `residues`. */
  | { readonly kind: 'when'; readonly symbol: string; readonly modulus: number; readonly residues: readonly number[]; readonly example: Readonly<Record<string, number>> }
  | { readonly kind: 'unknown' };

const MAX_POINTS = 100_000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/** The classes of one symbol: period, and the allowed residues with degree + 1 sample points each. */
function classesOf(sym: string, d: Dim, domains: Domains | undefined): { modulus: number; classes: { residue: number; points: number[] }[] } {
  const shape = dimShape(d).get(sym) ?? { period: 1, degree: 0 };
  const multiple = domains?.get(sym)?.multipleOf ?? 1;
  const modulus = lcm(shape.period, multiple);
  const classes: { residue: number; points: number[] }[] = [];
  for (let j = 0; j < modulus; j += multiple) {
    const first = j === 0 ? modulus : j;
    classes.push({ residue: j, points: Array.from({ length: shape.degree + 1 }, (_, i) => first + i * modulus) });
  }
  return { modulus, classes };
}

/** Rule 2. */
export function proveEqual(a: Dim, b: Dim, domains?: Domains): EqualityProof {
  const diff = dimSub(a, b);
  if (typeof diff === 'number') {
    return diff === 0 ? { kind: 'always' } : { kind: 'never', example: Object.fromEntries([...dimSymbols(a), ...dimSymbols(b)].map((s) => [s, 1])) };
  }
  const syms = dimSymbols(diff);
  const perSym = syms.map((s) => classesOf(s, diff, domains));
  const total = perSym.reduce((n, c) => n * c.classes.reduce((m, k) => m + k.points.length, 0), 1);
  if (total > MAX_POINTS) return { kind: 'unknown' };
  if (syms.length === 1) {
    const sym = syms[0]!;
    const { modulus, classes } = perSym[0]!;
    const equalOn = classes.filter((c) => c.points.every((v) => evalDim(diff, { [sym]: v }) === 0));
    if (equalOn.length === classes.length) return { kind: 'always' };
    const bad = classes.find((c) => !equalOn.includes(c))!;
    const example = { [sym]: bad.points[0]! };
    if (equalOn.length === 0) return { kind: 'never', example };
    return { kind: 'when', symbol: sym, ...smallestModulus(modulus, classes.map((c) => c.residue), equalOn.map((c) => c.residue)), example };
  }
  // several symbols: every combination of their sample points
  let counter: Record<string, number> | undefined;
  const walk = (i: number, env: Record<string, number>): void => {
    if (counter !== undefined) return;
    if (i === syms.length) {
      if (evalDim(diff, env) !== 0) counter = { ...env };
      return;
    }
    for (const c of perSym[i]!.classes) for (const v of c.points) walk(i + 1, { ...env, [syms[i]!]: v });
  };
  walk(0, {});
  return counter === undefined ? { kind: 'always' } : { kind: 'never', example: counter };
}

/** The coarsest modulus that still tells the equal residues from the other allowed ones. */
function smallestModulus(modulus: number, allowed: readonly number[], equal: readonly number[]): { modulus: number; residues: number[] } {
  const isEqual = new Set(equal);
  for (let m = 1; m < modulus; m++) {
    if (modulus % m !== 0) continue;
    const reduced = new Set(equal.map((r) => r % m));
    if (allowed.every((r) => reduced.has(r % m) === isEqual.has(r))) return { modulus: m, residues: [...reduced].sort((x, y) => x - y) };
  }
  return { modulus, residues: [...equal].sort((x, y) => x - y) };
}

/** `H is even`, `H is a multiple of 4`, `H mod 3 is 1`, `H mod 4 is 0 or 3`. */
export function describeCondition(p: { readonly symbol: string; readonly modulus: number; readonly residues: readonly number[] }): string {
  const { symbol: s, modulus: m, residues: r } = p;
  if (m === 2 && r.length === 1) return r[0] === 0 ? `${s} is even` : `${s} is odd`;
  if (r.length === 1 && r[0] === 0) return `${s} is a multiple of ${m}`;
  if (r.length === 1) return `${s} mod ${m} is ${r[0]}`;
  return `${s} mod ${m} is ${r.slice(0, -1).join(', ')} or ${r[r.length - 1]}`;
}

export interface SizedDim {
  readonly dim: Dim;
  /** What the dim belongs to, for the message when it collapses (a module path). */
  readonly where: string;
}

export interface SmallestSize {
  /** The smallest allowed value of the symbol for which every dim is >= 1. */
  readonly min: number;
  /** At the largest allowed value below it: the first dim that is < 1 there. */
  readonly collapses?: { readonly at: number; readonly where: string; readonly value: number };
}

/** Beyond this no input size is searched: a model that needs more is refused as collapsing. */
export const MAX_SEARCH = 1 << 16;

/** Rule 3. `undefined` when no size up to MAX_SEARCH works. */
export function smallestSize(dims: readonly SizedDim[], sym: string, domains: Domains | undefined, reference: Readonly<Record<string, number>>): SmallestSize | undefined {
  const relevant = dims.filter((d) => typeof d.dim !== 'number' && dimSymbols(d.dim).includes(sym));
  const step = domains?.get(sym)?.multipleOf ?? 1;
  const period = relevant.reduce((p, d) => lcm(p, dimShape(d.dim).get(sym)?.period ?? 1), step);
  const firstBad = (v: number): { where: string; value: number } | undefined => {
    const env = { ...reference, [sym]: v };
    for (const d of relevant) {
      const value = evalDim(d.dim, env);
      if (value < 1) return { where: d.where, value };
    }
    return undefined;
  };
  let lastBad: { at: number; where: string; value: number } | undefined;
  for (let v = step; v <= MAX_SEARCH; v += step) {
    const bad = firstBad(v);
    if (bad !== undefined) {
      lastBad = { at: v, ...bad };
      continue;
    }
    // dims never decrease in a symbol; one more period confirms it for this model
    let holds = true;
    for (let u = v + step; u <= v + period && holds; u += step) if (firstBad(u) !== undefined) holds = false;
    if (holds) return { min: v, ...(lastBad !== undefined ? { collapses: lastBad } : {}) };
  }
  return undefined;
}
