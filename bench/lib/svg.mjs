/**
 * The scaling plot: netforge compile time and peak RSS against parameter count, one
 * point per zoo model, with least-squares lines; the memory panel also draws the weight
 * bytes (float32) and the target 2 x weights + 200 MB. Plain SVG, no dependencies.
 */
import { linearFit } from './stats.mjs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** About `n` round tick values covering [0, hi]. */
function ticks(hi, n = 5) {
  const raw = hi / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out = [];
  const count = Math.max(1, Math.ceil(hi / step - 1e-9));
  for (let k = 0; k <= count; k++) out.push(Number((k * step).toPrecision(6)));
  return out;
}

/**
 * One panel. series: [{ label, color, points: [{x, y, name}], fit: bool, dashed?: bool, line?: [[x,y],[x,y]] }]
 */
function panel({ x0, y0, w, h, title, xLabel, yLabel, series }) {
  const all = series.flatMap((s) => [...(s.points ?? []).map((p) => [p.x, p.y]), ...(s.line ?? [])]);
  const xMax = Math.max(...all.map((p) => p[0])) * 1.05;
  const yMax = Math.max(...all.map((p) => p[1])) * 1.1;
  const xt = ticks(xMax);
  const yt = ticks(yMax);
  const xHi = xt[xt.length - 1];
  const yHi = yt[yt.length - 1];
  const X = (v) => x0 + (v / xHi) * w;
  const Y = (v) => y0 + h - (v / yHi) * h;
  const parts = [];
  parts.push(`<text x="${x0 + w / 2}" y="${y0 - 14}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (const v of xt) {
    parts.push(`<line x1="${X(v)}" y1="${y0}" x2="${X(v)}" y2="${y0 + h}" stroke="#eee"/>`);
    parts.push(`<text x="${X(v)}" y="${y0 + h + 16}" text-anchor="middle">${v}</text>`);
  }
  for (const v of yt) {
    parts.push(`<line x1="${x0}" y1="${Y(v)}" x2="${x0 + w}" y2="${Y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 - 6}" y="${Y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  parts.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${x0 + w / 2}" y="${y0 + h + 36}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(${x0 - 44},${y0 + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  let legendY = y0 + h + 58;
  for (const s of series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (s.line) {
      const [[ax, ay], [bx, by]] = s.line;
      parts.push(`<line x1="${X(ax)}" y1="${Y(ay)}" x2="${X(bx)}" y2="${Y(by)}" stroke="${s.color}"${dash}/>`);
    }
    for (const p of s.points ?? []) {
      parts.push(`<circle cx="${X(p.x)}" cy="${Y(p.y)}" r="3.5" fill="${s.color}"><title>${esc(`${p.name}: ${p.x.toFixed(1)}M params, ${p.y.toFixed(2)}`)}</title></circle>`);
      if (p.label) parts.push(`<text x="${X(p.x) + 5}" y="${Y(p.y) - 5}" font-size="9" fill="#555">${esc(p.label)}</text>`);
    }
    if (s.fit && (s.points?.length ?? 0) >= 2) {
      const f = linearFit(s.points.map((p) => [p.x, p.y]));
      if (f) parts.push(`<line x1="${X(0)}" y1="${Y(f.intercept)}" x2="${X(xHi)}" y2="${Y(f.intercept + f.slope * xHi)}" stroke="${s.color}" stroke-width="1" opacity="0.6"/>`);
    }
    parts.push(`<rect x="${x0 + 10}" y="${legendY - 8}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${x0 + 26}" y="${legendY + 1}">${esc(s.label)}</text>`);
    legendY += 15;
  }
  return parts.join('\n');
}

/**
 * rows: [{ model, paramsM, timeS, inProcessS?, rssMB }]. Returns the SVG text.
 */
export function scalingSvg(rows, subtitle) {
  const labelled = new Set(['resnet50', 'resnet152', 'wide_resnet50_2', 'wide_resnet101_2', 'resnext101_32x8d', 'cifar_resnet110']);
  const pt = (r, y) => ({ x: r.paramsM, y, name: r.model, label: labelled.has(r.model) ? r.model : undefined });
  const maxP = Math.max(...rows.map((r) => r.paramsM));
  const time = [
    { label: 'netforge compile (whole process), median', color: '#1f77b4', fit: true, points: rows.filter((r) => Number.isFinite(r.timeS)).map((r) => pt(r, r.timeS)) },
    { label: 'compile() + writeOnnx in process, median', color: '#ff7f0e', fit: true, points: rows.filter((r) => Number.isFinite(r.inProcessS)).map((r) => ({ ...pt(r, r.inProcessS), label: undefined })) },
  ].filter((s) => s.points.length);
  const mem = [
    { label: 'netforge compile peak RSS', color: '#2ca02c', fit: true, points: rows.filter((r) => Number.isFinite(r.rssMB)).map((r) => pt(r, r.rssMB)) },
    { label: 'float32 weights (4 B/param)', color: '#999', dashed: true, line: [[0, 0], [maxP, maxP * 4]] },
    { label: 'target: 2 x weights + 200 MB', color: '#d62728', dashed: true, line: [[0, 200], [maxP, maxP * 8 + 200]] },
  ];
  const W = 1000;
  const H = 560;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">netforge compile: time and peak memory against parameter count</text>`,
    `<text x="${W / 2}" y="38" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`,
    panel({ x0: 70, y0: 80, w: 380, h: 320, title: 'compile time (s)', xLabel: 'parameters (millions)', yLabel: 'seconds', series: time }),
    panel({ x0: 580, y0: 80, w: 380, h: 320, title: 'peak RSS (MB)', xLabel: 'parameters (millions)', yLabel: 'MB (10^6 bytes)', series: mem }),
    '</svg>',
    '',
  ].join('\n');
}
