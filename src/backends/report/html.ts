/**
 * `netforge report`: one self-contained HTML page (inline CSS and SVG, and a small inline
 * script for "expand all" when some blocks are collapsed; no network, no external fonts). Sections: key figures with
 * their verdicts, the stage table (Table 1 style), the architecture diagram, and the
 * params/MACs chart. The same model gives the same bytes.
 */
import type { Expectations } from '../../passes/verifyStructure.js';
import { COST_CHART_CSS, costChartSvg } from './costChart.js';
import { DIAGRAM_CSS, DIAGRAM_HTML_CSS, diagramHtml, hasCollapsedRuns } from './diagram.js';
import { int, macsFormulaText, mb, outputLines, shapeStr, si, sizesText } from './format.js';
import { stageTableHtml } from './stageTable.js';
import { allBlocks, dropoutNote, type ModelStructure } from './structure.js';
import { hasFork } from './branches.js';
import { esc } from './svg.js';
import { verdictFor, verdicts, type Verdict } from './verified.js';
import { int8Rows, type Int8Summary } from './quantSummary.js';

export interface ReportOptions {
  readonly expectations?: Expectations;
  readonly description?: string;
  /** Shown in the footer, e.g. `netforge 0.1.0`. */
  readonly generator?: string;
  /** Runs of at least this many identical blocks are collapsed. Default 3. */
  readonly collapseAt?: number;
  /** What the int8 model would be (`--quantize int8`): a section after the key figures. */
  readonly int8?: Int8Summary;
}

