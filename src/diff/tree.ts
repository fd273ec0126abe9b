/**
 * The module trees of two models, aligned row by row: sections (stem, stages, head), the
 * blocks of each stage, and the layers of each block or other section, as `summary`
 * lists them.
 *
 * Rules:
 * 1. Rows align by their name within their parent (`layer3`, `layer3.0` -> `0`,
 *    `layer3.0.conv2` -> `conv2`; a layer, or a block of one layer, by its name and op), then by structure where the
 *    names differ (section kind, block type, layer op; see ./align.ts). So a renamed stage
 *    still pairs with its counterpart and its blocks pair by index, a Bottleneck with the
 *    SEBottleneck of the same name, and a shortcut that gains a pooling layer in front
 *    (`downsample.0` pool, `.1` conv, `.2` BatchNorm) pairs conv with conv.
 * 2. A pair of rows differs in a field when its values differ: the name within the
 *    parent (`path`, only for rows paired by structure), the type, the output shape, the
 *    kernel/stride/dilation/groups, the params, the MACs (at the reference size, or as a
 *    function of the input's sizes).
 * 3. A row is `changed` when a field differs or a row under it is not `same`; `added`
 *    rows are B's only, `removed` rows A's only (and so is everything under them).
 */
import type { Dim, Shape } from '../ir/types.js';
import { dimAdd, dimEquals, sameShape } from '../ir/dim.js';
import { aggregateKernelSpec, type Block, type Layer, type ModelStructure, type Section } from '../backends/report/structure.js';
import { kernelSpec, shortOp } from '../backends/report/format.js';
import { isSingleLayer, sectionType } from '../backends/report/summaryTable.js';
import { align } from './align.js';

export type RowKind = 'section' | 'block' | 'layer';
export type RowStatus = 'same' | 'changed' | 'added' | 'removed';
export type DiffField = 'path' | 'type' | 'outputShape' | 'kernel' | 'params' | 'macs';
export const DIFF_FIELDS: readonly DiffField[] = ['path', 'type', 'outputShape', 'kernel', 'params', 'macs'];

/** What one side shows in a row. */
export interface RowCells {
  /** The module path (a section's name). */
  readonly path: string;
  readonly type: string;
  readonly outputShape: Shape;
  /** `3x3 s2 d1 g32` (aggregated over a block or section, as summary does); '' when nothing is windowed. */
  readonly kernel: string;
  readonly params: number;
  /** At the reference size. */
  readonly macs: number;
  readonly macsFormula: Dim;
}

export interface DiffRow {
  readonly kind: RowKind;
  readonly status: RowStatus;
  readonly a?: RowCells;
  readonly b?: RowCells;
  /** The fields whose values differ (pairs only). */
  readonly changed: readonly DiffField[];
  readonly children: readonly DiffRow[];
}

/** A row of one model, before alignment. */
interface Item {
  readonly kind: RowKind;
  /** The name within the parent. */
  readonly local: string;
  /** What pairs rows first: the name, with the op for a layer (and a block of one layer). */
  readonly key: string;
  /** What pairs rows whose names differ. */
  readonly structure: string;
  readonly cells: RowCells;
  readonly children: readonly Item[];
}

const sumFormula = (ls: readonly Layer[]): Dim => ls.reduce<Dim>((a, l) => dimAdd(a, l.stat.macsFormula), 0);
const localName = (name: string, parent: string): string => (parent !== '' && name.startsWith(`${parent}.`) ? name.slice(parent.length + 1) : name);

function layerItem(l: Layer, parent: string): Item {
  const n = l.node;
  return {
    kind: 'layer',
    local: localName(n.name, parent),
    key: `${localName(n.name, parent)}|${n.op}`,
    structure: n.op,
    cells: { path: n.name, type: shortOp(n.op), outputShape: l.stat.outputShape, kernel: kernelSpec(n), params: l.stat.params, macs: l.stat.macs, macsFormula: l.stat.macsFormula },
    children: [],
  };
}

function blockItem(b: Block, stage: string): Item {
  return {
    kind: 'block',
    local: localName(b.path, stage),
    key: b.layers.length === 1 ? `${localName(b.path, stage)}|${b.type}` : localName(b.path, stage),
    structure: b.type,
    cells: { path: b.path, type: b.type, outputShape: b.outputShape, kernel: aggregateKernelSpec(b.layers), params: b.params, macs: b.macs, macsFormula: sumFormula(b.layers) },
    children: b.layers.map((l) => layerItem(l, b.path)),
  };
}

function sectionItem(s: Section): Item {
  if (isSingleLayer(s)) return { ...layerItem(s.layers[0]!, ''), kind: 'section', key: s.name, structure: s.kind };
  return {
    kind: 'section',
    local: s.name,
    key: s.name,
    structure: s.kind,
    cells: { path: s.name, type: sectionType(s), outputShape: s.outputShape, kernel: aggregateKernelSpec(s.layers), params: s.params, macs: s.macs, macsFormula: sumFormula(s.layers) },
    children: s.kind === 'stage' ? s.blocks.map((b) => blockItem(b, s.name)) : s.layers.map((l) => layerItem(l, s.modules.length === 1 ? s.name : '')),
  };
}

function differing(a: Item, b: Item): DiffField[] {
  const x = a.cells;
  const y = b.cells;
  const same: Record<DiffField, boolean> = {
    path: a.local === b.local,
    type: x.type === y.type,
    outputShape: sameShape(x.outputShape, y.outputShape),
    kernel: x.kernel === y.kernel,
    params: x.params === y.params,
    macs: x.macs === y.macs && dimEquals(x.macsFormula, y.macsFormula),
  };
  return DIFF_FIELDS.filter((f) => !same[f]);
}

/** One side's rows only: all added, or all removed. */
function oneSided(it: Item, side: 'a' | 'b'): DiffRow {
  return {
    kind: it.kind,
    status: side === 'a' ? 'removed' : 'added',
    [side]: it.cells,
    changed: [],
    children: it.children.map((c) => oneSided(c, side)),
  };
}

function diffItems(as: readonly Item[], bs: readonly Item[]): DiffRow[] {
  return align(
    as,
    bs,
    (i) => i.key,
    (i) => `${i.kind}:${i.structure}`,
  ).map((p) => {
    if (p.a === undefined) return oneSided(p.b!, 'b');
    if (p.b === undefined) return oneSided(p.a, 'a');
    const children = diffItems(p.a.children, p.b.children);
    const changed = differing(p.a, p.b);
    const same = changed.length === 0 && children.every((c) => c.status === 'same');
    return { kind: p.a.kind, status: same ? 'same' : 'changed', a: p.a.cells, b: p.b.cells, changed, children };
  });
}

/** The two models' sections, blocks and layers, aligned (rules 1-3). */
export function diffTree(a: ModelStructure, b: ModelStructure): DiffRow[] {
  return diffItems(a.sections.map(sectionItem), b.sections.map(sectionItem));
}

/** Every row, depth first. */
export function allRows(rows: readonly DiffRow[]): DiffRow[] {
  return rows.flatMap((r) => [r, ...allRows(r.children)]);
}
