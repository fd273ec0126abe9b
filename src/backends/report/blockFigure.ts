/**
 * The diagram's pieces for one column: a residual block (its main-path layers as boxes
 * top to bottom, its shortcut as a side edge into the ⊕), a collapsed run of identical
 * blocks, and a plain list of layers (stem, head). Each is a Figure in local coordinates
 * with a flow line entering at the top and leaving at the bottom at x = FLOW_X, so
 * figures stacked without gaps form one continuous path.
 *
 * A block with a gating branch (squeeze-and-excitation) gets a gate lane between its main
 * path and its shortcut lane: the branch forks off the main path below the tensor it pools,
 * runs down the lane as smaller boxes (`g.nf-gate`), and joins the main path at a ⊗ (the
 * Mul, `circle.nf-mul`), as the shortcut joins at the ⊕. The gate is styled with presentation
 * attributes, so DIAGRAM_CSS (and so every drawing without a gate) is unchanged.
 */
import { layerLabel, shapeStr } from './format.js';
import { IMPLIED_OPS, notableLayers, type Block, type Layer } from './structure.js';
import { arrowHead, el, esc, fitText, line, polyline, rect, text, textWidth, type Figure } from './svg.js';
import { maxOf } from '../../maxOf.js';

export const PAD = 8;
export const BOX_W = 136;
export const BOX_H = 22;
export const VGAP = 12;
const LANE_W = 72;
const R = 7;
const LABEL_FONT = 10.5;
const SMALL_FONT = 9;
const TIGHT_FONT = 9;
/** Width of a column holding blocks (boxes + shortcut lane). */
export const STAGE_COL_W = PAD + BOX_W + LANE_W;
/** Width of a column holding plain layers. */
export const PLAIN_COL_W = PAD + BOX_W + PAD;
/** Where the flow line runs, from a column's left edge. */
export const FLOW_X = PAD + BOX_W / 2;
const LANE_X = PAD + BOX_W + LANE_W / 2;
/**
 * The gate lane: its boxes' width, their left edge, and the extra column width it takes.
 * The lane overlaps the main boxes' right half, where the main path has only its flow line
 * beside the gate; when main-path layers run beside the gate, it moves right of them (SHIFT).
 */
const GATE_W = 100;
const GATE_X = FLOW_X + 20;
const GATE_EXTRA = 64;
const GATE_SHIFT = PAD + BOX_W + 10 - GATE_X;
/** Width of a column holding gated blocks (boxes + gate lane + shortcut lane), when no main-path layer runs beside a gate. */
export const GATED_COL_W = STAGE_COL_W + GATE_EXTRA;
const GATE_COLOR = '#1b7c83';

const shown = (ls: readonly Layer[]): Layer[] => ls.filter((l) => !IMPLIED_OPS.has(l.node.op));

/** How a block's main path is cut around its gate (see gatedPath). */
interface GateLayout {
  readonly scale: Layer;
  /** The gate's Mul is after the merge. */
  readonly inTail: boolean;
  /** Shown main-path layers up to the pooled tensor, beside the gate, after the Mul. */
  readonly pre: readonly Layer[];
  readonly mid: readonly Layer[];
  readonly post: readonly Layer[];
  /** Where the gate's boxes go. */
  readonly geo: Geometry;
  /** x of the shortcut lane. */
  readonly laneX: number;
  readonly width: number;
}

function gateLayout(b: Block): GateLayout | undefined {
  const scale = b.scale;
  if (b.gate.length === 0 || scale === undefined) return undefined;
  const inTail = b.tail.includes(scale);
  const seq = inTail ? b.tail : b.body;
  const source = b.gate[0]!.node.inputs[0]!;
  const si = seq.indexOf(scale);
  const srcIdx = seq.findIndex((l) => l.node.outputs.includes(source));
  const mid = shown(seq.slice(srcIdx + 1, si));
  const shift = mid.length > 0 ? GATE_SHIFT : 0;
  const geo: Geometry = { x: GATE_X + shift, w: GATE_W, cx: GATE_X + shift + GATE_W / 2 };
  return { scale, inTail, pre: shown(seq.slice(0, srcIdx + 1)), mid, post: shown(seq.slice(si + 1)), geo, laneX: LANE_X + GATE_EXTRA + shift, width: GATED_COL_W + shift };
}

/** The width a block's figure needs. */
export function blockWidth(b: Block): number {
  return gateLayout(b)?.width ?? STAGE_COL_W;
}

