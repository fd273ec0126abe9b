/**
 * Symbolic dimensions: integer-valued expressions over named input dims (N, H, W, or the
 * user's names), kept as data in one canonical form so that two expressions that are
 * written the same way are the same value (compared by key), and readable.
 *
 * A dim is a number, a bare symbol (a string, as `'N'` always was), or a DimExpr: a
 * polynomial with integer coefficients over atoms, where an atom is a symbol or a floor
 * division `floor(P / m)` of a polynomial by an integer m >= 2.
 *
 * Canonical form (rules, applied by every constructor here):
 * 1. Terms with equal atoms merge; zero coefficients go; atoms in a term, and terms, are
 *    sorted by key. A constant is a number; `1 * s` alone is the string s.
 * 2. floor((m*Q + R) / m) = Q + floor(R / m) for integer-valued Q: every coefficient of a
 *    floor's numerator lies in [0, m). A numerator that is then constant gives 0.
 * 3. floor((g*X + r) / (g*m)) = floor((X + floor(r / g)) / m): the gcd of the numerator's
 *    non-constant coefficients and m is divided out.
 * 4. floor((floor(P / d) + c) / m) = floor((P + c*d) / (d*m)): nested divisions merge.
 * 5. ceil(P / m) is floor((P + m - 1) / m).
 *
 * Rules 2-5 hold for every integer value of the symbols, so simplification never needs
 * to know the input size. Equal functions written differently (floor(H/2) + ceil(H/2) vs
 * H) are not always recognised here: ./dimProof.ts decides equality by evaluation.
 */
import type { Dim, DimAtom, DimExpr, DimTerm } from './types.js';

/** A polynomial: canonical terms (rule 1), the constant term included (no atoms). */
type Poly = readonly DimTerm[];

const keys = new WeakMap<object, string>();

function atomKey(a: DimAtom): string {
  let k = keys.get(a);
  if (k === undefined) {
    k = a.kind === 'sym' ? a.name : `floor(${polyKey(a.num)}/${a.den})`;
    keys.set(a, k);
  }
  return k;
}

function monoKey(t: DimTerm): string {
  let k = keys.get(t);
  if (k === undefined) {
    k = t.atoms.map(atomKey).join('*');
    keys.set(t, k);
  }
  return k;
}

function polyKey(p: Poly): string {
  return p.map((t) => `${t.coeff}${t.atoms.length > 0 ? `*${monoKey(t)}` : ''}`).join('+');
}

