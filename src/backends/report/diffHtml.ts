/**
 * `netforge diff -o diff.html`: one self-contained page (inline CSS, SVG and a small
 * script; nothing loads from elsewhere, as the report's CSP says). Sections: the totals of
 * A and B with deltas and ratios, the changes table (rows as `netforge diff` shows them at
 * the chosen depth), the two architecture diagrams side by side with changed, added and
 * removed blocks and sections highlighted, and the weight compatibility.
 *
 * Highlighting is a stylesheet of attribute selectors over the diagrams' own markup
 * (`svg.block[data-path]`, a collapsed run's `details.block-group[data-first]`, the rail's
 * `g.nf-rail-box[data-section]`): amber for changed, green for B's own, red for A's own. A
 * collapsed run is marked when a block inside it is. The two panes scroll together, and open
 * at the first changed section, so the marks are in view.
 */
import type { DiffRow, ModelDiff, RowCells } from '../../diff.js';
import { formatDim } from '../../ir/dim.js';
import { DIAGRAM_CSS, DIAGRAM_HTML_CSS, diagramHtml, hasCollapsedRuns } from './diagram.js';
import { EXPAND_SCRIPT, PAGE_CSS, pageHead } from './html.js';
import { int, shapeStr, si } from './format.js';
import { blockRuns, type ModelStructure } from './structure.js';
import { esc } from './svg.js';
import type { SummaryDepth } from './summaryTable.js';
import { opsText, runLabel, sizeNames, totalRows, visibleRows, weightsFacts, type Visible } from './diffFacts.js';
import { allRows } from '../../diff/tree.js';

export interface DiffHtmlOptions {
  /** Rows of the changes table: 1 sections, 2 + blocks, 3 + layers. Default 2. */
  readonly depth?: SummaryDepth;
  /** Shown in the footer, e.g. `netforge 0.1.0`. */
  readonly generator?: string;
  /** Runs of at least this many identical blocks are collapsed in the diagrams. Default 3. */
  readonly collapseAt?: number;
}

type Mark = 'changed' | 'added' | 'removed';

const COLORS: Readonly<Record<Mark, { readonly line: string; readonly fill: string }>> = {
  changed: { line: '#bf8700', fill: '#fff8c5' },
  added: { line: '#1a7f37', fill: '#dafbe1' },
  removed: { line: '#cf222e', fill: '#ffebe9' },
};

const DIFF_CSS = `
.nf-sides{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.nf-side{min-width:0;border:1px solid #d0d7de;border-radius:6px;padding:8px}
.nf-side h3{font-size:14px;margin:0 0 6px}
.nf-side .nf-scroll{max-height:80vh;overflow:auto}
table.nf-diff{border-collapse:collapse;font-size:13px}
.nf-diff th,.nf-diff td{border-top:1px solid #d0d7de;padding:3px 12px 3px 0;text-align:left;vertical-align:top;white-space:nowrap}
.nf-diff thead th{border-top:2px solid #1f2328;border-bottom:1px solid #1f2328}
.nf-diff .num{text-align:right;font-variant-numeric:tabular-nums}
.nf-diff code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
.nf-diff tr.nf-changed td:first-child{color:${COLORS.changed.line};font-weight:700}
.nf-diff tr.nf-added{background:${COLORS.added.fill}}
.nf-diff tr.nf-removed{background:${COLORS.removed.fill}}
.nf-diff tr.nf-unchanged td{color:#57606a;font-style:italic}
.nf-diff .nf-was{color:#57606a}
.nf-diff .nf-now{background:${COLORS.changed.fill};font-weight:600}
.nf-l2{padding-left:16px!important}
.nf-l3{padding-left:32px!important}
.nf-facts td.nf-differs{font-weight:600}
.nf-facts code{font-size:12px;white-space:normal}
.nf-verdict{font-weight:600}
`.trim();

/** Scroll the two panes together; open them at the section named by data-first-change. */
const SYNC_SCRIPT = `
(function () {
  var panes = [].slice.call(document.querySelectorAll('.nf-side > .nf-scroll'));
  panes.forEach(function (p) {
    p.addEventListener('scroll', function () {
      panes.forEach(function (q) {
        if (q !== p && (q.scrollLeft !== p.scrollLeft || q.scrollTop !== p.scrollTop)) { q.scrollLeft = p.scrollLeft; q.scrollTop = p.scrollTop; }
      });
    });
  });
  var sides = document.querySelector('.nf-sides');
  var name = sides && sides.getAttribute('data-first-change');
  var pane = name && document.querySelector('.nf-side-' + sides.getAttribute('data-first-side') + ' > .nf-scroll');
  if (!pane) return;
  var col = [].slice.call(pane.querySelectorAll('.nf-col')).filter(function (c) { return c.getAttribute('data-section') === name; })[0];
  if (col) pane.scrollLeft += col.getBoundingClientRect().left - pane.getBoundingClientRect().left - 24;
})();
`.trim();