/** The column width a stage's blocks need. */
export function stageColumnWidth(blocks: readonly Block[]): number {
  return maxOf(blocks.map(blockWidth), STAGE_COL_W);
}

export interface Geometry {
  /** Left edge and width of the boxes, and the x of the flow line through them. */
  readonly x: number;
  readonly w: number;
  readonly cx: number;
}
const MAIN: Geometry = { x: PAD, w: BOX_W, cx: FLOW_X };

/** How a flow's lines and arrowheads are drawn: the CSS classes, or the gate's own colour. */
export interface Look {
  readonly line: Readonly<Record<string, string | number>>;
  readonly head: Readonly<Record<string, string | number>>;
}
export const FLOW: Look = { line: { class: 'nf-flow' }, head: { class: 'nf-head' } };
const GATE_LOOK: Look = { line: { class: 'nf-gate-flow', stroke: GATE_COLOR, 'stroke-width': 1.2, fill: 'none' }, head: { class: 'nf-gate-head', fill: GATE_COLOR } };

function boxClass(op: string): string {
  if (op === 'Conv') return 'nf-box nf-conv';
  if (op === 'Gemm') return 'nf-box nf-fc';
  if (op === 'MaxPool' || op === 'AveragePool' || op === 'GlobalAveragePool' || op === 'ReduceMean') return 'nf-box nf-pool';
  return 'nf-box nf-other';
}

export interface Column {
  readonly parts: string[];
  y: number;
}

/** A vertical arrow from the current y down to `to` (on the main flow line, or at `x`). */
export function flowTo(c: Column, to: number, x = FLOW_X, look: Look = FLOW): void {
  c.parts.push(line(x, c.y, x, to - 1, look.line), arrowHead(x, to, 'down', look.head));
  c.y = to;
}

export function boxes(c: Column, layers: readonly Layer[], stacked: boolean, geo: Geometry = MAIN, look: Look = FLOW): void {
  layers.forEach((l, i) => {
    if (i > 0) flowTo(c, c.y + VGAP, geo.cx, look);
    // a long label (`3x3 conv, 512, g32, /2`) gets a smaller font before it gets cut
    const full = layerLabel(l.node, l.stat.outputShape);
    const tight = textWidth(full, LABEL_FONT) > geo.w - 8;
    const label = fitText(full, geo.w - 8, tight ? TIGHT_FONT : LABEL_FONT);
    const cls = boxClass(l.node.op);
    if (stacked) {
      c.parts.push(rect(geo.x + 6, c.y + 6, geo.w, BOX_H, { rx: 3, class: `${cls} nf-stack` }), rect(geo.x + 3, c.y + 3, geo.w, BOX_H, { rx: 3, class: `${cls} nf-stack` }));
    }
    c.parts.push(
      el(
        'g',
        { class: 'nf-layer', 'data-node': l.node.name },
        `<title>${esc(`${l.node.name}: ${l.node.op} -> ${shapeStr(l.stat.outputShape)}`)}</title>` +
          rect(geo.x, c.y, geo.w, BOX_H, { rx: 3, class: cls }) +
          text(geo.cx, c.y + BOX_H / 2 + 3.5, label, { class: tight ? 'nf-label nf-label-tight' : 'nf-label', 'text-anchor': 'middle' }),
      ),
    );
    c.y += BOX_H;
  });
}

/**
 * The part of a main path (body or tail) holding the gate's Mul: the layers up to the
 * pooled tensor, the fork, the gate in its lane beside any main-path layers between fork
 * and Mul, the ⊗, then the rest.
 */
