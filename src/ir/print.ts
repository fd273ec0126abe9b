/** A deterministic text form of the IR, for --print-ir and golden files. */
import type { Graph, Node, Shape, DType } from './types.js';

const DT: Record<DType, string> = { float32: 'f32', float16: 'f16' };

export function typeStr(dtype: DType, shape: Shape | readonly number[]): string {
  return `${DT[dtype]}[${shape.join(',')}]`;
}

function attrStr(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

export function printNode(g: Graph, n: Node): string {
  const outs = n.outputs.map((o) => `%${o}`).join(', ');
  const args = [...n.inputs.map((i) => `%${i}`), ...n.params.map((p) => `@${p}`)].join(', ');
  const attrs = Object.entries(n.attrs)
    .map(([k, v]) => `${k}=${attrStr(v)}`)
    .join(' ');
  const out = g.values.get(n.outputs[0]!);
  const ty = out ? ` : ${typeStr(out.dtype, out.shape)}` : '';
  return `  ${outs} = ${n.op}(${args})${attrs ? ` {${attrs}}` : ''}${ty}`;
}

/** The IR as text, one node a line (what --print-ir shows). */
export function printGraph(g: Graph): string {
  const lines: string[] = [];
  const ins = g.inputs.map((i) => {
    const v = g.values.get(i);
    return `%${i}: ${v ? typeStr(v.dtype, v.shape) : '?'}`;
  });
  lines.push(`graph ${g.name}(${ins.join(', ')}) -> (${g.outputs.map((o) => `%${o}`).join(', ')}) {`);
  for (const p of g.params.values()) {
    const flags = [p.role, p.isParameter ? (p.trainable ? 'trainable' : 'frozen') : 'buffer'].join(' ');
    lines.push(`  @${p.name}: ${typeStr(p.dtype, p.shape)} ${flags}`);
  }
  for (const n of g.nodes) lines.push(printNode(g, n));
  lines.push('}');
  for (const [k, v] of [...g.meta.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (k === 'netforge.version') continue;
    lines.push(`# ${k} = ${v}`);
  }
  return lines.join('\n') + '\n';
}