function int8Section(s: Int8Summary): string {
  const rows = int8Rows(s).map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`);
  return `<section id="int8"><h2>int8 (QDQ)</h2>\n<table class="nf-facts">\n${rows.join('\n')}\n</table>\n</section>`;
}

export const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;padding:24px 20px 40px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#1f2328;background:#fff;font-size:14px;line-height:1.45}
h1{font-size:24px;margin:0 0 2px}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid #d0d7de}
.nf-muted{color:#57606a;font-size:12px}
.nf-desc{color:#57606a;margin:0 0 14px}
.nf-facts{border-collapse:collapse}
.nf-facts th{text-align:left;font-weight:600;padding:2px 18px 2px 0;white-space:nowrap}
.nf-facts td{padding:2px 14px 2px 0;font-variant-numeric:tabular-nums}
.nf-ok{color:#1a7f37;font-weight:600}
.nf-bad{color:#cf222e;font-weight:600}
table.nf-stages{border-collapse:collapse;font-size:13px}
.nf-stages th,.nf-stages td{border-top:1px solid #d0d7de;padding:5px 12px 5px 0;vertical-align:top;text-align:left}
.nf-stages thead th{border-top:2px solid #1f2328;border-bottom:1px solid #1f2328}
.nf-stages tfoot th,.nf-stages tfoot td{border-top:1px solid #1f2328;border-bottom:2px solid #1f2328}
.nf-stages .num{text-align:right;font-variant-numeric:tabular-nums}
.nf-stages code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px;white-space:nowrap}
.nf-scroll{overflow-x:auto;padding-bottom:8px}
.nf-tools{margin:0 0 8px}
.nf-tools button{font:inherit;font-size:12px;padding:2px 10px;margin-right:6px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;cursor:pointer}
.nf-legend{font-size:12px;color:#57606a;margin:6px 0 0}
footer{margin-top:32px;color:#8c959f;font-size:12px}
`.trim();

/** "expand all" / "collapse all" for the collapsed runs of blocks. */
export const EXPAND_SCRIPT = `
document.querySelectorAll('[data-expand]').forEach(function (b) {
  b.addEventListener('click', function () {
    var open = b.getAttribute('data-expand') === 'all';
    document.querySelectorAll('details.block-group').forEach(function (d) { d.open = open; });
  });
});
`.trim();

function mark(v: Verdict | undefined): string {
  if (v === undefined) return '';
  return v.ok ? '<span class="nf-ok">✓ verified</span>' : `<span class="nf-bad">✗ expected ${esc(v.expected)}</span>`;
}

function facts(m: ModelStructure, e: Expectations): string {
  const s = m.stats;
  const vs = verdicts(s, e);
  const row = (label: string, value: string, v?: Verdict): string => `<tr><th scope="row">${esc(label)}</th><td>${value}</td><td>${mark(v)}</td></tr>`;
  const rows = [
    s.outputs.length === 1
      ? row('input → output', `${esc(shapeStr(m.input))} → ${esc(outputLines(s)[0]!)}`)
      : row('input → outputs', `${esc(shapeStr(m.input))} → ${outputLines(s).map(esc).join('<br>')}`),
    ...(sizesText(s) !== '' ? [row('input sizes', esc(sizesText(s)))] : []),
    row('params', `${esc(int(s.params))} <span class="nf-muted">(trainable ${esc(int(s.trainableParams))}, frozen ${esc(int(s.frozenParams))})</span>`, verdictFor(vs, 'params')),
    row('model size', `${esc(mb(s.params * 4))} float32 · ${esc(mb(s.params * 2))} float16 <span class="nf-muted">(parameters)</span>`),
    row('MACs (batch 1)', `${esc(int(s.macs))} <span class="nf-muted">(${esc(si(s.macs))}${sizesText(s) !== '' ? ` at ${Object.values(s.sizes).map((v) => v.reference).join('×')}` : ''})</span>`, verdictFor(vs, 'macs')),
    ...(macsFormulaText(s) !== undefined ? [row('MACs for any size', `<code>${esc(macsFormulaText(s)!)}</code>`)] : []),
    row('main-path depth', String(s.depth), verdictFor(vs, 'depth')),
    row('conv on the main path', String(s.mainPath.conv), verdictFor(vs, 'mainPath.conv')),
    row('fc on the main path', String(s.mainPath.linear), verdictFor(vs, 'mainPath.linear')),
    row('shortcut projections', String(s.shortcutProjections), verdictFor(vs, 'shortcutProjections')),
    row('ops', esc(Object.entries(s.ops).map(([k, v]) => `${k} ${v}`).join(', ')), verdictFor(vs, 'ops')),
    ...(dropoutNote(m) !== undefined ? [row('dropout', esc(dropoutNote(m)!))] : []),
  ];
  return `<table class="nf-facts">\n${rows.join('\n')}\n</table>`;
}

/** The page's head up to its <style>: charset, viewport, the CSP that keeps everything inline, the title. */
export function pageHead(title: string, css: string): string[] {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // nothing on this page may load from elsewhere
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>\n${css}\n</style>`,
    '</head>',
  ];
}

/** The self-contained HTML page `netforge report` writes. */
export function reportHtml(m: ModelStructure, o: ReportOptions = {}): string {
  const e = o.expectations ?? {};
  const collapsible = hasCollapsedRuns(m, o.collapseAt);
  const diagramOpts = {
    expectations: e,
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.collapseAt !== undefined ? { collapseAt: o.collapseAt } : {}),
  };
  return [
    ...pageHead(`${m.name}: netforge report`, `${PAGE_CSS}\n${DIAGRAM_CSS}\n${DIAGRAM_HTML_CSS}\n${COST_CHART_CSS}`),
    '<body>',
    `<header><h1>${esc(m.name)}</h1>${o.description ? `<p class="nf-desc">${esc(o.description)}</p>` : ''}`,
    facts(m, e),
    '</header>',
    o.int8 ? int8Section(o.int8) : '',
    '<section id="stages"><h2>Stages</h2>',
    `<div class="nf-scroll">${stageTableHtml(m)}</div>`,
    `<p class="nf-legend">Blocks list each main-path conv as <code>kernel, channels</code> (<code>gN</code>: groups, <code>dN</code>: dilation in place of stride)${
      allBlocks(m).some((b) => b.gate.length > 0) ? ', then a gating branch (squeeze-and-excitation) as <code>SE fc [reduced, channels]</code>' : ''
    }, read from the graph.</p>`,
    '</section>',
    '<section id="diagram"><h2>Architecture</h2>',
    collapsible
      ? '<div class="nf-tools"><button type="button" data-expand="all">expand all</button><button type="button" data-expand="none">collapse all</button></div>'
      : '',
    `<div class="nf-scroll">\n${diagramHtml(m, diagramOpts)}\n</div>`,
    `<p class="nf-legend">Boxes are the main path (BatchNorm and ReLU implied); the side edge is the shortcut: identity, projection (1x1 conv + BatchNorm), or option A (subsample and zero-pad, dashed). Edges between stages carry the output shape C×H×W.${
      m.sections.some((s) => s.from !== undefined) ? ' An edge over the stages is a branch: that head reads an earlier stage.' : ''
    }${m.sections.some((s) => s.kind !== 'stage' && hasFork(s.layers)) ? ' Branches that run side by side meet at their concat.' : ''}</p>`,
    '</section>',
    '<section id="cost"><h2>Params and MACs per stage</h2>',
    `<div class="nf-scroll">${costChartSvg(m)}</div>`,
    '</section>',
    `<footer>${esc(o.generator ?? 'netforge')}</footer>`,
    collapsible ? `<script>\n${EXPAND_SCRIPT}\n</script>` : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
