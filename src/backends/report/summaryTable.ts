/**
 * The text summary (`netforge summary`): a table grouped by module depth, then totals.
 *
 * Depth 1: stem, each stage, head. Depth 2 adds each block (and the stem's and head's
 * layers). Depth 3 adds every layer. Rows are indented by level; the table fits `width`
 * columns (the module path is shortened from the left first, then the type column).
 */
import type { Expectations } from '../../passes/verifyStructure.js';
import { painter, visibleWidth, type Painter, type Style } from './ansi.js';
import { int, kernelSpec, macsFormulaText, mb, outputLines, shapeStr, shortOp, si, sizesText } from './format.js';
import type { GraphStats } from '../../passes/analyze.js';
import { aggregateKernelSpec, dropoutNote, lastPart, type Block, type HeadBlock, type Layer, type ModelStructure, type Section } from './structure.js';
import { verdictFor, verdicts, verdictText, type Verdict } from './verified.js';
import { maxOf } from '../../maxOf.js';

export type SummaryDepth = 1 | 2 | 3;

export interface SummaryOptions {
  /** 1: stem/stages/head, 2: + blocks, 3: + layers. Default 3. */
  readonly depth?: SummaryDepth;
  /** Terminal columns to fit. Default 100. */
  readonly width?: number;
  /** ANSI colors. Default false (the CLI passes io.isTTY). */
  readonly color?: boolean;
  /** The model's declared expectations; each is marked verified (or not) in the totals. Default none. */
  readonly expectations?: Expectations;
  /** One line about the model, shown under its name. */
  readonly description?: string;
}

interface Row {
  readonly level: 1 | 2 | 3;
  readonly cells: readonly [string, string, string, string, string, string];
  readonly style?: Style;
}

const HEAD = ['Module', 'Type', 'Output shape', 'Kernel', 'Params', 'MACs'] as const;
const GAP = '  ';
const INDENT = 2;

const paramsCell = (n: number): string => (n === 0 ? '-' : int(n));
const macsCell = (n: number): string => (n === 0 ? '-' : si(n));

function layerRow(level: 1 | 2 | 3, l: Layer): Row {
  const n = l.node;
  return {
    level,
    cells: [n.name, shortOp(n.op), shapeStr(l.stat.outputShape), kernelSpec(n), paramsCell(l.stat.params), macsCell(l.stat.macs)],
    ...(l.onShortcut ? { style: 'magenta' as const } : {}),
  };
}

function blockRow(b: Block): Row {
  return { level: 2, cells: [b.path, b.type, shapeStr(b.outputShape), aggregateKernelSpec(b.layers), paramsCell(b.params), macsCell(b.macs)], style: 'cyan' };
}

/** The type column of a section: `Stem`, `Head`, `3 x Bottleneck`, or the op of a one-layer module. */
export function sectionType(s: Section): string {
  switch (s.kind) {
    case 'stem':
      return 'Stem';
    case 'head':
      return s.type === undefined ? 'Head' : s.from !== undefined ? `${s.type} ← ${lastPart(s.from)}` : s.type;
    case 'stage': {
      const types = new Set(s.blocks.map((b) => b.type));
      return `${s.blocks.length} x ${types.size === 1 ? s.blocks[0]!.type : 'blocks'}`;
    }
    case 'modules':
      return s.layers.length === 1 ? shortOp(s.layers[0]!.node.op) : 'Module';
  }
}

/** A section that is a single layer of the same name is shown as that layer, without children. */
export const isSingleLayer = (s: Section): boolean => s.layers.length === 1 && s.layers[0]!.node.name === s.name;