function gatedPath(c: Column, b: Block, lay: GateLayout, stacked: boolean): void {
  const { scale, pre, mid, post, geo } = lay;
  const gx = geo.cx;
  if (pre.length > 0) {
    flowTo(c, c.y + 14);
    boxes(c, pre, stacked);
  }
  const forkY = c.y + VGAP;
  c.parts.push(line(FLOW_X, c.y, FLOW_X, forkY, { class: 'nf-flow' }));
  // the gate, in its own lane
  const g: Column = { parts: [], y: forkY };
  g.parts.push(line(FLOW_X, forkY, gx, forkY, GATE_LOOK.line));
  const gateBoxes = shown(b.gate);
  if (gateBoxes.length > 0) {
    flowTo(g, g.y + VGAP, gx, GATE_LOOK);
    boxes(g, gateBoxes, stacked, geo, GATE_LOOK);
  }
  // main-path layers beside the gate
  c.y = forkY;
  if (mid.length > 0) {
    flowTo(c, c.y + VGAP);
    boxes(c, mid, stacked);
  }
  const mulY = Math.max(c.y, g.y) + VGAP + R + 4;
  g.parts.push(
    polyline(
      [
        [gx, g.y],
        [gx, mulY],
        [FLOW_X + R + 7, mulY],
      ],
      GATE_LOOK.line,
    ),
    arrowHead(FLOW_X + R, mulY, 'left', GATE_LOOK.head),
  );
  // the gate's implied last step (the sigmoid), written on its way back
  const lastShown = gateBoxes[gateBoxes.length - 1];
  const after = lastShown ? b.gate.slice(b.gate.indexOf(lastShown) + 1) : b.gate;
  const note = after.filter((l) => l.node.op !== 'Relu' && l.node.op !== 'Identity' && l.node.op !== 'Cast').map((l) => l.node.op.toLowerCase());
  if (note.length > 0) {
    const s = fitText(note.join(' + '), gx - FLOW_X - R - 12, SMALL_FONT);
    g.parts.push(text((FLOW_X + R + 4 + gx) / 2, mulY - 4, s, { class: 'nf-small nf-gate-note', 'text-anchor': 'middle', style: `fill:${GATE_COLOR}` }));
  }
  flowTo(c, mulY - R);
  c.parts.push(el('g', { class: 'nf-gate', 'data-gate': b.gate.map((l) => l.node.name).join(' ') }, g.parts.join('')));
  const d = R * 0.55;
  c.parts.push(
    el(
      'g',
      { class: 'nf-scale', 'data-node': scale.node.name },
      `<title>${esc(`${scale.node.name}: ${scale.node.op} -> ${shapeStr(scale.stat.outputShape)}`)}</title>` +
        el('circle', { cx: FLOW_X, cy: mulY, r: R, class: 'nf-add nf-mul' }) +
        line(FLOW_X - d, mulY - d, FLOW_X + d, mulY + d, { class: 'nf-plus' }) +
        line(FLOW_X - d, mulY + d, FLOW_X + d, mulY - d, { class: 'nf-plus' }),
    ),
  );
  c.y = mulY + R;
  if (post.length > 0) {
    flowTo(c, c.y + VGAP);
    boxes(c, post, stacked);
  }
}

/** The lines of a shortcut's label: kind, then its layers split for the narrow lane. */
export function shortcutLabelLines(b: Block): string[] {
  const lines = [b.shortcut.label];
  if (b.shortcut.detail !== '') {
    for (const seg of b.shortcut.detail.split(' + ')) {
      const k = seg.indexOf(', ');
      if (k < 0) lines.push(seg);
      else lines.push(seg.slice(0, k), seg.slice(k + 2));
    }
  }
  return lines.map((l) => fitText(l, LANE_W - 8, SMALL_FONT));
}

function shortcut(c: Column, b: Block, forkY: number, addY: number, laneX = LANE_X): void {
  const kind = b.shortcut.kind;
  c.parts.push(
    polyline(
      [
        [FLOW_X, forkY],
        [laneX, forkY],
        [laneX, addY],
        [FLOW_X + R + 7, addY],
      ],
      { class: `nf-sc nf-sc-${kind}` },
    ),
    arrowHead(FLOW_X + R, addY, 'left', { class: `nf-sc-head nf-sc-${kind}` }),
  );
  let lines = shortcutLabelLines(b);
  const room = addY - forkY - 8;
  if (lines.length * 11 + 6 > room) lines = lines.slice(0, 1);
  const w = Math.min(LANE_W - 4, maxOf(lines.map((l) => textWidth(l, SMALL_FONT))) + 8);
  const h = lines.length * 11 + 5;
  const top = (forkY + addY) / 2 - h / 2;
  c.parts.push(
    el(
      'g',
      { class: `nf-sc-label nf-sc-${kind}`, 'data-shortcut': kind },
      rect(laneX - w / 2, top, w, h, { rx: 3, class: 'nf-sc-box' }) +
        lines.map((l, i) => text(laneX, top + 11 + i * 11, l, { class: 'nf-small', 'text-anchor': 'middle' })).join(''),
    ),
  );
}

export interface BlockFigureOptions {
  /** Draw the block standing for `count` identical blocks (a collapsed run). */
  readonly run?: { readonly last: Block; readonly count: number };
  /** A small note right of the header pill (the HTML report's "expand" hint). */
  readonly hint?: string;
}

