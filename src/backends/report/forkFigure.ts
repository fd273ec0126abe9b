/**
 * The diagram column of a section whose layers fork and join (a DeepLabV3 head): its plain
 * layers as boxes on the flow line, each fork as lanes side by side (ASPP's five branches,
 * each lane's layers as boxes) that leave a bar under the tensor they all read and meet at
 * a bar above the join, drawn as a `concat` box on the flow line, named after the recorded
 * block it belongs to (`ASPP · classifier.0`). Lane k is `g.nf-lane` with `data-lane` k;
 * the first lane sits on the column's flow line.
 */
import { BOX_H, FLOW, FLOW_X, PAD, PLAIN_COL_W, VGAP, boxes, flowTo, type Column, type Geometry } from './blockFigure.js';
import { branchSteps, type Step } from './branches.js';
import { notableLayers, type HeadBlock, type Layer } from './structure.js';
import { layerLabel, shapeStr } from './format.js';
import { el, esc, fitText, line, rect, text, type Figure } from './svg.js';

/** A lane's boxes, and the distance between lane centers. */
const LANE_BOX_W = 120;
const LANE_PITCH = 128;
/** The first lane is centered on the flow line. */
const laneGeometry = (k: number): Geometry => {
  const cx = FLOW_X + k * LANE_PITCH;
  return { x: cx - LANE_BOX_W / 2, w: LANE_BOX_W, cx };
};

/** The widest fork of the steps (1 without a fork). */
function maxLanes(steps: readonly Step[]): number {
  return Math.max(1, ...steps.map((s) => (s.kind === 'fork' ? s.lanes.length : 1)));
}

/** The column width a section with forks needs. */
export function forkColumnWidth(layers: readonly Layer[]): number {
  const k = maxLanes(branchSteps(layers));
  return Math.max(PLAIN_COL_W, laneGeometry(k - 1).x + LANE_BOX_W + PAD);
}

function fork(c: Column, s: Extract<Step, { kind: 'fork' }>, block: HeadBlock | undefined): void {
  const k = s.lanes.length;
  const last = laneGeometry(k - 1).cx;
  // the fork bar, under the tensor every lane reads
  const forkY = c.y + VGAP;
  c.parts.push(line(FLOW_X, c.y, FLOW_X, forkY, { class: 'nf-flow' }), line(FLOW_X, forkY, last, forkY, { class: 'nf-flow nf-fork' }));
  const ends: number[] = [];
  const lanes: string[] = [];
  s.lanes.forEach((ls, j) => {
    const geo = laneGeometry(j);
    const lane: Column = { parts: [], y: forkY };
    const shown = notableLayers(ls);
    if (shown.length > 0) {
      flowTo(lane, forkY + VGAP, geo.cx);
      boxes(lane, shown, false, geo);
    }
    ends.push(lane.y);
    lanes.push(el('g', { class: 'nf-lane', 'data-lane': j, 'data-first': ls[0]?.node.name ?? '' }, lane.parts.join('')));
  });
  const joinY = Math.max(...ends) + VGAP;
  s.lanes.forEach((_, j) => {
    const cx = laneGeometry(j).cx;
    c.parts.push(line(cx, ends[j]!, cx, joinY, { class: 'nf-flow' }));
  });
  c.parts.push(...lanes, line(FLOW_X, joinY, last, joinY, { class: 'nf-flow nf-join' }));
  c.y = joinY;
  // the join: a concat box on the flow line
  flowTo(c, c.y + VGAP);
  const j = s.join;
  const label = fitText(layerLabel(j.node, j.stat.outputShape), LANE_BOX_W - 8, 10.5);
  c.parts.push(
    el(
      'g',
      { class: 'nf-layer nf-concat', 'data-node': j.node.name },
      `<title>${esc(`${j.node.name}: ${j.node.op} of ${k} branches -> ${shapeStr(j.stat.outputShape)}`)}</title>` +
        rect(FLOW_X - LANE_BOX_W / 2, c.y, LANE_BOX_W, BOX_H, { rx: 11, class: 'nf-box nf-other' }) +
        text(FLOW_X, c.y + BOX_H / 2 + 3.5, label, { class: 'nf-label', 'text-anchor': 'middle' }),
    ),
  );
  // the block the branches belong to (ASPP), named beside its join
  if (block !== undefined) c.parts.push(text(FLOW_X + LANE_BOX_W / 2 + 8, c.y + BOX_H / 2 + 3.5, `${block.type} · ${block.path}`, { class: 'nf-small nf-strong nf-fork-block' }));
  c.y += BOX_H;
}

/** The column: plain layers and forks, top to bottom, the flow line entering and leaving at FLOW_X. */
export function forkFigure(layers: readonly Layer[], width: number, blocks: readonly HeadBlock[] = []): Figure {
  const c: Column = { parts: [], y: 0 };
  let pending: Layer[] = [];
  const flush = (): void => {
    const shown = notableLayers(pending).filter((l) => l.node.op !== 'Concat');
    if (shown.length > 0) {
      flowTo(c, c.y + (c.y === 0 ? 10 : VGAP));
      boxes(c, shown, false);
    }
    pending = [];
  };
  for (const s of branchSteps(layers)) {
    if (s.kind === 'layer') {
      pending.push(s.layer);
      continue;
    }
    flush();
    fork(c, s, blocks.find((b) => b.layers.includes(s.join)));
  }
  flush();
  const h = c.y + 10;
  c.parts.push(line(FLOW_X, c.y, FLOW_X, h, FLOW.line));
  return { w: width, h, body: c.parts.join('') };
}
