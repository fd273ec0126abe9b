/**
 * to-float16: store and compute the network in IEEE half precision, keeping a float32
 * interface by default. Run it last, after fold-batchnorm (folding in float32 first avoids
 * rounding gamma/sqrt(var) and the conv weights separately) and after init-params or a
 * weights load (every param needs its data).
 *
 * Rules:
 * 1. Every float32 param becomes float16: dtype 'float16', data the IEEE half bit patterns
 *    (Uint16Array), rounded to nearest even (src/ir/float16.ts). A finite value beyond the
 *    half range (|x| >= 65520) is an error naming the param, never a silent inf.
 * 2. Every value inside the graph becomes float16.
 * 3. With `io: 'float32'` (the default) graph inputs and outputs keep dtype float32:
 *    x -> Cast(to float16) feeds what x fed; the node that produced output y now produces
 *    `y_float16`, and y = Cast(to float32). Callers feed and read float32 as before.
 *    With `io: 'float16'` the inputs and outputs are float16 too (feed Uint16Array bits).
 * 4. A Cast already inside the graph is retargeted to float16 (rule 2 leaves nothing else).
 * 5. A graph that holds no float32 value or param (other than a float32 interface) is
 *    returned unchanged.
 * Records meta `netforge.dtype` = float16 and `netforge.io_dtype`.
 */
import type { Graph, Node, NodeOf, Param, Value } from '../ir/types.js';
import { toFloat16Bits } from '../ir/float16.js';
import { NetforgeError } from '../errors.js';
import type { Pass, PassContext } from './pass.js';

export interface ToFloat16Options {
  /** Dtype of the graph inputs and outputs. Default 'float32' (Cast nodes at the boundary). */
  readonly io?: 'float32' | 'float16';
}

function convertParam(p: Param): Param {
  if (p.dtype === 'float16') return p;
  if (p.data === undefined) throw new Error(`internal: to-float16 needs param data; ${p.name} has none (run it after init-params or a weights load)`);
  const src = p.data as Float32Array;
  const data = toFloat16Bits(src);
  for (let i = 0; i < data.length; i++) {
    if ((data[i]! & 0x7fff) === 0x7c00 && Number.isFinite(src[i]!)) {
      throw new NetforgeError({
        code: 'E_FP16_OVERFLOW',
        message: `param ${p.name} holds ${src[i]} at index ${i}, beyond float16's range (largest finite 65504)`,
        modulePath: p.name.slice(0, p.name.lastIndexOf('.')) || p.name,
        hint: 'keep this model in float32 (--dtype float32), or rescale the weights',
      });
    }
  }
  return { ...p, dtype: 'float16', data };
}

function uniqueName(taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function cast(name: string, input: string, output: string, to: 'float16' | 'float32'): NodeOf<'Cast'> {
  return { name, op: 'Cast', attrs: { to }, inputs: [input], params: [], outputs: [output], module: '' };
}

export function toFloat16(g: Graph, opts: ToFloat16Options = {}, ctx?: PassContext): Graph {
  const io = opts.io ?? 'float32';
  const boundary = new Set(io === 'float32' ? [...g.inputs, ...g.outputs] : []);
  const hasFloat32Param = [...g.params.values()].some((p) => p.dtype === 'float32');
  const hasFloat32Inner = [...g.values.values()].some((v) => v.dtype === 'float32' && !boundary.has(v.id));
  if (!hasFloat32Param && !hasFloat32Inner) return g;

  const params = new Map<string, Param>();
  let converted = 0;
  let elements = 0;
  let flushed = 0;
  for (const [k, p] of g.params) {
    const q = convertParam(p);
    if (q !== p) {
      converted++;
      elements += q.data!.length;
      const src = p.data as Float32Array;
      for (let i = 0; i < src.length; i++) if (src[i] !== 0 && (q.data![i]! & 0x7fff) === 0) flushed++;
    }
    params.set(k, q);
  }

  const values = new Map<string, Value>();
  for (const [id, v] of g.values) values.set(id, boundary.has(id) ? v : { ...v, dtype: 'float16' });

  const taken = new Set<string>([...g.nodes.map((n) => n.name), ...g.values.keys()]);
  const rename = new Map<string, string>();
  const head: Node[] = [];
  const tail: Node[] = [];
  if (io === 'float32') {
    for (const x of g.inputs) {
      const v = g.values.get(x)!;
      if (v.dtype !== 'float32') continue;
      const half = uniqueName(taken, `${x}_float16`);
      values.set(half, { id: half, dtype: 'float16', shape: v.shape });
      head.push(cast(uniqueName(taken, `${x}.to_float16`), x, half, 'float16'));
      rename.set(x, half);
    }
    for (const y of g.outputs) {
      const v = g.values.get(y)!;
      if (v.dtype !== 'float32' || g.inputs.includes(y)) continue;
      const half = uniqueName(taken, `${y}_float16`);
      values.set(half, { id: half, dtype: 'float16', shape: v.shape });
      tail.push(cast(uniqueName(taken, `${y}.to_float32`), half, y, 'float32'));
      rename.set(y, half);
    }
  }
  const r = (id: string): string => rename.get(id) ?? id;
  const nodes: Node[] = g.nodes.map((n) => {
    const inputs = n.inputs.map(r);
    const outputs = n.outputs.map(r);
    const changedIO = inputs.some((v, i) => v !== n.inputs[i]) || outputs.some((v, i) => v !== n.outputs[i]);
    if (n.op === 'Cast' && n.attrs.to !== 'float16') return { ...n, attrs: { to: 'float16' }, inputs, outputs };
    return changedIO ? ({ ...n, inputs, outputs } as Node) : n;
  });

  const meta = new Map(g.meta);
  meta.set('netforge.dtype', 'float16');
  meta.set('netforge.io_dtype', io);
  ctx?.note(`${converted} params (${elements} values) float32 -> float16${flushed ? `; ${flushed} nonzero values below 2^-25 became 0` : ''}`);
  ctx?.note(io === 'float32' ? `float32 interface kept: ${head.length} input cast(s), ${tail.length} output cast(s)` : 'inputs and outputs are float16');
  return { ...g, params, values, nodes: [...head, ...nodes, ...tail], meta };
}

export function toFloat16Pass(opts: ToFloat16Options = {}): Pass {
  return { name: 'to-float16', run: (g, ctx) => toFloat16(g, opts, ctx) };
}