/** One block (or a collapsed run, drawn as its first block on a stack). */
export function blockFigure(b: Block, o: BlockFigureOptions = {}): Figure {
  const c: Column = { parts: [], y: 0 };
  const run = o.run;
  const pillH = run ? 28 : 18;
  const pillY = 6;
  c.parts.push(line(FLOW_X, 0, FLOW_X, pillY, { class: 'nf-flow' }));
  const title = run ? `${b.path} … ${run.last.path}` : `${b.path} · ${b.type}`;
  if (run) c.parts.push(rect(PAD + 6, pillY + 6, BOX_W, pillH, { rx: 9, class: 'nf-pill nf-stack' }), rect(PAD + 3, pillY + 3, BOX_W, pillH, { rx: 9, class: 'nf-pill nf-stack' }));
  c.parts.push(
    rect(PAD, pillY, BOX_W, pillH, { rx: 9, class: 'nf-pill' }),
    text(FLOW_X, pillY + 12.5, fitText(title, BOX_W - 10, SMALL_FONT), { class: 'nf-small nf-strong', 'text-anchor': 'middle' }),
  );
  if (run) c.parts.push(text(FLOW_X, pillY + 23.5, fitText(`${run.count} × ${b.type}`, BOX_W - 10, SMALL_FONT), { class: 'nf-small', 'text-anchor': 'middle' }));
  if (o.hint !== undefined) c.parts.push(text(PAD + BOX_W + 10, pillY + pillH / 2 + 3.5, o.hint, { class: 'nf-small nf-hint' }));
  c.y = pillY + pillH;
  const forkY = c.y + 6;
  const lay = gateLayout(b);
  if (lay !== undefined && !lay.inTail) gatedPath(c, b, lay, run !== undefined);
  else {
    const body = notableLayers(b.body);
    if (body.length > 0) {
      flowTo(c, c.y + 14);
      boxes(c, body, run !== undefined);
    }
  }
  if (b.merge !== undefined) {
    const addY = c.y + VGAP + R;
    flowTo(c, addY - R);
    shortcut(c, b, forkY, addY, lay?.laneX ?? LANE_X);
    c.parts.push(
      el('circle', { cx: FLOW_X, cy: addY, r: R, class: 'nf-add' }),
      line(FLOW_X - 4, addY, FLOW_X + 4, addY, { class: 'nf-plus' }),
      line(FLOW_X, addY - 4, FLOW_X, addY + 4, { class: 'nf-plus' }),
    );
    c.y = addY + R;
  }
  if (lay !== undefined && lay.inTail) gatedPath(c, b, lay, run !== undefined);
  else {
    const tail = b.tail.filter((l) => !IMPLIED_OPS.has(l.node.op));
    if (tail.length > 0) {
      flowTo(c, c.y + VGAP);
      boxes(c, tail, run !== undefined);
    }
  }
  const h = c.y + 6;
  c.parts.push(line(FLOW_X, c.y, FLOW_X, h, { class: 'nf-flow' }));
  return { w: lay?.width ?? STAGE_COL_W, h, body: c.parts.join('') };
}

/** The open state of a collapsed run in the HTML report: its header pill only. */
export function runHeaderFigure(first: Block, last: Block, count: number, hint: string): Figure {
  const c: Column = { parts: [], y: 0 };
  c.parts.push(
    line(FLOW_X, 0, FLOW_X, 40, { class: 'nf-flow' }),
    rect(PAD, 6, BOX_W, 28, { rx: 9, class: 'nf-pill nf-pill-open' }),
    text(FLOW_X, 18.5, fitText(`${first.path} … ${last.path}`, BOX_W - 10, SMALL_FONT), { class: 'nf-small nf-strong', 'text-anchor': 'middle' }),
    text(FLOW_X, 29.5, fitText(`${count} × ${first.type}`, BOX_W - 10, SMALL_FONT), { class: 'nf-small', 'text-anchor': 'middle' }),
    text(PAD + BOX_W + 10, 23.5, hint, { class: 'nf-small nf-hint' }),
  );
  return { w: STAGE_COL_W, h: 40, body: c.parts.join('') };
}

/** A plain column: the boxed layers of a stem, head or other section. */
export function layersFigure(layers: readonly Layer[], width = PLAIN_COL_W): Figure {
  const c: Column = { parts: [], y: 0 };
  const shown = notableLayers(layers);
  if (shown.length > 0) {
    flowTo(c, 10);
    boxes(c, shown, false);
  }
  const h = c.y + 10;
  c.parts.push(line(FLOW_X, c.y, FLOW_X, h, { class: 'nf-flow' }));
  return { w: width, h, body: c.parts.join('') };
}