/** The canonical key of a dim: equal keys, equal dims. */
export function dimKey(d: Dim): string {
  if (typeof d === 'number') return String(d);
  if (typeof d === 'string') return d;
  let k = keys.get(d);
  if (k === undefined) {
    k = polyKey(d.terms);
    keys.set(d, k);
  }
  return k;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Rule 1: merge, drop zeros, sort. */
function normalize(terms: readonly DimTerm[]): Poly {
  const byKey = new Map<string, { coeff: number; atoms: readonly DimAtom[] }>();
  for (const t of terms) {
    const k = monoKey(t);
    const prev = byKey.get(k);
    if (prev === undefined) byKey.set(k, { coeff: t.coeff, atoms: t.atoms });
    else prev.coeff += t.coeff;
  }
  const out: DimTerm[] = [];
  for (const [k, t] of [...byKey.entries()].sort((a, b) => cmp(a[0], b[0]))) {
    if (t.coeff === 0) continue;
    if (!Number.isSafeInteger(t.coeff)) throw new Error(`internal: dimension coefficient ${t.coeff} out of range`);
    const term: DimTerm = { coeff: t.coeff, atoms: t.atoms };
    keys.set(term, k);
    out.push(term);
  }
  return out;
}

const constTerm = (c: number): DimTerm => ({ coeff: c, atoms: [] });

function toPoly(d: Dim): Poly {
  if (typeof d === 'number') return d === 0 ? [] : [constTerm(d)];
  if (typeof d === 'string') return [{ coeff: 1, atoms: [{ kind: 'sym', name: d }] }];
  return d.terms;
}

/** The simplest representation of a canonical polynomial (rule 1). */
function fromPoly(p: Poly): Dim {
  if (p.length === 0) return 0;
  if (p.length === 1) {
    const t = p[0]!;
    if (t.atoms.length === 0) return t.coeff;
    if (t.coeff === 1 && t.atoms.length === 1 && t.atoms[0]!.kind === 'sym') return t.atoms[0]!.name;
  }
  const e: DimExpr = { kind: 'expr', terms: p };
  return e;
}

const constantOf = (p: Poly): number => p.find((t) => t.atoms.length === 0)?.coeff ?? 0;
const nonConstant = (p: Poly): Poly => p.filter((t) => t.atoms.length > 0);

function addPoly(a: Poly, b: Poly): Poly {
  return normalize([...a, ...b]);
}

function scalePoly(p: Poly, k: number): Poly {
  return k === 0 ? [] : normalize(p.map((t) => ({ coeff: t.coeff * k, atoms: t.atoms })));
}

function mulPoly(a: Poly, b: Poly): Poly {
  const out: DimTerm[] = [];
  for (const x of a) {
    for (const y of b) {
      const atoms = [...x.atoms, ...y.atoms].sort((p, q) => cmp(atomKey(p), atomKey(q)));
      out.push({ coeff: x.coeff * y.coeff, atoms });
    }
  }
  return normalize(out);
}

const gcd = (a: number, b: number): number => {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
};
const mod = (a: number, m: number): number => ((a % m) + m) % m;

/** floor(p / m) in canonical form (rules 2-4). */
function floorPoly(p: Poly, m: number): Poly {
  if (!Number.isInteger(m) || m < 1) throw new Error(`internal: floor division by ${m}`);
  if (m === 1) return p;
  // rule 2: p = m*Q + R with R's coefficients in [0, m)
  const q: DimTerm[] = [];
  const r: DimTerm[] = [];
  for (const t of p) {
    const rem = mod(t.coeff, m);
    q.push({ coeff: (t.coeff - rem) / m, atoms: t.atoms });
    if (rem !== 0) r.push({ coeff: rem, atoms: t.atoms });
  }
  const quotient = normalize(q);
  let rest = normalize(r);
  let den = m;
  if (nonConstant(rest).length === 0) return quotient;
  // rule 3
  const g = nonConstant(rest).reduce((acc, t) => gcd(acc, t.coeff), den);
  if (g > 1) {
    const c = Math.floor(constantOf(rest) / g);
    rest = normalize([...nonConstant(rest).map((t) => ({ coeff: t.coeff / g, atoms: t.atoms })), ...(c !== 0 ? [constTerm(c)] : [])]);
    den /= g;
    if (den === 1) return addPoly(quotient, rest);
  }
  // rule 4: a lone floor atom (coefficient 1) plus a constant
  const nc = nonConstant(rest);
  if (nc.length === 1 && nc[0]!.coeff === 1 && nc[0]!.atoms.length === 1 && nc[0]!.atoms[0]!.kind === 'floor') {
    const inner = nc[0]!.atoms[0]!;
    return addPoly(quotient, floorPoly(addPoly(inner.num, toPoly(constantOf(rest) * inner.den)), inner.den * den));
  }
  const atom: DimAtom = { kind: 'floor', num: rest, den };
  return addPoly(quotient, [{ coeff: 1, atoms: [atom] }]);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return fromPoly(addPoly(toPoly(a), toPoly(b)));
}

/** The sum of many dims, simplified once (a model's MACs: one term per layer). */
export function dimSum(ds: readonly Dim[]): Dim {
  if (ds.every((d): d is number => typeof d === 'number')) return ds.reduce((a, b) => a + b, 0);
  return fromPoly(normalize(ds.flatMap(toPoly)));
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return fromPoly(addPoly(toPoly(a), scalePoly(toPoly(b), -1)));
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  return fromPoly(mulPoly(toPoly(a), toPoly(b)));
}

/** floor(a / m) for an integer m >= 1. */
export function dimFloorDiv(a: Dim, m: number): Dim {
  if (typeof a === 'number') return Math.floor(a / m);
  return fromPoly(floorPoly(toPoly(a), m));
}

/** ceil(a / m) for an integer m >= 1 (rule 5). */
export function dimCeilDiv(a: Dim, m: number): Dim {
  if (typeof a === 'number') return Math.ceil(a / m);
  return dimFloorDiv(dimAdd(a, m - 1), m);
}

export function dimEquals(a: Dim, b: Dim): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  return dimKey(a) === dimKey(b);
}

export function isKnownDim(d: Dim): d is number {
  return typeof d === 'number';
}

/** The symbols a dim depends on, sorted. */
export function dimSymbols(d: Dim): string[] {
  const out = new Set<string>();
  const walk = (p: Poly): void => {
    for (const t of p) for (const a of t.atoms) a.kind === 'sym' ? out.add(a.name) : walk(a.num);
  };
  walk(toPoly(d));
  return [...out].sort();
}

/** The value at given symbol values (every symbol of `d` must be given). */
export function evalDim(d: Dim, env: Readonly<Record<string, number>>): number {
  const atom = (a: DimAtom): number => {
    if (a.kind === 'floor') return Math.floor(evalPoly(a.num) / a.den);
    const v = env[a.name];
    if (v === undefined) throw new Error(`internal: no value for dimension ${a.name}`);
    return v;
  };
  const evalPoly = (p: Poly): number => p.reduce((s, t) => s + t.atoms.reduce((x, a) => x * atom(a), t.coeff), 0);
  return typeof d === 'number' ? d : evalPoly(toPoly(d));
}

