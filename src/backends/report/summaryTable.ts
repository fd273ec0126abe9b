/** The per-layer summary table and totals (torchinfo-style), plain text. */
import type { GraphStats } from '../../passes/analyze.js';
import { int, shapeStr, si } from './format.js';

export function summaryTable(name: string, s: GraphStats, opts: { readonly width?: number } = {}): string {
  const width = opts.width ?? 100;
  const rows = s.layers.map((l) => [l.name, l.op, shapeStr(l.outputShape), l.params ? int(l.params) : '-', l.macs ? int(l.macs) : '-'] as const);
  const head = ['Layer (module path)', 'Op', 'Output shape', 'Params', 'MACs'] as const;
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fixed = w.slice(1).reduce((a, b) => a + b + 2, 0);
  w[0] = Math.min(w[0]!, Math.max(20, width - fixed));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => {
        const cell = i === 0 && c.length > w[0]! ? `…${c.slice(c.length - w[0]! + 1)}` : c;
        return i >= 3 ? cell.padStart(w[i]!) : cell.padEnd(w[i]!);
      })
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(Math.min(width, w.reduce((a, b) => a + b + 2, -2)));
  const out = [rule, line(head), rule, ...rows.map(line), rule];
  out.push(...totals(name, s));
  return out.join('\n') + '\n';
}

export function totals(name: string, s: GraphStats): string[] {
  const ops = Object.entries(s.ops)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `Model:                ${name}`,
    `Params:               ${int(s.params)} (trainable ${int(s.trainableParams)}, frozen ${int(s.frozenParams)})`,
    `Model size:           ${(s.params * 4 / 1e6).toFixed(1)} MB float32, ${(s.params * 2 / 1e6).toFixed(1)} MB float16`,
    `MACs (batch 1):       ${int(s.macs)} (${si(s.macs)})`,
    `Main-path depth:      ${s.depth} = ${s.mainPath.conv} conv + ${s.mainPath.linear} linear; ${s.shortcutProjections} shortcut projections`,
    `Output:               ${shapeStr(s.output)}`,
    `Ops:                  ${ops}`,
  ];
}
