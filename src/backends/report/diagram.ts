/**
 * The architecture diagram: a header (main-path depth and the counts it verified), a rail
 * stem -> stages -> head with each section's output shape on the edges, and below each
 * rail box a column with the section's blocks (main path as boxes, shortcut as a side edge,
 * a gating branch such as squeeze-and-excitation as a side lane joining at a ⊗; a stage
 * with a gated block gets a wider column).
 * Runs of identical blocks are collapsed into one drawing on a stack.
 *
 * Two renderings share every piece: `diagramSvg` (one standalone SVG document) and
 * `diagramHtml` (the same header and rail, with columns as HTML so a collapsed run is a
 * <details> that expands in place).
 */
import type { Expectations } from '../../passes/verifyStructure.js';
import { chw, int, shapeStr, si } from './format.js';
import { FLOW_X, PLAIN_COL_W, blockFigure, layersFigure, runHeaderFigure, stageColumnWidth } from './blockFigure.js';
import { blockRuns, lastPart, type Block, type ModelStructure, type Section } from './structure.js';
import { hasFork } from './branches.js';
import { forkColumnWidth, forkFigure } from './forkFigure.js';
import { arrowHead, el, esc, fitText, line, num, polyline, rect, text, translate, type Figure } from './svg.js';
import { verdictFor, verdicts, type Verdict } from './verified.js';

export interface DiagramOptions {
  readonly expectations?: Expectations;
  readonly description?: string;
  /** Runs of at least this many identical blocks are collapsed. Default 3. */
  readonly collapseAt?: number;
}

const MARGIN = 16;
const GAP = 32;
const HEADER_H = 70;
const RAIL_H = 34;
const RAIL_INSET = 18;
const RAIL_STUB = 10;
/** Room above the rail for branch edges. */
const BRANCH_BAND = 22;

export const DIAGRAM_CSS = `
.nf-diagram text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;fill:#1f2328}
.nf-label{font-size:10.5px}
.nf-label-tight{font-size:9px}
.nf-small{font-size:9px}
.nf-strong{font-weight:600}
.nf-title{font-size:16px;font-weight:700}
.nf-sub{font-size:11px;fill:#57606a}
.nf-line{font-size:11.5px}
.nf-ok{fill:#1a7f37;font-weight:600}
.nf-bad{fill:#cf222e;font-weight:600}
.nf-hint{fill:#0969da}
.nf-flow{stroke:#57606a;stroke-width:1.2}
.nf-head{fill:#57606a}
.nf-box{stroke-width:1}
.nf-conv{fill:#ddf4ff;stroke:#218bff}
.nf-pool{fill:#dafbe1;stroke:#2da44e}
.nf-fc{fill:#fff1e5;stroke:#e16f24}
.nf-other{fill:#f6f8fa;stroke:#8c959f}
.nf-stack{opacity:.55}
.nf-pill{fill:#f6f8fa;stroke:#8c959f}
.nf-pill-open{fill:#fff8c5;stroke:#d4a72c}
.nf-add{fill:#fff;stroke:#57606a;stroke-width:1.2}
.nf-plus{stroke:#57606a;stroke-width:1.2}
.nf-sc{stroke-width:1.2}
.nf-sc-box{fill:#fff;stroke:none}
.nf-sc-identity{stroke:#8c959f;fill:#8c959f}
.nf-sc-projection{stroke:#8250df;fill:#8250df}
.nf-sc-optionA{stroke:#bc4c00;fill:#bc4c00}
.nf-sc-custom{stroke:#57606a;fill:#57606a}
path.nf-sc-optionA{stroke-dasharray:4 3}
path.nf-sc{fill:none}
.nf-sc-label.nf-sc-projection .nf-sc-box{stroke:#8250df}
.nf-sc-label.nf-sc-optionA .nf-sc-box{stroke:#bc4c00;stroke-dasharray:3 2}
.nf-sc-label text{stroke:none}
.nf-rail{fill:#f6f8fa;stroke:#57606a}
.nf-rail-stage{fill:#eef1ff;stroke:#4a5bd4}
.nf-edge{font-size:8.5px;fill:#57606a}
`.trim();

type Item = { readonly kind: 'block'; readonly block: Block } | { readonly kind: 'run'; readonly blocks: readonly Block[] };

interface ColumnPlan {
  readonly section: Section;
  readonly x: number;
  readonly width: number;
  readonly items: readonly Item[];
}