/** The first section that differs, and the side that has it (B's, unless it is A's only). */
function firstChange(d: ModelDiff): { readonly side: 'a' | 'b'; readonly section: string } | undefined {
  const r = d.rows.find((x) => x.status !== 'same');
  if (r === undefined) return undefined;
  return r.b !== undefined ? { side: 'b', section: r.b.path } : { side: 'a', section: r.a!.path };
}

/** The CSS attribute value `v`, quoted; every character but letters, digits, `_`, `.` and `-` as a CSS escape, so no module name can close the <style>. */
const attr = (v: string): string => `"${[...v].map((c) => (/[\w.-]/.test(c) ? c : `\\${c.codePointAt(0)!.toString(16)} `)).join('')}"`;

/** Highlight rules for one side's diagram: each marked block, each collapsed run holding one, each marked section. */
function highlightCss(side: 'a' | 'b', m: ModelStructure, marks: ReadonlyMap<string, Mark>, collapseAt: number): string {
  const rules: string[] = [];
  const scope = `.nf-side-${side}`;
  for (const s of m.sections) {
    const sm = marks.get(s.name);
    if (sm !== undefined) rules.push(`${scope} g.nf-rail-box[data-section=${attr(s.name)}] rect{stroke:${COLORS[sm].line};stroke-width:3;fill:${COLORS[sm].fill}}`);
    for (const run of blockRuns(s.blocks)) {
      const inRun = run.blocks.map((b) => marks.get(b.path)).filter((x): x is Mark => x !== undefined);
      for (const b of run.blocks) {
        const bm = marks.get(b.path);
        if (bm !== undefined) rules.push(`${scope} svg.block[data-path=${attr(b.path)}]{outline:3px solid ${COLORS[bm].line};outline-offset:-2px;background:${COLORS[bm].fill}}`);
      }
      if (run.blocks.length >= collapseAt && inRun.length > 0) {
        // a run wholly added (or removed) says so; one that mixes gets the mark for a change
        const runMark = inRun.length === run.blocks.length && inRun.every((x) => x === inRun[0]) ? inRun[0]! : 'changed';
        rules.push(`${scope} details.block-group[data-first=${attr(run.blocks[0]!.path)}]>summary svg{outline:3px solid ${COLORS[runMark].line};outline-offset:-2px;background:${COLORS[runMark].fill}}`);
      }
    }
  }
  return rules.join('\n');
}

/** Which paths of each side are marked: a changed, added or removed section or block. */
function marksOf(d: ModelDiff): { readonly a: Map<string, Mark>; readonly b: Map<string, Mark> } {
  const a = new Map<string, Mark>();
  const b = new Map<string, Mark>();
  for (const r of allRows(d.rows)) {
    if (r.kind === 'layer' || r.status === 'same') continue;
    if (r.a !== undefined) a.set(r.a.path, r.status === 'removed' ? 'removed' : 'changed');
    if (r.b !== undefined) b.set(r.b.path, r.status === 'added' ? 'added' : 'changed');
  }
  return { a, b };
}

const NUMERIC = [false, false, false, false, true, true];

function cellTexts(c: RowCells): string[] {
  return [c.path, c.type, shapeStr(c.outputShape), c.kernel, c.params === 0 ? '-' : int(c.params), c.macs === 0 ? '-' : si(c.macs)];
}

const STATUS_SIGN: Readonly<Record<DiffRow['status'], string>> = { same: '', changed: '~', added: '+', removed: '−' };

function changesRow(v: Visible): string {
  const lvl = v.level > 1 ? ` class="nf-l${v.level}"` : '';
  if (v.kind === 'unchanged') return `<tr class="nf-unchanged"><td></td><td${lvl}>${esc(runLabel(v.first, v.last, v.parent))}</td><td colspan="5">${v.count} unchanged</td></tr>`;
  const r = v.row;
  const own = cellTexts((r.a ?? r.b)!);
  const other = r.status === 'changed' ? cellTexts(r.b!) : own;
  const tds = own.map((c, i) => {
    const cls = [NUMERIC[i] ? 'num' : '', i === 0 && v.level > 1 ? `nf-l${v.level}` : ''].filter((x) => x !== '').join(' ');
    const open = cls === '' ? '<td>' : `<td class="${cls}">`;
    const body = c === other[i] ? esc(c) : `<span class="nf-was">${esc(c)}</span> → <span class="nf-now">${esc(other[i]!)}</span>`;
    return `${open}${i < 4 && c !== '' ? `<code>${body}</code>` : body}</td>`;
  });
  return `<tr class="nf-${r.status}" data-path="${esc((r.a ?? r.b)!.path)}"><td>${STATUS_SIGN[r.status]}</td>${tds.join('')}</tr>`;
}

function changesTable(d: ModelDiff, depth: SummaryDepth): string {
  const head = ['', 'Module', 'Type', 'Output shape', 'Kernel', 'Params', 'MACs'].map((h, i) => `<th${i >= 5 ? ' class="num"' : ''}>${h}</th>`).join('');
  return `<table class="nf-diff"><thead><tr>${head}</tr></thead><tbody>\n${visibleRows(d.rows, depth).map(changesRow).join('\n')}\n</tbody></table>`;
}

