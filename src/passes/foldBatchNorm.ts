/**
 * fold-batchnorm: merge an inference-mode BatchNormalization into the Conv before it.
 *
 * BN(conv(x)) = gamma * (W*x + b - mean) / sqrt(var + eps) + beta, so with
 * s = gamma / sqrt(var + eps) per output channel:
 *   W' = W * s   (each output channel's filter scaled)
 *   b' = (b - mean) * s + beta   (b = 0 when the conv had no bias)
 * computed in float64 from the float32 params, each result rounded once to float32.
 *
 * Rules:
 * 1. y = BN(c) is folded when c is produced by a Conv, c has no other consumer and is not
 *    a graph output, and the conv's weight (and bias, if any) is used by no other node.
 * 2. The Conv keeps its name and weight name; it gains the param `<conv module>.bias`
 *    (a parameter, role bias) when it had none. Changed params get new arrays: the input
 *    graph is never mutated.
 * 3. The BN node and its params go; readers of y read c instead. When y is a graph
 *    output the conv's output takes the name y, so output names never change.
 * 4. Each BN uses its own eps, rounded to float32 as ONNX stores it (and PyTorch adds it
 *    to a float32 var). var + eps <= 0 or a non-finite result is refused with
 *    E_FOLD_INVALID naming the BN module. Float16 params are left alone (fold first).
 * 5. What cannot be folded (BN after ReLU, conv output used twice, shared weights) stays,
 *    with a note saying why. graph.meta `netforge.folded_batchnorm` lists {bn, conv}.
 * 6. BNs are visited in graph order against the graph as already folded, so one run
 *    folds everything foldable (BN after BN included: the scales multiply) and a second
 *    run changes nothing.
 * 7. Biases are folded as BNs are visited; the weights, the bulk of the work (58M floats
 *    in ResNet-152), are scaled once at the end, by one tight loop (scaleRows).
 * Params must hold data: run after init-params or weight loading.
 */
import type { FoldRecord, Graph, Node, Param, Value } from '../ir/types.js';
import { NetforgeError } from '../errors.js';
import type { Pass, PassContext } from './pass.js';

export const FOLDED_BATCHNORM_META = 'netforge.folded_batchnorm';

function float32Data(p: Param, bn: Node): Float32Array | undefined {
  if (p.data === undefined) {
    throw new NetforgeError({
      code: 'E_FOLD_NO_DATA',
      message: `cannot fold ${bn.module}: param ${p.name} has no values yet`,
      modulePath: bn.module,
      hint: 'run fold-batchnorm after init-params or after loading weights',
    });
  }
  return p.dtype === 'float32' && p.data instanceof Float32Array ? p.data : undefined;
}

function invalid(bn: Node, message: string): NetforgeError {
  return new NetforgeError({
    code: 'E_FOLD_INVALID',
    message,
    modulePath: bn.module,
    loc: bn.loc,
    hint: 'the BatchNorm statistics are corrupt (check the weights file), or compile with --no-fold-bn to keep BatchNormalization',
  });
}

/** s = gamma / sqrt(var + eps) per channel, in float64. Refuses var + eps <= 0 (or NaN). */
export function batchNormScale(bn: Node, eps: number, gamma: Float32Array, variance: Float32Array): Float64Array {
  const scale = new Float64Array(gamma.length);
  // eps as float32: what ONNX stores in the BN node and what PyTorch adds to a float32 var.
  const eps32 = Math.fround(eps);
  for (let c = 0; c < gamma.length; c++) {
    const d = variance[c]! + eps32;
    if (!(d > 0)) throw invalid(bn, `cannot fold ${bn.module}: running_var + eps is ${d} at channel ${c} (running_var ${variance[c]}, eps ${eps}); it must be > 0`);
    scale[c] = gamma[c]! / Math.sqrt(d);
  }
  return scale;
}

/** b' = (b - mean) * s + beta, rounded to float32. Refuses a non-finite result. */
export function foldedBias(bn: Node, scale: Float64Array, b: Float32Array | undefined, beta: Float32Array, mean: Float32Array): Float32Array {
  const bias = new Float32Array(scale.length);
  for (let c = 0; c < scale.length; c++) {
    const v = Math.fround(((b ? b[c]! : 0) - mean[c]!) * scale[c]! + beta[c]!);
    bias[c] = v;
    if (v - v !== 0) throw invalid(bn, `folding ${bn.module} gives a non-finite bias (${v}) at channel ${c}`);
  }
  return bias;
}

