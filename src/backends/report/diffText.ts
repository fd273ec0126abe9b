/**
 * `netforge diff` as text: the two module trees as one table, then the totals side by side,
 * then what A's checkpoint does when loaded into B.
 *
 * Table rules (which rows: see ./diffFacts.ts):
 * 1. Columns as in `summary` (module, type, output shape, kernel, params, MACs) after a
 *    marker: ` ` same, `~` changed, `+` only in B, `-` only in A. A changed row shows A's
 *    values, then a line with `→ B's value` under each cell that differs; a row whose only
 *    change is below it has no such line.
 * 2. The table fits `width` columns as summary's does: the module path shrinks from the
 *    left first, then the type column. A collapsed run of unchanged rows is one line across
 *    the columns: `conv1 … bn3: 8 unchanged`.
 */
import type { DiffRow, ModelDiff, RowCells } from '../../diff.js';
import type { Dim } from '../../ir/types.js';
import { formatDim } from '../../ir/dim.js';
import { painter, visibleWidth, type Painter, type Style } from './ansi.js';
import { int, shapeStr, si } from './format.js';
import type { SummaryDepth } from './summaryTable.js';
import { opsText, runLabel, sizeNames, totalRows, visibleRows, weightsFacts, type Visible } from './diffFacts.js';

export interface DiffTextOptions {
  /** 1: sections, 2: + blocks, 3: + layers. Default 2. */
  readonly depth?: SummaryDepth;
  /** Terminal columns to fit. Default 100. */
  readonly width?: number;
  readonly color?: boolean;
}

type Marker = ' ' | '~' | '+' | '-';
type Cells = readonly [string, string, string, string, string, string];

interface Line {
  readonly marker: Marker;
  readonly level: 1 | 2 | 3;
  readonly cells: Cells;
  /** B's values of a changed row ('' where equal). */
  readonly then?: Cells;
  /** A collapsed run: one note across the columns instead of cells. */
  readonly note?: string;
}

const HEAD: Cells = ['Module', 'Type', 'Output shape', 'Kernel', 'Params', 'MACs'];
const GAP = '  ';
const INDENT = 2;
const ARROW = '→ ';
const LABEL_W = 22;
const TOTAL_COL = 24;

const paramsCell = (n: number): string => (n === 0 ? '-' : int(n));
const macsCell = (n: number): string => (n === 0 ? '-' : si(n));
const cellsOf = (c: RowCells): Cells => [c.path, c.type, shapeStr(c.outputShape), c.kernel, paramsCell(c.params), macsCell(c.macs)];

const MARKER: Readonly<Record<DiffRow['status'], Marker>> = { same: ' ', changed: '~', added: '+', removed: '-' };

function lineOf(v: Visible): Line {
  if (v.kind === 'unchanged') return { marker: ' ', level: v.level, cells: ['', '', '', '', '', ''], note: `${runLabel(v.first, v.last, v.parent)}: ${v.count} unchanged` };
  const r = v.row;
  const own = cellsOf((r.a ?? r.b)!);
  if (r.status !== 'changed') return { marker: MARKER[r.status], level: v.level, cells: own };
  const other = cellsOf(r.b!);
  const then = own.map((c, i) => (c === other[i] ? '' : `${ARROW}${other[i]}`)) as unknown as Cells;
  return then.some((c) => c !== '') ? { marker: '~', level: v.level, cells: own, then } : { marker: '~', level: v.level, cells: own };
}

/** Shorten from the left, keeping the end: `…layer3.0.downsample.0`. */
function fit(s: string, w: number): string {
  const chars = [...s];
  return chars.length <= w ? s : `…${chars.slice(chars.length - w + 1).join('')}`;
}

const STYLE: Readonly<Record<Marker, Style | undefined>> = { ' ': undefined, '~': 'yellow', '+': 'green', '-': 'red' };

function table(d: ModelDiff, depth: SummaryDepth, width: number, paint: Painter): string[] {
  const ls = visibleRows(d.rows, depth).map(lineOf);
  const first = (l: Line, c: string): string => ' '.repeat((l.level - 1) * INDENT) + c;
  const all = ls.filter((l) => l.note === undefined).flatMap((l) => (l.then ? [[l, l.cells] as const, [l, l.then] as const] : [[l, l.cells] as const]));
  const w = HEAD.map((h, i) => Math.max(visibleWidth(h), ...all.map(([l, c]) => visibleWidth(i === 0 ? first(l, c[0]) : c[i]!))));
  const total = (): number => 2 + w.reduce((a, b) => a + b, 0) + GAP.length * (w.length - 1);
  if (total() > width) w[0] = Math.max(12, w[0]! - (total() - width));
  if (total() > width) w[1] = Math.max(8, w[1]! - (total() - width));
  const render = (marker: string, level: number, cells: Cells, style?: Style): string => {
    const indent = ' '.repeat((level - 1) * INDENT);
    const text = cells
      .map((c, i) => {
        const cell = i === 0 ? indent + fit(c, w[0]! - indent.length) : fit(c, w[i]!);
        return i >= 4 ? cell.padStart(w[i]!) : cell.padEnd(w[i]!);
      })
      .join(GAP);
    const line = `${marker} ${text}`.trimEnd();
    return style ? paint(style, line) : line;
  };
  const rule = '-'.repeat(Math.min(width, total()));
  return [
    rule,
    paint('bold', render(' ', 1, HEAD)),
    rule,
    ...ls.flatMap((l) =>
      l.note !== undefined
        ? [paint('dim', `  ${' '.repeat((l.level - 1) * INDENT)}${l.note}`.slice(0, width))]
        : [render(l.marker, l.level, l.cells, STYLE[l.marker]), ...(l.then ? [render(' ', l.level, l.then, 'cyan')] : [])],
    ),
    rule,
  ];
}

