/** A deterministic text form of the IR, for --print-ir and golden files. */
import type { Graph, Node, Shape, DType, Quantization } from './types.js';

const DT: Record<DType, string> = { float32: 'f32', float16: 'f16', int8: 'i8', uint8: 'u8', int32: 'i32' };

export function typeStr(dtype: DType, shape: Shape | readonly number[]): string {
  return `${DT[dtype]}[${shape.join(',')}]`;
}

const num = (x: number): string => String(Number(x.toPrecision(6)));

/** ` q(scale=0.0235, zp=0)`, or per axis ` q(axis=0, scale=[0.00123..0.0456] x64, zp=0)`; '' for an unquantized tensor. */
export function quantStr(q: Quantization | undefined): string {
  if (q === undefined) return '';
  const zps = [...new Set(q.zeroPoint)];
  const zp = zps.length === 1 ? String(zps[0]) : `[${q.zeroPoint.join(',')}]`;
  if (q.axis === undefined) return ` q(scale=${num(q.scale[0]!)}, zp=${zp})`;
  const lo = Math.min(...q.scale);
  const hi = Math.max(...q.scale);
  return ` q(axis=${q.axis}, scale=[${num(lo)}..${num(hi)}] x${q.scale.length}, zp=${zp})`;
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
  const ty = out ? ` : ${typeStr(out.dtype, out.shape)}${quantStr(out.quant)}` : '';
  return `  ${outs} = ${n.op}(${args})${attrs ? ` {${attrs}}` : ''}${ty}`;
}

/** The IR as text, one node a line (what --print-ir shows). */
export function printGraph(g: Graph): string {
  const lines: string[] = [];
  const ins = g.inputs.map((i) => {
    const v = g.values.get(i);
    return `%${i}: ${v ? typeStr(v.dtype, v.shape) + quantStr(v.quant) : '?'}`;
  });
  lines.push(`graph ${g.name}(${ins.join(', ')}) -> (${g.outputs.map((o) => `%${o}`).join(', ')}) {`);
  for (const p of g.params.values()) {
    const flags = [p.role, p.isParameter ? (p.trainable ? 'trainable' : 'frozen') : 'buffer'].join(' ');
    lines.push(`  @${p.name}: ${typeStr(p.dtype, p.shape)} ${flags}${quantStr(p.quant)}`);
  }
  for (const n of g.nodes) lines.push(printNode(g, n));
  lines.push('}');
  for (const [k, v] of [...g.meta.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (k === 'netforge.version') continue;
    lines.push(`# ${k} = ${v}`);
  }
  return lines.join('\n') + '\n';
}
