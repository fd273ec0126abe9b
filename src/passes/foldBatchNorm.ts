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
 *
 * Structure: matchFold decides (a match, or the reason a BN is kept), applyFold rewrites the
 * working state, finishFold scales the weights and applies the renames (ir/rename.ts).
 */
import type { FoldRecord, Graph, Node, NodeOf, Param } from '../ir/types.js';
import { applyRenames, resolveRename } from '../ir/rename.js';
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

/** The pass's working state: the graph as already folded (rule 6). */
interface FoldState {
  /** Nodes in graph order; a folded BN becomes null. */
  readonly nodes: (Node | null)[];
  readonly producer: Map<string, number>;
  readonly uses: Map<string, number>;
  readonly paramUses: Map<string, number>;
  readonly outputs: ReadonlySet<string>;
  /** Value renames, applied to the graph at the end (ir/rename.ts). */
  readonly rename: Map<string, string>;
  readonly params: Map<string, Param>;
  readonly records: FoldRecord[];
  /** New bias param name, by the conv weight it follows. */
  readonly newBias: Map<string, string>;
  readonly pending: Map<string, PendingWeight>;
}

function foldState(g: Graph): FoldState {
  const st: FoldState = {
    nodes: [...g.nodes],
    producer: new Map(),
    uses: new Map(),
    paramUses: new Map(),
    outputs: new Set(g.outputs),
    rename: new Map(),
    params: new Map(g.params),
    records: [],
    newBias: new Map(),
    pending: new Map(),
  };
  st.nodes.forEach((n, k) => {
    for (const o of n!.outputs) st.producer.set(o, k);
    for (const i of n!.inputs) st.uses.set(i, (st.uses.get(i) ?? 0) + 1);
    for (const p of n!.params) st.paramUses.set(p, (st.paramUses.get(p) ?? 0) + 1);
  });
  return st;
}