/** Items in lines of at most `w` columns, broken after `sep`. */
function wrap(text: string, w: number, sep: string): string[] {
  const parts = text.split(sep);
  const out: string[] = [];
  let cur = '';
  for (const [i, p] of parts.entries()) {
    const piece = i < parts.length - 1 ? `${p}${sep.trimEnd()}` : p;
    if (cur !== '' && visibleWidth(cur) + 1 + visibleWidth(piece) > w) {
      out.push(cur);
      cur = piece;
    } else cur = cur === '' ? piece : `${cur} ${piece}`;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** A formula wrapped before its ` + ` and ` - ` signs. */
function formulaLines(f: Dim, w: number): string[] {
  const terms = formatDim(f).split(/ (?=[+-] )/);
  const out: string[] = [];
  let cur = '';
  for (const t of terms) {
    if (cur !== '' && visibleWidth(cur) + visibleWidth(t) + 1 > w) {
      out.push(cur);
      cur = t;
    } else cur = cur === '' ? t : `${cur} ${t}`;
  }
  if (cur !== '') out.push(cur);
  return out;
}

const labelled = (label: string, ls: readonly string[]): string[] => ls.map((l, i) => `${(i === 0 ? label : '').padEnd(LABEL_W)}${l}`.trimEnd());

/** The totals, side by side: label, A, B, B - A, B / A. */
export function diffTotalsLines(d: ModelDiff, width = 100): string[] {
  const rows = totalRows(d);
  // columns as wide as their cells, up to TOTAL_COL: a longer text (several outputs, sizes) runs past the column
  const cols = [LABEL_W, ...[0, 1, 2].map((i) => Math.max(5, ...rows.map((r) => visibleWidth([r.a, r.b, r.delta][i]!)).filter((w) => w <= TOTAL_COL)) + 3)];
  const row = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < cols.length ? c.padEnd(i === 0 ? cols[i]! : Math.max(cols[i]!, visibleWidth(c) + 3)) : c))
      .join('')
      .trimEnd();
  const out = [row(['', 'A', 'B', 'B - A', 'B / A'])];
  const f = d.totals.macsFormula;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.push(row([r.label, r.a, r.b, r.delta, r.ratio]));
    // MACs for any size, after the MACs row and its reference sizes
    const next = rows[i + 1];
    if (f === undefined || !(r.label === '  at' || (r.label.startsWith('MACs') && next?.label !== '  at'))) continue;
    const names = sizeNames(d);
    const w = width - LABEL_W;
    out.push(
      `  for any ${names}`,
      ...labelled('    A', formulaLines(f.a, w)),
      ...labelled('    B', formulaLines(f.b, w)),
      ...labelled('    B - A', formulaLines(f.delta, w)),
      ...(f.asSizesGrow !== undefined ? labelled('    B / A', [`→ ${f.asSizesGrow.toFixed(3)}× as ${names} grow`]) : []),
    );
  }
  out.push(...labelled('Ops', wrap(opsText(d), width - LABEL_W, ', ')));
  return out;
}

/** What A's checkpoint does to B. */
export function diffWeightsLines(d: ModelDiff, width = 100): string[] {
  return [
    "Weights: A's checkpoint (its state_dict) loaded into B",
    ...weightsFacts(d).flatMap((f) => labelled(`  ${f.label}`, wrap(f.value, width - LABEL_W, f.label.startsWith('--') ? ' ' : ', '))),
  ];
}

/** The whole text: labels, table, totals, weights; or one paragraph when nothing differs. */
export function diffText(d: ModelDiff, o: DiffTextOptions = {}): string {
  const width = o.width ?? 100;
  const paint = painter(o.color ?? false);
  const head = [`A  ${d.a.label}`, `B  ${d.b.label}`];
  if (d.identical) {
    const s = d.a.structure.stats;
    return [
      ...head,
      `no difference: the same modules, shapes, kernels, params and MACs (${int(s.params)} params, ${int(s.macs)} MACs, depth ${s.depth});`,
      `A's checkpoint loads into B fully (${d.weights.entries} entries)`,
      '',
    ].join('\n');
  }
  return [
    ...head,
    ...table(d, o.depth ?? 2, width, paint),
    "~ changed (→ B's value below A's), + only in B, - only in A; unchanged rows list nothing under them",
    '',
    ...diffTotalsLines(d, width),
    '',
    ...diffWeightsLines(d, width),
    '',
  ].join('\n');
}