function totalsTable(d: ModelDiff): string {
  const rows = totalRows(d).map(
    (r) =>
      `<tr><th scope="row">${esc(r.label.trim())}</th><td>${esc(r.a)}</td><td${r.differs ? ' class="nf-differs"' : ''}>${esc(r.b)}</td><td class="num">${esc(r.delta)}</td><td class="num">${esc(r.ratio)}</td></tr>`,
  );
  const f = d.totals.macsFormula;
  if (f !== undefined) {
    const names = sizeNames(d);
    const grow = f.asSizesGrow !== undefined ? ` <span class="nf-muted">(B / A → ${esc(f.asSizesGrow.toFixed(3))}× as ${esc(names)} grow)</span>` : '';
    rows.push(`<tr><th scope="row">MACs for any ${esc(names)}</th><td><code>${esc(formatDim(f.a))}</code></td><td><code>${esc(formatDim(f.b))}</code></td><td colspan="2"><code>${esc(formatDim(f.delta))}</code>${grow}</td></tr>`);
  }
  rows.push(`<tr><th scope="row">Ops</th><td colspan="4">${esc(opsText(d))}</td></tr>`);
  return `<table class="nf-facts"><thead><tr><th></th><th>A</th><th>B</th><th>B − A</th><th>B / A</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function weightsTable(d: ModelDiff): string {
  const rows = weightsFacts(d).map((f) => `<tr><th scope="row">${esc(f.label)}</th><td${f.label.startsWith('--') ? ' class="nf-verdict"' : ''}>${esc(f.value)}</td></tr>`);
  return `<table class="nf-facts nf-weights">\n${rows.join('\n')}\n</table>`;
}

/** The self-contained page `netforge diff -o diff.html` writes. */
export function diffHtml(d: ModelDiff, o: DiffHtmlOptions = {}): string {
  const collapseAt = o.collapseAt ?? 3;
  const marks = marksOf(d);
  const collapsible = hasCollapsedRuns(d.a.structure, collapseAt) || hasCollapsedRuns(d.b.structure, collapseAt);
  const side = (s: 'a' | 'b'): string => {
    const info = d[s];
    return [
      `<div class="nf-side nf-side-${s}">`,
      `<h3>${s.toUpperCase()}: ${esc(info.label)}</h3>`,
      `<div class="nf-scroll">\n${diagramHtml(info.structure, { collapseAt })}\n</div>`,
      '</div>',
    ].join('\n');
  };
  const title = `${d.a.label} → ${d.b.label}`;
  const first = firstChange(d);
  const css = [PAGE_CSS, DIAGRAM_CSS, DIAGRAM_HTML_CSS, DIFF_CSS, highlightCss('a', d.a.structure, marks.a, collapseAt), highlightCss('b', d.b.structure, marks.b, collapseAt)];
  return [
    ...pageHead(`${title}: netforge diff`, css.join('\n')),
    '<body>',
    `<header><h1>${esc(title)}</h1>`,
    `<p class="nf-desc">A: ${esc(d.a.label)} (${esc(d.a.structure.name)}) · B: ${esc(d.b.label)} (${esc(d.b.structure.name)})${d.identical ? ' · <strong>no difference</strong>' : ''}</p>`,
    totalsTable(d),
    '</header>',
    '<section id="changes"><h2>Changes</h2>',
    d.identical ? '<p>The same modules, shapes, kernels, params and MACs.</p>' : `<div class="nf-scroll">${changesTable(d, o.depth ?? 2)}</div>`,
    '<p class="nf-legend">~ changed (A → B), + only in B, − only in A; rows under an unchanged row are not shown, and runs of unchanged rows are collapsed.</p>',
    '</section>',
    '<section id="diagrams"><h2>Architecture, side by side</h2>',
    collapsible ? '<div class="nf-tools"><button type="button" data-expand="all">expand all</button><button type="button" data-expand="none">collapse all</button></div>' : '',
    `<div class="nf-sides"${first !== undefined ? ` data-first-change="${esc(first.section)}" data-first-side="${first.side}"` : ''}>\n${side('a')}\n${side('b')}\n</div>`,
    `<p class="nf-legend">Marked blocks and stages: <span style="color:${COLORS.changed.line}">changed</span>, <span style="color:${COLORS.added.line}">only in B</span>, <span style="color:${COLORS.removed.line}">only in A</span>; a collapsed run is marked when a block in it is.</p>`,
    '</section>',
    `<section id="weights"><h2>Weights: A's checkpoint loaded into B</h2>`,
    weightsTable(d),
    '</section>',
    `<footer>${esc(o.generator ?? 'netforge')}</footer>`,
    `<script>\n${collapsible ? `${EXPAND_SCRIPT}\n` : ''}${SYNC_SCRIPT}\n</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
