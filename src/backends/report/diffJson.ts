/**
 * `netforge diff --json`: the whole diff for scripts. Every row of both trees (depth first,
 * nothing collapsed, whatever --depth says), the totals with deltas, and the weight
 * compatibility with its full key lists. Shapes and formulas as in `summary --json`: a dim
 * is a number, or the text of an expression (`ceil(H/32)`).
 */
import type { ModelDiff, DiffRow, RowCells, QuantityKey } from '../../diff.js';
import type { Dim } from '../../ir/types.js';
import { dimText } from '../../ir/dim.js';
import type { SizeInfo } from '../../passes/analyze.js';
import { jsonShape, type JsonShape } from './summaryJson.js';
import { verdictText } from './diffFacts.js';

export interface DiffJsonCells {
  readonly path: string;
  readonly type: string;
  readonly outputShape: JsonShape;
  readonly kernel: string;
  readonly params: number;
  readonly macs: number;
  readonly macsFormula: number | string;
}

export interface DiffJsonRow {
  readonly kind: DiffRow['kind'];
  /** 1 sections, 2 blocks (and the layers of other sections), 3 the layers of blocks. */
  readonly level: 1 | 2 | 3;
  readonly status: DiffRow['status'];
  /** The fields that differ (a `changed` row may have none: the change is below it). */
  readonly changed: readonly string[];
  readonly a?: DiffJsonCells;
  readonly b?: DiffJsonCells;
}

export interface DiffJsonQuantity {
  readonly a: number;
  readonly b: number;
  readonly delta: number;
  /** b / a; null when a is 0. */
  readonly ratio: number | null;
}

export interface DiffJson {
  readonly a: { readonly label: string; readonly model: string };
  readonly b: { readonly label: string; readonly model: string };
  readonly identical: boolean;
  readonly rows: readonly DiffJsonRow[];
  readonly totals: {
    readonly quantities: Readonly<Record<QuantityKey, DiffJsonQuantity>>;
    /** Present when either side has symbolic sizes. */
    readonly macsFormula?: { readonly a: number | string; readonly b: number | string; readonly delta: number | string; readonly asSizesGrow: number | null };
    readonly reference: { readonly a: Readonly<Record<string, number>>; readonly b: Readonly<Record<string, number>> };
    readonly sizes: { readonly a: Readonly<Record<string, SizeInfo>>; readonly b: Readonly<Record<string, SizeInfo>> };
    readonly input: { readonly a: JsonShape; readonly b: JsonShape };
    readonly outputs: { readonly a: readonly { readonly name: string; readonly shape: JsonShape }[]; readonly b: readonly { readonly name: string; readonly shape: JsonShape }[] };
    readonly ops: readonly { readonly op: string; readonly a: number; readonly b: number }[];
    readonly opsAppeared: readonly string[];
    readonly opsDisappeared: readonly string[];
  };
  readonly weights: {
    readonly entries: number;
    readonly tracked: number;
    readonly loads: number;
    readonly shapeChanged: readonly { readonly name: string; readonly a: readonly number[]; readonly b: readonly number[] }[];
    readonly onlyInA: readonly string[];
    readonly onlyInB: readonly string[];
    readonly entriesB: number;
    readonly verdict: { readonly ok: boolean; readonly noStrict: boolean; readonly numClasses: boolean; readonly fresh: readonly string[]; readonly freshParams: number; readonly text: string };
  };
}

const formula = (d: Dim): number | string => (typeof d === 'number' ? d : dimText(d));

const cells = (c: RowCells): DiffJsonCells => ({
  path: c.path,
  type: c.type,
  outputShape: jsonShape(c.outputShape),
  kernel: c.kernel,
  params: c.params,
  macs: c.macs,
  macsFormula: formula(c.macsFormula),
});

function rows(rs: readonly DiffRow[], level: 1 | 2 | 3): DiffJsonRow[] {
  return rs.flatMap((r) => [
    { kind: r.kind, level, status: r.status, changed: r.changed, ...(r.a ? { a: cells(r.a) } : {}), ...(r.b ? { b: cells(r.b) } : {}) },
    ...rows(r.children, r.kind === 'block' ? 3 : 2),
  ]);
}

/** What `netforge diff --json` prints: every row, the totals with deltas and ratios, the full key lists and the verdict. */
export function diffJson(d: ModelDiff): DiffJson {
  const t = d.totals;
  const w = d.weights;
  const quantities = Object.fromEntries(t.quantities.map((q) => [q.key, { a: q.a, b: q.b, delta: q.b - q.a, ratio: q.a === 0 ? null : q.b / q.a }])) as Record<QuantityKey, DiffJsonQuantity>;
  const outputs = (os: readonly { readonly name: string; readonly shape: readonly Dim[] }[]): { name: string; shape: JsonShape }[] => os.map((o) => ({ name: o.name, shape: jsonShape(o.shape) }));
  return {
    a: { label: d.a.label, model: d.a.structure.name },
    b: { label: d.b.label, model: d.b.structure.name },
    identical: d.identical,
    rows: rows(d.rows, 1),
    totals: {
      quantities,
      ...(t.macsFormula
        ? { macsFormula: { a: formula(t.macsFormula.a), b: formula(t.macsFormula.b), delta: formula(t.macsFormula.delta), asSizesGrow: t.macsFormula.asSizesGrow ?? null } }
        : {}),
      reference: t.reference,
      sizes: t.sizes,
      input: { a: jsonShape(t.input.a), b: jsonShape(t.input.b) },
      outputs: { a: outputs(t.outputs.a), b: outputs(t.outputs.b) },
      ops: t.ops,
      opsAppeared: t.appeared,
      opsDisappeared: t.disappeared,
    },
    weights: {
      entries: w.entries,
      tracked: w.tracked,
      loads: w.loads,
      shapeChanged: w.shapeChanged,
      onlyInA: w.onlyInA,
      onlyInB: w.onlyInB,
      entriesB: w.entriesB,
      verdict: { ...w.verdict, text: verdictText(d) },
    },
  };
}