function rows(m: ModelStructure, depth: SummaryDepth): Row[] {
  const out: Row[] = [];
  for (const s of m.sections) {
    if (isSingleLayer(s)) {
      out.push(layerRow(1, s.layers[0]!));
      continue;
    }
    out.push({
      level: 1,
      cells: [s.name, sectionType(s), shapeStr(s.outputShape), aggregateKernelSpec(s.layers), paramsCell(s.params), macsCell(s.macs)],
      style: 'bold',
    });
    if (depth < 2) continue;
    if (s.kind !== 'stage') {
      // a head's recorded blocks (ASPP) are rows of their own, their layers one level down
      const shown = new Set<HeadBlock>();
      for (const l of s.layers) {
        const hb = s.headBlocks.find((b) => b.layers.includes(l));
        if (hb === undefined) out.push(layerRow(2, l));
        else if (!shown.has(hb)) {
          shown.add(hb);
          out.push({ level: 2, cells: [hb.path, hb.type, shapeStr(hb.outputShape), '', paramsCell(hb.params), macsCell(hb.macs)], style: 'cyan' });
          if (depth >= 3) for (const x of hb.layers) out.push(layerRow(3, x));
        }
      }
      continue;
    }
    for (const b of s.blocks) {
      if (b.layers.length === 1) {
        out.push(layerRow(2, b.layers[0]!));
        continue;
      }
      out.push(blockRow(b));
      if (depth >= 3) for (const l of b.layers) out.push(layerRow(3, l));
    }
  }
  return out;
}

/** Shorten from the left, keeping the end: `…layer3.0.downsample.0`. */
function fit(s: string, w: number): string {
  const chars = [...s];
  return chars.length <= w ? s : `…${chars.slice(chars.length - w + 1).join('')}`;
}

function table(m: ModelStructure, depth: SummaryDepth, width: number, paint: Painter): string[] {
  const rs = rows(m, depth);
  const firstCell = (r: Row): string => ' '.repeat((r.level - 1) * INDENT) + r.cells[0];
  const w = HEAD.map((h, i) => maxOf(rs.map((r) => visibleWidth(i === 0 ? firstCell(r) : r.cells[i]!)), visibleWidth(h)));
  const total = (): number => w.reduce((a, b) => a + b, 0) + GAP.length * (w.length - 1);
  // shrink the module path, then the type column, to fit the terminal
  if (total() > width) w[0] = Math.max(12, w[0]! - (total() - width));
  if (total() > width) w[1] = Math.max(8, w[1]! - (total() - width));
  const line = (cells: readonly string[], style?: Style): string => {
    const text = cells
      .map((c, i) => {
        const cell = fit(c, w[i]!);
        return i >= 4 ? cell.padStart(w[i]!) : cell.padEnd(w[i]!);
      })
      .join(GAP)
      .trimEnd();
    return style ? paint(style, text) : text;
  };
  const rule = '-'.repeat(Math.min(width, total()));
  return [
    rule,
    line(HEAD, 'bold'),
    rule,
    ...rs.map((r) => {
      const indent = ' '.repeat((r.level - 1) * INDENT);
      return line([indent + fit(r.cells[0], w[0]! - indent.length), ...r.cells.slice(1)], r.style);
    }),
    rule,
  ];
}

