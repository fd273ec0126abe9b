/**
 * What the diff renderers (text, HTML) show, as strings: which rows are visible at a
 * depth, the totals as labelled rows, the weight compatibility as labelled facts, the
 * verdict on A's checkpoint in words.
 *
 * Visible rows:
 * 1. Depth as in `summary`: 1 sections, 2 + blocks (and the layers of the stem and head),
 *    3 + every layer. Rows under a row are shown only when it changed: an unchanged
 *    section is one row, and so is an added or removed one.
 * 2. Under a changed row, a run of two or more unchanged rows collapses into one
 *    (`layer1.0 … layer1.1`, 2 unchanged).
 */
import type { DiffRow, ModelDiff, QuantityKey } from '../../diff.js';
import type { Dim } from '../../ir/types.js';
import type { SizeInfo } from '../../passes/analyze.js';
import { int, shapeStr } from './format.js';
import type { SummaryDepth } from './summaryTable.js';

export type Visible =
  | { readonly kind: 'row'; readonly level: 1 | 2 | 3; readonly row: DiffRow }
  | { readonly kind: 'unchanged'; readonly level: 1 | 2 | 3; readonly first: string; readonly last: string; readonly count: number; readonly parent: string };

export function visibleRows(rows: readonly DiffRow[], depth: SummaryDepth, level: 1 | 2 | 3 = 1, parent = ''): Visible[] {
  const out: Visible[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (level > 1 && j < rows.length && rows[j]!.status === 'same') j++;
    if (j - i >= 2) {
      out.push({ kind: 'unchanged', level, first: rows[i]!.a!.path, last: rows[j - 1]!.a!.path, count: j - i, parent });
      i = j;
      continue;
    }
    const r = rows[i]!;
    out.push({ kind: 'row', level, row: r });
    const childLevel = r.kind === 'block' ? 3 : 2;
    if (r.status === 'changed' && childLevel <= depth) out.push(...visibleRows(r.children, depth, childLevel, r.a!.path));
    i++;
  }
  return out;
}

/**
 * A collapsed run's name, within its parent: `conv1 … bn3` under `layer1.0`; blocks read
 * better whole (`layer1.0 … layer1.1`, not `0 … 1`).
 */
export function runLabel(first: string, last: string, parent: string): string {
  const local = (p: string): string => (parent !== '' && p.startsWith(`${parent}.`) ? p.slice(parent.length + 1) : p);
  const [a, b] = [local(first), local(last)];
  return /^\d+$/.test(a) || /^\d+$/.test(b) ? `${first} … ${last}` : `${a} … ${b}`;
}

/** `+14,990,180,352`, `-528,128`, `0`. */
export function signed(n: number): string {
  return n > 0 ? `+${int(n)}` : int(n);
}

/** `4.666×`; '' when A is 0. */
export function ratio(a: number, b: number): string {
  return a === 0 ? '' : `${(b / a).toFixed(3)}×`;
}

export const QUANTITY_LABEL: Readonly<Record<QuantityKey, string>> = {
  params: 'Params',
  trainableParams: '  trainable',
  buffers: 'Buffers',
  macs: 'MACs (batch 1)',
  depth: 'Main-path depth',
  conv: '  conv',
  linear: '  linear',
  shortcutProjections: 'Shortcut projections',
  stages: 'Stages',
  blocks: 'Blocks',
};

/** `H, W >= 1`, `H, W multiples of 32, >= 32`; '' for a fixed-size model. */
export function minimumText(sizes: Readonly<Record<string, SizeInfo>>): string {
  const groups = new Map<string, string[]>();
  for (const [k, v] of Object.entries(sizes)) {
    const rule = v.min === undefined ? 'none works' : v.multipleOf > 1 ? `multiples of ${v.multipleOf}, >= ${v.min}` : `>= ${v.min}`;
    groups.set(rule, [...(groups.get(rule) ?? []), k]);
  }
  return [...groups].map(([rule, ks]) => `${ks.join(', ')} ${rule}`).join('; ');
}

/** The symbols' reference sizes, `224×224`; '' for a fixed-size model. */
export const referenceText = (r: Readonly<Record<string, number>>, sizes: Readonly<Record<string, SizeInfo>>): string =>
  Object.keys(sizes)
    .map((k) => r[k])
    .join('×');

export interface TotalRow {
  readonly label: string;
  readonly a: string;
  readonly b: string;
  readonly delta: string;
  readonly ratio: string;
  /** A and B differ. */
  readonly differs: boolean;
}