/**
 * The inner loop: out[i] = fround(src[i] * scale[row]), one float64 factor per row (a conv
 * weight's output channel). Returns the index of a non-finite result (NaN, +-Infinity,
 * float32 overflow included) or -1.
 */
export function scaleRows(src: Float32Array, scale: Float64Array, out: Float32Array): number {
  const rows = scale.length;
  const per = src.length / rows;
  // x - x is 0 for a finite x and NaN otherwise, and NaN sticks: one running sum checks
  // every result without a branch. Unrolled by 4 (V8 does not unroll): about 2x faster.
  let acc = 0;
  for (let r = 0, i = 0; r < rows; r++) {
    const s = scale[r]!;
    const end = i + per;
    for (const end4 = end - 3; i < end4; i += 4) {
      const a = Math.fround(src[i]! * s);
      const b = Math.fround(src[i + 1]! * s);
      const c = Math.fround(src[i + 2]! * s);
      const d = Math.fround(src[i + 3]! * s);
      out[i] = a;
      out[i + 1] = b;
      out[i + 2] = c;
      out[i + 3] = d;
      acc += a - a + (b - b) + (c - c) + (d - d);
    }
    for (; i < end; i++) {
      const v = Math.fround(src[i]! * s);
      out[i] = v;
      acc += v - v;
    }
  }
  if (acc === 0) return -1;
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) return i;
  return -1;
}

/** A conv weight to scale once every BN of this run is planned (a BN after BN multiplies in). */
interface PendingWeight {
  readonly name: string;
  readonly src: Float32Array;
  readonly scale: Float64Array;
  readonly bns: Node[];
}

export interface FoldOptions {
  /**
   * Conv weight arrays the caller owns and will not read again (e.g. the pipeline's own
   * freshly initialized params): those are scaled in place instead of copied. The pass stays
   * pure for every other caller. Default: none.
   */
  readonly reusable?: (data: Float32Array) => boolean;
}