function plan(m: ModelStructure, collapseAt: number): { readonly columns: ColumnPlan[]; readonly width: number } {
  let x = MARGIN;
  const columns = m.sections.map((section) => {
    const width = section.kind === 'stage' ? stageColumnWidth(section.blocks) : hasFork(section.layers) ? forkColumnWidth(section.layers) : PLAIN_COL_W;
    const items: Item[] = [];
    for (const run of blockRuns(section.blocks)) {
      if (run.blocks.length >= collapseAt) items.push({ kind: 'run', blocks: run.blocks });
      else for (const block of run.blocks) items.push({ kind: 'block', block });
    }
    const c = { section, x, width, items };
    x += width + GAP;
    return c;
  });
  return { columns, width: x - GAP + MARGIN };
}

function sectionCaption(s: Section): string {
  if (s.kind === 'stage') {
    const types = new Set(s.blocks.map((b) => b.type));
    return `${s.blocks.length} × ${types.size === 1 ? s.blocks[0]!.type : 'blocks'}`;
  }
  if (s.type !== undefined) return s.from !== undefined ? `${s.type} ← ${lastPart(s.from)}` : s.type;
  return s.layers.length === 1 ? s.layers[0]!.node.op : `${s.layers.length} layers`;
}

/** A non-stage column: its layers, with lanes where they fork (ASPP). */
function plainFigure(c: ColumnPlan): Figure {
  return hasFork(c.section.layers) ? forkFigure(c.section.layers, c.width, c.section.headBlocks) : layersFigure(c.section.layers, c.width);
}

/** Whether the diagram collapses any run of blocks (the HTML report then offers "expand all"). */
export function hasCollapsedRuns(m: ModelStructure, collapseAt = 3): boolean {
  return m.sections.some((s) => blockRuns(s.blocks).some((r) => r.blocks.length >= collapseAt));
}

/**
 * Stem -> stages -> head, output shapes on the edges, stubs down into the columns. A section
 * that reads an earlier one than its neighbour (an auxiliary head on layer3) gets its edge
 * from that section's box instead, over the boxes between them (a band above the rail).
 */
function rail(columns: readonly ColumnPlan[], width: number): Figure {
  const parts: string[] = [];
  const band = columns.some((c) => c.section.from !== undefined) ? BRANCH_BAND : 0;
  columns.forEach((c, i) => {
    const bx = c.x + RAIL_INSET;
    const bw = c.width - 2 * RAIL_INSET;
    parts.push(
      el(
        'g',
        { class: 'nf-rail-box', 'data-section': c.section.name },
        rect(bx, band, bw, RAIL_H, { rx: 5, class: c.section.kind === 'stage' ? 'nf-rail nf-rail-stage' : 'nf-rail' }) +
          text(bx + bw / 2, band + 14, fitText(c.section.name, bw - 8, 11), { class: 'nf-line nf-strong', 'text-anchor': 'middle' }) +
          text(bx + bw / 2, band + 27, fitText(sectionCaption(c.section), bw - 8, 9), { class: 'nf-small', 'text-anchor': 'middle' }),
      ),
      line(c.x + FLOW_X, band + RAIL_H, c.x + FLOW_X, band + RAIL_H + RAIL_STUB, { class: 'nf-flow' }),
    );
    const from = c.section.from;
    const source = from === undefined ? undefined : columns.find((s) => s.section.name === from);
    if (source !== undefined) {
      // the branch: up from the source box, along the band, down into this box
      const sx = source.x + source.width / 2;
      const tx = bx + bw / 2;
      const y = band / 2;
      const shape = source.section.outputShape;
      parts.push(
        el(
          'g',
          { class: 'nf-edge-group nf-branch', 'data-from': source.section.name, 'data-to': c.section.name, 'data-shape': shape.join(',') },
          `<title>${esc(`${source.section.name} -> ${c.section.name}: ${shapeStr(shape)}`)}</title>` +
            polyline(
              [
                [sx, band],
                [sx, y],
                [tx, y],
                [tx, band - 1],
              ],
              { class: 'nf-flow' },
            ) +
            arrowHead(tx, band, 'down', { class: 'nf-head' }) +
            text(tx - 6, y - 3, fitText(chw(shape), tx - sx, 8.5), { class: 'nf-edge', 'text-anchor': 'end' }),
        ),
      );
    }
    const next = columns[i + 1];
    if (next && next.section.from === undefined) {
      const x1 = bx + bw;
      const x2 = next.x + RAIL_INSET;
      const shape = c.section.outputShape;
      parts.push(
        el(
          'g',
          { class: 'nf-edge-group', 'data-shape': shape.join(',') },
          `<title>${esc(`${c.section.name} -> ${next.section.name}: ${shapeStr(shape)}`)}</title>` +
            line(x1, band + RAIL_H / 2, x2 - 1, band + RAIL_H / 2, { class: 'nf-flow' }) +
            arrowHead(x2, band + RAIL_H / 2, 'right', { class: 'nf-head' }) +
            text((x1 + x2) / 2, band + RAIL_H / 2 - 5, fitText(chw(shape), x2 - x1 + 2 * RAIL_INSET - 4, 8.5), { class: 'nf-edge', 'text-anchor': 'middle' }),
        ),
      );
    }
  });
  return { w: width, h: band + RAIL_H + RAIL_STUB, body: parts.join('') };
}