/** Wrap `items` (joined by ', ') into lines of at most `w` columns. */
/** Items in lines of at most `w` columns, separated by `sep` (the separator ends every item but the last). */
function wrap(items: readonly string[], w: number, sep = ','): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const [i, it] of items.entries()) {
    const piece = i < items.length - 1 && sep !== ' ' ? `${it}${sep}` : it;
    if (cur !== '' && cur.length + 1 + piece.length > w) {
      lines.push(cur);
      cur = piece;
    } else cur = cur === '' ? piece : `${cur} ${piece}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

const LABEL_W = 22;
const VALUE_W = 48;

/** The totals under the table; each declared expectation is marked `✓ verified`. */
export function totalsLines(m: ModelStructure, opts: { readonly width?: number; readonly color?: boolean; readonly expectations?: Expectations; readonly description?: string } = {}): string[] {
  const width = opts.width ?? 100;
  const paint = painter(opts.color ?? false);
  const s = m.stats;
  const vs: Verdict[] = verdicts(s, opts.expectations ?? {});
  const mark = (v: Verdict | undefined): string => {
    const t = verdictText(v);
    return t === '' ? '' : `  ${paint(v!.ok ? 'green' : 'red', t)}`;
  };
  const row = (label: string, value: string, v?: Verdict): string => {
    const text = `${label.padEnd(LABEL_W)}${value}`;
    return v === undefined ? text : `${text.padEnd(LABEL_W + VALUE_W)}${mark(v)}`;
  };
  const ops = Object.entries(s.ops).map(([k, v]) => `${k} ${v}`);
  // a declared op list gets its verdict after the value column, so it wraps narrower
  const opsLines = wrap(ops, verdictFor(vs, 'ops') ? VALUE_W - 2 : width - LABEL_W);
  const lines = [
    row('Model', paint('bold', m.name)),
    ...(opts.description ? [row('', opts.description.length > width - LABEL_W ? fit(opts.description, width - LABEL_W) : opts.description)] : []),
    row('Input', shapeStr(m.input)),
    ...(sizesText(s) !== '' ? wrapText(sizesText(s), width - LABEL_W).map((l) => row('', l)) : []),
    ...outputLines(s).map((l, i) => row(i === 0 ? (s.outputs.length > 1 ? 'Outputs' : 'Output') : '', l)),
    row('Params', int(s.params), verdictFor(vs, 'params')),
    row('  trainable', int(s.trainableParams)),
    row('  frozen', int(s.frozenParams)),
    row('Buffers', `${int(s.buffers)} (not parameters: BatchNorm running statistics)`),
    row('Model size', `${mb(s.params * 4)} float32, ${mb(s.params * 2)} float16 (parameters)`),
    row('MACs (batch 1)', `${int(s.macs)} (${si(s.macs)})${sizesText(s) !== '' ? ` at ${referenceText(s)}` : ''}`, verdictFor(vs, 'macs')),
    ...formulaLines(s, width).map((l, i) => row(i === 0 ? `  for any ${Object.keys(s.sizes).join(', ')}` : '', l)),
    row('Main-path depth', String(s.depth), verdictFor(vs, 'depth')),
    row('  conv', String(s.mainPath.conv), verdictFor(vs, 'mainPath.conv')),
    row('  linear', String(s.mainPath.linear), verdictFor(vs, 'mainPath.linear')),
    row('Shortcut projections', String(s.shortcutProjections), verdictFor(vs, 'shortcutProjections')),
    ...opsLines.map((l, i) => (i === 0 ? row('Ops', l, verdictFor(vs, 'ops')) : row('', l))),
    ...dropoutLines(m, width).map((l, i) => row(i === 0 ? 'Dropout' : '', l)),
  ];
  return lines.map((l) => l.trimEnd());
}

/** The model's Dropout layers, which compiling removes (the identity at inference). */
function dropoutLines(m: ModelStructure, width: number): string[] {
  const note = dropoutNote(m);
  return note === undefined ? [] : wrapText(note, width - LABEL_W);
}

/** Words of `text` in lines of at most `width`. */
function wrapText(text: string, width: number): string[] {
  return wrap(text.split(' '), width, ' ');
}

/** `224×224`: the reference sizes of the symbolic dims. */
function referenceText(s: GraphStats): string {
  return Object.values(s.sizes).map((v) => v.reference).join('×');
}

/** MACs as a function of the sizes, wrapped at its ` + `. */
function formulaLines(s: GraphStats, width: number): string[] {
  const f = macsFormulaText(s);
  if (f === undefined) return [];
  const terms = f.split(' + ');
  return wrap(terms.map((t, i) => (i < terms.length - 1 ? `${t} +` : t)), width - LABEL_W, ' ');
}

/** The whole text summary: table at the given depth, then totals. */
export function summaryTable(m: ModelStructure, opts: SummaryOptions = {}): string {
  const width = opts.width ?? 100;
  const paint = painter(opts.color ?? false);
  const out = [
    ...table(m, opts.depth ?? 3, width, paint),
    ...totalsLines(m, {
      width,
      color: opts.color ?? false,
      ...(opts.expectations ? { expectations: opts.expectations } : {}),
      ...(opts.description !== undefined ? { description: opts.description } : {}),
    }),
  ];
  return out.join('\n') + '\n';
}