export function foldBatchNorm(g: Graph, ctx?: PassContext, opts: FoldOptions = {}): Graph {
  const note = (l: string): void => ctx?.note(l);
  // Working state, updated as BNs fold (see rule 6).
  const nodes: (Node | null)[] = [...g.nodes];
  const producer = new Map<string, number>();
  const uses = new Map<string, number>();
  const paramUses = new Map<string, number>();
  nodes.forEach((n, k) => {
    for (const o of n!.outputs) producer.set(o, k);
    for (const i of n!.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
    for (const p of n!.params) paramUses.set(p, (paramUses.get(p) ?? 0) + 1);
  });
  const outputs = new Set(g.outputs);
  const rename = new Map<string, string>();
  const resolve = (id: string): string => {
    for (let r = rename.get(id); r !== undefined; r = rename.get(id)) id = r;
    return id;
  };
  const params = new Map<string, Param>(g.params);
  const values = new Map<string, Value>(g.values);
  const records: FoldRecord[] = [];
  /** New bias param name -> conv weight name, to place it after the weight. */
  const newBias = new Map<string, string>();
  const pending = new Map<string, PendingWeight>();

  for (let k = 0; k < nodes.length; k++) {
    const bn = nodes[k]!;
    if (bn.op !== 'BatchNormalization') continue;
    const x = resolve(bn.inputs[0]!);
    const pk = producer.get(x);
    const conv = pk === undefined ? undefined : nodes[pk]!;
    if (conv === undefined || conv.op !== 'Conv') {
      note(`kept ${bn.module}: its input comes from ${conv ? `${conv.op} ${conv.module}` : `graph input ${x}`}, not a Conv`);
      continue;
    }
    if ((uses.get(x) ?? 0) !== 1 || outputs.has(x)) {
      note(`kept ${bn.module}: the output of ${conv.module} is also used elsewhere${outputs.has(x) ? ' (it is a graph output)' : ''}`);
      continue;
    }
    const [wName, bName] = conv.params as readonly [string, string | undefined];
    if ((paramUses.get(wName) ?? 0) !== 1 || (bName !== undefined && (paramUses.get(bName) ?? 0) !== 1)) {
      note(`kept ${bn.module}: ${conv.module} shares its weights with another layer`);
      continue;
    }
    const biasName = bName ?? `${conv.module}.bias`;
    if (bName === undefined && params.has(biasName)) {
      note(`kept ${bn.module}: ${conv.module} has no bias but a param named ${biasName} already exists`);
      continue;
    }
    if (bn.params.length !== 4) {
      note(`kept ${bn.module}: expected 4 params (weight, bias, running_mean, running_var), found ${bn.params.length}`);
      continue;
    }
    const wParam = params.get(wName)!;
    const bnParams = bn.params.map((p) => params.get(p)!);
    const arrays = [wParam, ...(bName !== undefined ? [params.get(bName)!] : []), ...bnParams].map((p) => float32Data(p, bn));
    if (arrays.some((a) => a === undefined)) {
      note(`kept ${bn.module}: its params or ${conv.module}'s are not float32 (fold before converting to float16)`);
      continue;
    }
    const [w, ...rest] = arrays as Float32Array[];
    const b = bName !== undefined ? rest.shift() : undefined;
    const [gamma, beta, mean, variance] = rest as [Float32Array, Float32Array, Float32Array, Float32Array];
    const scale = batchNormScale(bn, bn.attrs.eps, gamma, variance);
    const bias = foldedBias(bn, scale, b, beta, mean);
    // The weight, the big part, is scaled once at the end (rule 7).
    const pend = pending.get(wName);
    if (pend === undefined) pending.set(wName, { name: wName, src: w!, scale, bns: [bn] });
    else {
      for (let c = 0; c < scale.length; c++) pend.scale[c] = pend.scale[c]! * scale[c]!;
      pend.bns.push(bn);
    }
    const oldBias = bName !== undefined ? params.get(bName)! : undefined;
    params.set(
      biasName,
      oldBias
        ? { ...oldBias, data: bias }
        : {
            name: biasName,
            dtype: 'float32',
            shape: [gamma.length],
            role: 'bias',
            isParameter: true,
            trainable: wParam.trainable,
            init: { kind: 'const', value: 0 },
            data: bias,
          },
    );
    if (bName === undefined) {
      newBias.set(wName, biasName);
      paramUses.set(biasName, 1);
    }
    for (const p of bn.params) {
      const left = (paramUses.get(p) ?? 0) - 1;
      paramUses.set(p, left);
      if (left === 0) params.delete(p);
    }

    const y = bn.outputs[0]!;
    let convOut = x;
    if (outputs.has(y)) {
      // Keep the graph output's name: the conv now produces y.
      convOut = y;
      rename.set(x, y);
      values.delete(x);
      producer.set(y, pk!);
    } else {
      rename.set(y, x);
      values.delete(y);
      uses.set(x, uses.get(y) ?? 0);
    }
    nodes[pk!] = { ...conv, params: [wName, biasName], outputs: [convOut] };
    nodes[k] = null;
    records.push({ bn: bn.module, conv: conv.module });
    note(`folded ${bn.module} into ${conv.module}`);
  }
  if (records.length === 0) return g;

  for (const j of pending.values()) {
    // In place is safe: scaleRows reads each element before it writes it.
    const out = opts.reusable?.(j.src) ? j.src : new Float32Array(j.src.length);
    const bad = scaleRows(j.src, j.scale, out);
    if (bad >= 0) {
      const bn = j.bns[j.bns.length - 1]!;
      throw invalid(bn, `folding ${j.bns.map((n) => n.module).join(' then ')} gives a non-finite weight (${out[bad]}) at output channel ${Math.floor(bad / (out.length / j.scale.length))}`);
    }
    params.set(j.name, { ...params.get(j.name)!, data: out });
  }

  // Params in definition order, each new bias right after its conv's weight.
  const ordered = new Map<string, Param>();
  for (const name of g.params.keys()) {
    const now = params.get(name);
    if (now === undefined) continue;
    ordered.set(name, now);
    const nb = newBias.get(name);
    if (nb !== undefined) ordered.set(nb, params.get(nb)!);
  }
  const renameAll = (ids: readonly string[]): readonly string[] => (ids.some((i) => rename.has(i)) ? ids.map(resolve) : ids);
  const out: Node[] = [];
  for (const n of nodes) {
    if (n === null) continue;
    const inputs = renameAll(n.inputs);
    out.push(inputs === n.inputs ? n : ({ ...n, inputs } as Node));
  }
  const meta = new Map(g.meta);
  const earlier = g.meta.get(FOLDED_BATCHNORM_META);
  meta.set(FOLDED_BATCHNORM_META, JSON.stringify([...(earlier ? (JSON.parse(earlier) as FoldRecord[]) : []), ...records]));
  return { ...g, nodes: out, params: ordered, values, meta };
}

export const foldBatchNormPass: Pass = { name: 'fold-batchnorm', run: (g, ctx) => foldBatchNorm(g, ctx) };

/** fold-batchnorm that scales `reusable` arrays in place (see FoldOptions). */
export function foldBatchNormPassWith(opts: FoldOptions): Pass {
  return { name: 'fold-batchnorm', run: (g, ctx) => foldBatchNorm(g, ctx, opts) };
}