/** ` ✓ verified (depth, conv, linear)` for the declared ones that hold, ` ✗ conv expected 49` for each that does not. */
function verdictSpans(pairs: readonly (readonly [string, Verdict | undefined])[]): string {
  const declared = pairs.filter((p): p is [string, Verdict] => p[1] !== undefined);
  const ok = declared.filter(([, v]) => v.ok).map(([n]) => n);
  const bad = declared.filter(([, v]) => !v.ok);
  let out = '';
  if (ok.length > 0) out += `<tspan class="nf-ok"> ✓ verified${pairs.length > 1 ? ` (${esc(ok.join(', '))})` : ''}</tspan>`;
  for (const [n, v] of bad) out += `<tspan class="nf-bad"> ✗ ${esc(n)} expected ${esc(v.expected)}</tspan>`;
  return out;
}

/** Name, then the main-path depth with its conv/fc counts and the verdict on each declared one. */
function header(m: ModelStructure, o: DiagramOptions, width: number): Figure {
  const s = m.stats;
  const vs = verdicts(s, o.expectations ?? {});
  const desc = o.description ? `  ${o.description}` : '';
  const io = s.outputs.length > 1 ? `input ${chw(m.input)} → ${s.outputs.map((o) => `${o.name} ${chw(o.shape)}`).join(', ')}` : `input ${chw(m.input)} → output ${chw(s.output)}`;
  const line1 =
    `<tspan>main-path depth ${s.depth} = ${s.mainPath.conv} conv + ${s.mainPath.linear} linear</tspan>` +
    verdictSpans([
      ['depth', verdictFor(vs, 'depth')],
      ['conv', verdictFor(vs, 'mainPath.conv')],
      ['linear', verdictFor(vs, 'mainPath.linear')],
    ]) +
    `<tspan> · ${s.shortcutProjections} shortcut projections</tspan>` +
    verdictSpans([['shortcut projections', verdictFor(vs, 'shortcutProjections')]]);
  const line2 =
    `<tspan>${esc(int(s.params))} params</tspan>${verdictSpans([['params', verdictFor(vs, 'params')]])}` +
    `<tspan> · ${esc(si(s.macs))} MACs</tspan>${verdictSpans([['MACs', verdictFor(vs, 'macs')]])}` +
    `<tspan> · ${esc(io)}</tspan>`;
  const body =
    el('text', { x: MARGIN, y: 20 }, `<tspan class="nf-title">${esc(m.name)}</tspan><tspan class="nf-sub">${esc(desc)}</tspan>`) +
    el('text', { x: MARGIN, y: 40, class: 'nf-line nf-depth' }, line1) +
    el('text', { x: MARGIN, y: 58, class: 'nf-line' }, line2);
  return { w: width, h: HEADER_H, body };
}

function runFigure(blocks: readonly Block[], hint?: string): Figure {
  return blockFigure(blocks[0]!, { run: { last: blocks[blocks.length - 1]!, count: blocks.length }, ...(hint !== undefined ? { hint } : {}) });
}

function itemFigures(c: ColumnPlan): Figure[] {
  if (c.section.kind !== 'stage') return [plainFigure(c)];
  return c.items.map((it) => (it.kind === 'block' ? blockFigure(it.block) : runFigure(it.blocks)));
}

function itemAttrs(it: Item): Record<string, string | number> {
  return it.kind === 'block'
    ? { class: 'block', 'data-path': it.block.path }
    : { class: 'block-group', 'data-first': it.blocks[0]!.path, 'data-last': it.blocks[it.blocks.length - 1]!.path, 'data-count': it.blocks.length };
}