/** Substitute values for some symbols (the others stay symbolic). */
export function substituteDim(d: Dim, env: Readonly<Record<string, number>>): Dim {
  const atom = (a: DimAtom): Poly => (a.kind === 'sym' ? (env[a.name] !== undefined ? toPoly(env[a.name]!) : [{ coeff: 1, atoms: [a] }]) : floorPoly(poly(a.num), a.den));
  const poly = (p: Poly): Poly => p.reduce<Poly>((s, t) => addPoly(s, t.atoms.reduce<Poly>((x, a) => mulPoly(x, atom(a)), toPoly(t.coeff))), []);
  return typeof d === 'number' ? d : fromPoly(poly(toPoly(d)));
}

/**
 * The period and degree of a dim in each of its symbols: on each residue class of a
 * symbol modulo its period, the dim is a polynomial of at most that degree in it (floor
 * terms are quasi-polynomials). ./dimProof.ts evaluates on that many points per class.
 */
export function dimShape(d: Dim): Map<string, { period: number; degree: number }> {
  const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;
  const period = (p: Poly, sym: string): number =>
    p.reduce((acc, t) => t.atoms.reduce((a2, a) => (a.kind === 'sym' || degree(a.num, sym) === 0 ? a2 : lcm(a2, a.den * period(a.num, sym))), acc), 1);
  const degree = (p: Poly, sym: string): number =>
    p.reduce((acc, t) => Math.max(acc, t.atoms.reduce((n, a) => n + (a.kind === 'sym' ? (a.name === sym ? 1 : 0) : degree(a.num, sym)), 0)), 0);
  const p = toPoly(d);
  return new Map(dimSymbols(d).map((sym) => [sym, { period: period(p, sym), degree: degree(p, sym) }]));
}

// --- reading dims -------------------------------------------------------------------

/** Reading order: the term that grows fastest first (H·W, then ⌈H/2⌉·⌈W/2⌉, ...), the constant last. */
function bySize(a: DimTerm, b: DimTerm): number {
  const big = (t: DimTerm): number => {
    const env: Record<string, number> = {};
    for (const s of dimSymbols({ kind: 'expr', terms: [{ coeff: 1, atoms: t.atoms }] })) env[s] = 1 << 20;
    return t.atoms.length === 0 ? 0 : evalDim({ kind: 'expr', terms: [{ coeff: 1, atoms: t.atoms }] }, env);
  };
  return big(b) - big(a) || cmp(monoKey(a), monoKey(b));
}

interface Style {
  readonly floor: (inner: string, den: number, bare: boolean) => string;
  readonly ceil: (inner: string, den: number, bare: boolean) => string;
  readonly times: string;
  readonly number: (n: number) => string;
}

function render(d: Dim, s: Style): string {
  const atom = (a: DimAtom): string => {
    if (a.kind === 'sym') return a.name;
    const c = constantOf(a.num);
    const rest = nonConstant(a.num);
    // floor((X + m - 1) / m) reads ceil(X / m)
    const ceil = c === a.den - 1;
    const inner = ceil || c === 0 ? poly(rest) : poly(a.num);
    const bare = (ceil || c === 0) && rest.length === 1 && rest[0]!.coeff === 1 && rest[0]!.atoms.length === 1;
    return ceil ? s.ceil(inner, a.den, bare) : s.floor(inner, a.den, bare);
  };
  const term = (t: DimTerm, first: boolean): string => {
    const neg = t.coeff < 0;
    const c = Math.abs(t.coeff);
    const body = t.atoms.length === 0 ? s.number(c) : `${c !== 1 ? `${s.number(c)}${s.times}` : ''}${t.atoms.map(atom).join(s.times)}`;
    return first ? `${neg ? '-' : ''}${body}` : ` ${neg ? '-' : '+'} ${body}`;
  };
  const poly = (p: Poly): string => [...p].sort(bySize).map((t, i) => term(t, i === 0)).join('') || '0';
  return typeof d === 'number' ? String(d) : poly(toPoly(d));
}

const PRETTY: Style = {
  floor: (inner, den, bare) => `⌊${bare ? inner : `(${inner})`}/${den}⌋`,
  ceil: (inner, den, bare) => `⌈${bare ? inner : `(${inner})`}/${den}⌉`,
  times: '·',
  number: (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','),
};
const TEXT: Style = {
  floor: (inner, den, bare) => `floor(${bare ? inner : `(${inner})`}/${den})`,
  ceil: (inner, den, bare) => `ceil(${bare ? inner : `(${inner})`}/${den})`,
  times: '*',
  number: String,
};

/** For people: `⌈H/32⌉`, `⌊(H - 1)/2⌋ + 1`, `64·⌈H/4⌉·⌈W/4⌉`. */
export function formatDim(d: Dim): string {
  return render(d, PRETTY);
}

/**
 * For programs: an arithmetic expression over the symbols with `floor(x/m)` and
 * `ceil(x/m)` (integer division rounding down and up): `ceil(H/32)`, `2*ceil(H/2) + 1`.
 * ONNX dim_params use it, and `summary --json` carries it.
 */
export function dimText(d: Dim): string {
  return render(d, TEXT);
}

/** Equal shapes: same rank, equal dims (canonical forms). */
export function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => dimEquals(d, b[i]!));
}