/** A BN that folds into the conv before it, with the arrays the fold reads. */
interface FoldMatch {
  readonly kind: 'fold';
  readonly bn: NodeOf<'BatchNormalization'>;
  readonly bnIndex: number;
  readonly conv: Node;
  readonly convIndex: number;
  /** The conv's output (after earlier renames). */
  readonly x: string;
  readonly weight: string;
  readonly bias: string | undefined;
  /** The conv's bias name after the fold (`<conv module>.bias` when it had none). */
  readonly biasName: string;
  readonly w: Float32Array;
  readonly b: Float32Array | undefined;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

/** Why a BN stays (rule 5), as the note says it. */
interface Kept {
  readonly kind: 'keep';
  readonly reason: string;
}

/** Rules 1 and 5: does `bn` fold, and if not, why not. */
function matchFold(st: FoldState, bn: NodeOf<'BatchNormalization'>, bnIndex: number): FoldMatch | Kept {
  const keep = (reason: string): Kept => ({ kind: 'keep', reason: `kept ${bn.module}: ${reason}` });
  const x = resolveRename(st.rename, bn.inputs[0]!);
  const convIndex = st.producer.get(x);
  const conv = convIndex === undefined ? undefined : st.nodes[convIndex]!;
  if (conv === undefined || conv.op !== 'Conv') return keep(`its input comes from ${conv ? `${conv.op} ${conv.module}` : `graph input ${x}`}, not a Conv`);
  if ((st.uses.get(x) ?? 0) !== 1 || st.outputs.has(x)) return keep(`the output of ${conv.module} is also used elsewhere${st.outputs.has(x) ? ' (it is a graph output)' : ''}`);
  const [weight, bias] = conv.params as readonly [string, string | undefined];
  if ((st.paramUses.get(weight) ?? 0) !== 1 || (bias !== undefined && (st.paramUses.get(bias) ?? 0) !== 1)) return keep(`${conv.module} shares its weights with another layer`);
  const biasName = bias ?? `${conv.module}.bias`;
  if (bias === undefined && st.params.has(biasName)) return keep(`${conv.module} has no bias but a param named ${biasName} already exists`);
  if (bn.params.length !== 4) return keep(`expected 4 params (weight, bias, running_mean, running_var), found ${bn.params.length}`);
  const names = [weight, ...(bias !== undefined ? [bias] : []), ...bn.params];
  const arrays = names.map((p) => float32Data(st.params.get(p)!, bn));
  if (arrays.some((a) => a === undefined)) return keep(`its params or ${conv.module}'s are not float32 (fold before converting to float16)`);
  const [w, ...rest] = arrays as Float32Array[];
  const b = bias !== undefined ? rest.shift() : undefined;
  const [gamma, beta, mean, variance] = rest as [Float32Array, Float32Array, Float32Array, Float32Array];
  return { kind: 'fold', bn, bnIndex, conv, convIndex: convIndex!, x, weight, bias, biasName, w: w!, b, gamma, beta, mean, variance };
}

/** Rules 2-4 and 6 for one match: the bias now, the weight's scale queued (rule 7), the BN gone. */
function applyFold(st: FoldState, m: FoldMatch): void {
  const { bn, conv, weight, biasName } = m;
  const scale = batchNormScale(bn, bn.attrs.eps, m.gamma, m.variance);
  const bias = foldedBias(bn, scale, m.b, m.beta, m.mean);
  const pend = st.pending.get(weight);
  if (pend === undefined) st.pending.set(weight, { name: weight, src: m.w, scale, bns: [bn] });
  else {
    for (let c = 0; c < scale.length; c++) pend.scale[c] = pend.scale[c]! * scale[c]!;
    pend.bns.push(bn);
  }
  const oldBias = m.bias !== undefined ? st.params.get(m.bias)! : undefined;
  st.params.set(
    biasName,
    oldBias
      ? { ...oldBias, data: bias }
      : {
          name: biasName,
          dtype: 'float32',
          shape: [m.gamma.length],
          role: 'bias',
          isParameter: true,
          trainable: st.params.get(weight)!.trainable,
          init: { kind: 'const', value: 0 },
          data: bias,
        },
  );
  if (m.bias === undefined) {
    st.newBias.set(weight, biasName);
    st.paramUses.set(biasName, 1);
  }
  for (const p of bn.params) {
    const left = (st.paramUses.get(p) ?? 0) - 1;
    st.paramUses.set(p, left);
    if (left === 0) st.params.delete(p);
  }
  const y = bn.outputs[0]!;
  if (st.outputs.has(y)) {
    // Keep the graph output's name: the conv now produces y.
    st.rename.set(m.x, y);
    st.producer.set(y, m.convIndex);
  } else {
    st.rename.set(y, m.x);
    st.uses.set(m.x, st.uses.get(y) ?? 0);
  }
  st.nodes[m.convIndex] = { ...conv, params: [weight, biasName] };
  st.nodes[m.bnIndex] = null;
  st.records.push({ bn: bn.module, conv: conv.module });
}

/** Rule 7 and the new graph: weights scaled once, params in definition order, renames applied. */
function finishFold(g: Graph, st: FoldState, opts: FoldOptions): Graph {
  for (const j of st.pending.values()) {
    // In place is safe: scaleRows reads each element before it writes it.
    const out = opts.reusable?.(j.src) ? j.src : new Float32Array(j.src.length);
    const bad = scaleRows(j.src, j.scale, out);
    if (bad >= 0) {
      const bn = j.bns[j.bns.length - 1]!;
      throw invalid(bn, `folding ${j.bns.map((n) => n.module).join(' then ')} gives a non-finite weight (${out[bad]}) at output channel ${Math.floor(bad / (out.length / j.scale.length))}`);
    }
    st.params.set(j.name, { ...st.params.get(j.name)!, data: out });
  }
  // Params in definition order, each new bias right after its conv's weight.
  const ordered = new Map<string, Param>();
  for (const name of g.params.keys()) {
    const now = st.params.get(name);
    if (now === undefined) continue;
    ordered.set(name, now);
    const nb = st.newBias.get(name);
    if (nb !== undefined) ordered.set(nb, st.params.get(nb)!);
  }
  const meta = new Map(g.meta);
  const earlier = g.meta.get(FOLDED_BATCHNORM_META);
  meta.set(FOLDED_BATCHNORM_META, JSON.stringify([...(earlier ? (JSON.parse(earlier) as FoldRecord[]) : []), ...st.records]));
  const nodes = st.nodes.filter((n): n is Node => n !== null);
  return applyRenames({ ...g, nodes, params: ordered, meta }, st.rename);
}

export function foldBatchNorm(g: Graph, ctx?: PassContext, opts: FoldOptions = {}): Graph {
  const st = foldState(g);
  for (let k = 0; k < st.nodes.length; k++) {
    const bn = st.nodes[k]!;
    if (bn.op !== 'BatchNormalization') continue;
    const m = matchFold(st, bn, k);
    if (m.kind === 'keep') {
      ctx?.note(m.reason);
      continue;
    }
    applyFold(st, m);
    ctx?.note(`folded ${bn.module} into ${m.conv.module}`);
  }
  return st.records.length === 0 ? g : finishFold(g, st, opts);
}

export const foldBatchNormPass: Pass = { name: 'fold-batchnorm', run: (g, ctx) => foldBatchNorm(g, ctx) };

/** fold-batchnorm that scales `reusable` arrays in place (see FoldOptions). */
export function foldBatchNormPassWith(opts: FoldOptions): Pass {
  return { name: 'fold-batchnorm', run: (g, ctx) => foldBatchNorm(g, ctx, opts) };
}