/** The whole diagram as one standalone SVG document. */
export function diagramSvg(m: ModelStructure, o: DiagramOptions = {}): string {
  const { columns, width } = plan(m, o.collapseAt ?? 3);
  const head = header(m, o, width);
  const r = rail(columns, width);
  const top = head.h + r.h;
  const parts: string[] = [];
  let height = top;
  for (const c of columns) {
    const figs = itemFigures(c);
    let y = top;
    const placed = figs.map((f, i) => {
      const it = c.items[i];
      const g = translate(f, c.x, y, c.section.kind === 'stage' && it ? itemAttrs(it) : { class: 'nf-layers' });
      y += f.h;
      return g;
    });
    parts.push(el('g', { class: 'nf-column', 'data-section': c.section.name }, placed.join('')));
    height = Math.max(height, y);
  }
  height += MARGIN;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" class="nf-diagram" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}">`,
    `<title>${esc(`${m.name}: architecture`)}</title>`,
    `<style>${DIAGRAM_CSS}</style>`,
    rect(0, 0, width, height, { fill: '#ffffff' }),
    head.body,
    translate(r, 0, head.h, { class: 'nf-rail-row' }),
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

const inlineSvg = (f: Figure, a: Record<string, string | number> = {}): string =>
  el('svg', { xmlns: 'http://www.w3.org/2000/svg', class: 'nf-diagram', width: f.w, height: f.h, viewBox: `0 0 ${num(f.w)} ${num(f.h)}`, ...a }, f.body);

/**
 * The diagram for the HTML report: header and rail as one SVG, then the columns as HTML.
 * Every block is an `svg.block` (those of a collapsed run inside a closed <details>).
 */
export function diagramHtml(m: ModelStructure, o: DiagramOptions = {}): string {
  const { columns, width } = plan(m, o.collapseAt ?? 3);
  const head = header(m, o, width);
  const r = rail(columns, width);
  const top: Figure = { w: width, h: head.h + r.h, body: head.body + translate(r, 0, head.h, { class: 'nf-rail-row' }) };
  const cols = columns.map((c) => {
    let inner: string;
    if (c.section.kind !== 'stage') inner = inlineSvg(plainFigure(c), { class: 'nf-diagram nf-layers' });
    else {
      inner = c.items
        .map((it) => {
          if (it.kind === 'block') return inlineSvg(blockFigure(it.block), { ...itemAttrs(it), class: 'nf-diagram block' });
          const first = it.blocks[0]!;
          const last = it.blocks[it.blocks.length - 1]!;
          const all = it.blocks.map((b) => inlineSvg(blockFigure(b), { class: 'nf-diagram block', 'data-path': b.path })).join('\n');
          return (
            `<details class="block-group" data-first="${esc(first.path)}" data-last="${esc(last.path)}" data-count="${it.blocks.length}">` +
            `<summary title="${esc(`show all ${it.blocks.length} blocks`)}">` +
            inlineSvg(runFigure(it.blocks, '▸ expand'), { class: 'nf-diagram nf-run-closed' }) +
            inlineSvg(runHeaderFigure(first, last, it.blocks.length, '▾ collapse'), { class: 'nf-diagram nf-run-open' }) +
            `</summary>\n${all}\n</details>`
          );
        })
        .join('\n');
    }
    return `<div class="nf-col" data-section="${esc(c.section.name)}" style="width:${num(c.width)}px">\n${inner}\n</div>`;
  });
  return [
    `<div class="nf-diagram-wrap" style="min-width:${num(width)}px">`,
    inlineSvg(top, { class: 'nf-diagram nf-top', role: 'img', 'aria-label': `${m.name} architecture` }),
    `<div class="nf-cols" style="padding-left:${MARGIN}px;gap:${GAP}px">`,
    ...cols,
    '</div>',
    '</div>',
  ].join('\n');
}

/** CSS the HTML rendering needs beyond DIAGRAM_CSS (collapsing, layout). */
export const DIAGRAM_HTML_CSS = `
.nf-diagram-wrap{position:relative}
.nf-cols{display:flex;align-items:flex-start}
.nf-col{flex:none}
.nf-diagram-wrap svg{display:block}
details.block-group>summary{list-style:none;cursor:pointer;display:block}
details.block-group>summary::-webkit-details-marker{display:none}
details.block-group>summary:focus-visible{outline:2px solid #0969da}
details.block-group .nf-run-open{display:none}
details.block-group[open] .nf-run-open{display:block}
details.block-group[open] .nf-run-closed{display:none}
`.trim();
