/**
 * Params and MACs per section (stem, each stage, head) as an SVG bar chart: two panels
 * side by side, one bar per section, scaled to the largest section of each panel, with the
 * value and its share of the model's total.
 */
import type { ModelStructure } from './structure.js';
import { int, si } from './format.js';
import { el, esc, fitText, num, rect, text } from './svg.js';
import { maxOf } from '../../maxOf.js';

const LABEL_W = 70;
const BAR_W = 250;
const VALUE_W = 100;
const PANEL_W = LABEL_W + BAR_W + VALUE_W;
const PANEL_GAP = 32;
const ROW_H = 22;
const BAR_H = 13;
const TOP = 26;
const MARGIN = 16;

export const COST_CHART_CSS = `
.nf-chart text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;fill:#1f2328;font-size:11px}
.nf-chart .nf-chart-title{font-weight:700;font-size:12px}
.nf-chart .nf-chart-value{fill:#57606a;font-size:10px}
.nf-chart .nf-bar-params{fill:#8250df}
.nf-chart .nf-bar-macs{fill:#218bff}
.nf-chart .nf-track{fill:#f6f8fa}
`.trim();

interface Panel {
  readonly title: string;
  readonly kind: 'params' | 'macs';
  readonly values: readonly number[];
}

function panel(p: Panel, names: readonly string[], x0: number): string {
  const total = p.values.reduce((a, b) => a + b, 0);
  const max = maxOf(p.values, 1);
  const rows = p.values.map((v, i) => {
    const y = TOP + i * ROW_H;
    const w = (v / max) * BAR_W;
    const share = total > 0 ? `${((100 * v) / total).toFixed(1)}%` : '0%';
    return el(
      'g',
      { class: `nf-bar nf-bar-row-${p.kind}`, 'data-section': names[i]!, 'data-value': v },
      `<title>${esc(`${names[i]!}: ${int(v)} ${p.kind === 'params' ? 'params' : 'MACs'} (${share})`)}</title>` +
        text(x0 + LABEL_W - 8, y + BAR_H - 2, fitText(names[i]!, LABEL_W - 8, 11), { 'text-anchor': 'end' }) +
        rect(x0 + LABEL_W, y, BAR_W, BAR_H, { class: 'nf-track' }) +
        rect(x0 + LABEL_W, y, Math.max(w, v > 0 ? 1 : 0), BAR_H, { class: `nf-bar-${p.kind}` }) +
        text(x0 + LABEL_W + BAR_W + 6, y + BAR_H - 2, `${v === 0 ? '0' : si(v)} · ${share}`, { class: 'nf-chart-value' }),
    );
  });
  return text(x0 + LABEL_W, 14, `${p.title} (total ${total === 0 ? '0' : si(total)})`, { class: 'nf-chart-title' }) + rows.join('');
}

/** The chart as an inline SVG element (no XML prolog; the HTML report embeds it). */
export function costChartSvg(m: ModelStructure): string {
  const names = m.sections.map((s) => s.name);
  const width = 2 * MARGIN + 2 * PANEL_W + PANEL_GAP;
  const height = TOP + names.length * ROW_H + 8;
  const body =
    panel({ title: 'Params', kind: 'params', values: m.sections.map((s) => s.params) }, names, MARGIN) +
    panel({ title: 'MACs (batch 1)', kind: 'macs', values: m.sections.map((s) => s.macs) }, names, MARGIN + PANEL_W + PANEL_GAP);
  return el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', class: 'nf-chart', width, height, viewBox: `0 0 ${num(width)} ${num(height)}`, role: 'img', 'aria-label': `${m.name}: params and MACs per stage` },
    body,
  );
}