/** The totals that have an A and a B value (MACs formulas and ops are rendered apart). */
export function totalRows(d: ModelDiff): TotalRow[] {
  const t = d.totals;
  const params = t.quantities.find((q) => q.key === 'params')!;
  const out: TotalRow[] = [];
  for (const q of t.quantities) {
    // trainable is worth a row only when something is frozen
    if (q.key === 'trainableParams' && q.a === params.a && q.b === params.b) continue;
    const withRatio = q.key === 'params' || q.key === 'macs';
    out.push({ label: QUANTITY_LABEL[q.key], a: int(q.a), b: int(q.b), delta: signed(q.b - q.a), ratio: withRatio ? ratio(q.a, q.b) : '', differs: q.a !== q.b });
    if (q.key === 'macs') {
      const ra = referenceText(t.reference.a, t.sizes.a);
      const rb = referenceText(t.reference.b, t.sizes.b);
      if (ra !== '' || rb !== '') out.push({ label: '  at', a: ra || 'fixed input', b: rb || 'fixed input', delta: '', ratio: '', differs: ra !== rb });
    }
  }
  const text = (s: readonly { readonly name: string; readonly shape: readonly Dim[] }[]): string => s.map((o) => `${o.name} ${shapeStr(o.shape)}`).join(', ');
  const pair = (label: string, a: string, b: string): TotalRow => ({ label, a, b, delta: '', ratio: '', differs: a !== b });
  out.push(pair('Input', shapeStr(t.input.a), shapeStr(t.input.b)));
  if (Object.keys(t.sizes.a).length > 0 || Object.keys(t.sizes.b).length > 0) out.push(pair('Input sizes', minimumText(t.sizes.a) || 'fixed', minimumText(t.sizes.b) || 'fixed'));
  out.push(pair(t.outputs.a.length > 1 || t.outputs.b.length > 1 ? 'Outputs' : 'Output', text(t.outputs.a), text(t.outputs.b)));
  return out;
}

/** The symbol names of either side, `H, W`. */
export function sizeNames(d: ModelDiff): string {
  return [...new Set([...Object.keys(d.totals.sizes.a), ...Object.keys(d.totals.sizes.b)])].join(', ');
}

/** Ops whose count changed (`Conv 20 → 36`), appeared (`+Sigmoid 16`) or disappeared (`-MaxPool 1`); `same (...)` when none did. */
export function opsText(d: ModelDiff): string {
  const ops = d.totals.ops;
  const changed = ops.filter((o) => o.a !== o.b);
  if (changed.length === 0) return `same (${ops.map((o) => `${o.op} ${o.a}`).join(', ')})`;
  const items = changed.map((o) => (o.a === 0 ? `+${o.op} ${o.b}` : o.b === 0 ? `-${o.op} ${o.a}` : `${o.op} ${o.a} → ${o.b}`));
  return `${items.join(', ')}${changed.length < ops.length ? '; others same' : ''}`;
}

/** What `--weights` of A's checkpoint does to B, in words. */
export function verdictText(d: ModelDiff): string {
  const w = d.weights;
  const v = w.verdict;
  if (!v.ok) {
    if (v.adaptError !== undefined) return `does not load: ${v.adaptError}`;
    if (w.shapeChanged.length > 0) return `does not load, even with --no-strict: ${w.shapeChanged.length} of A's entries change shape in B`;
    return 'does not load, even with --no-strict: not one name of A is in B';
  }
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const effects = [
    ...(v.adapted.length > 0 ? [`adapting ${v.adapted.join(', ')} to B's input channels as --in-chans does`] : []),
    ...(v.fresh.length > 0 ? [`leaving ${plural(v.fresh.length, 'tensor')} of B fresh (${int(v.freshParams)} params drawn from the seed)`] : []),
    ...(v.noStrict && w.onlyInA.length > 0 ? [`ignoring ${plural(w.onlyInA.length, 'entry').replace(/entrys$/, 'entries')} of A`] : []),
  ];
  // what --weights does to the checkpoint first (a backbone moved under backbone.*, an auxiliary head left out)
  const notes = v.checkpointNotes.map((n) => `; ${n}`).join('');
  const tail = `${effects.length > 0 ? `, ${effects.join(' and ')}` : ''}${notes}`;
  if (!v.noStrict && !v.numClasses) return effects.length > 0 || notes !== '' ? `loads (strict)${tail}` : 'loads fully (strict): every tensor of B comes from A';
  const flags = [...(v.noStrict ? ['--no-strict'] : []), ...(v.numClasses ? ['--num-classes'] : [])].join(' ');
  return `strict load fails; loads with ${flags}${tail}`;
}

export interface WeightsFact {
  readonly label: string;
  readonly value: string;
}

/** The weight compatibility as label/value pairs; key lists in few words (whole blocks, module patterns). */
export function weightsFacts(d: ModelDiff): WeightsFact[] {
  const w = d.weights;
  const list = (n: number, g: { readonly units: readonly string[]; readonly groups: readonly string[] }, note: string): string =>
    n === 0 ? '0' : `${n}${note}: ${[...(g.units.length > 0 ? [`${g.units.join(', ')} (whole block${g.units.length > 1 ? 's' : ''})`] : []), ...g.groups].join(', ')}`;
  const counters = w.tracked > 0 ? ` (${w.entries - w.tracked} tensors + ${w.tracked} num_batches_tracked)` : '';
  return [
    { label: 'entries of A', value: `${w.entries}${counters}` },
    { label: 'load by name+shape', value: String(w.loads) },
    { label: 'change shape', value: list(w.shapeChanged.length, w.described.shapeChanged, '') },
    { label: 'only in A', value: list(w.onlyInA.length, w.described.onlyInA, ' (unexpected keys for B)') },
    { label: 'only in B', value: list(w.onlyInB.length, w.described.onlyInB, " (missing from A's checkpoint)") },
    { label: '--weights A.pth', value: verdictText(d) },
  ];
}
