/**
 * Structural facts about a graph: parameter counts, MACs, op counts, and the main path.
 *
 * Main-path depth is the largest number of weighted layers (Conv, Gemm) on any path from
 * the input to the output: ResNet-50 -> 1 + 16*3 + 1 = 50. A weighted node is "on the
 * main path" when some longest path passes through it; weighted nodes off every longest
 * path whose output reaches an Add through BatchNorm/Identity only are shortcut projections.
 * With several outputs, the main path is the longest one to any of them.
 *
 * MACs are counted from the graph's shapes: a number when the input size is fixed, and an
 * expression of the input's symbols when it is not (`macsFormula`); `macs` is then its
 * value at the graph's reference size (224 x 224 for an ImageNet model).
 */
import type { Dim, Graph, Node, Shape } from '../ir/types.js';
import { dimSum, evalDim } from '../ir/dim.js';
import { isWeighted, nodeMacs } from '../ir/ops.js';
import { consumers, countParams } from '../ir/graph.js';
import { numel } from '../ir/shapeMath.js';
import { minimumInput } from './minimumInput.js';

export interface LayerStat {
  readonly name: string;
  readonly module: string;
  readonly op: string;
  readonly outputShape: Shape;
  readonly params: number;
  /** At the reference size. */
  readonly macs: number;
  readonly macsFormula: Dim;
  readonly onMainPath: boolean;
}

export interface SizeInfo {
  readonly reference: number;
  readonly multipleOf: number;
  /** The smallest allowed size for which every layer keeps an output (undefined: none up to the search limit). */
  readonly min: number | undefined;
}

export interface GraphStats {
  readonly params: number;
  readonly trainableParams: number;
  readonly frozenParams: number;
  /** running_mean / running_var elements (not parameters). */
  readonly buffers: number;
  /** Multiply-accumulates for one sample at the reference size. */
  readonly macs: number;
  /** MACs as a function of the input's symbols (a number for a fixed-size model). */
  readonly macsFormula: Dim;
  /** The symbols' values `macs` is evaluated at. */
  readonly reference: Readonly<Record<string, number>>;
  /** The input's symbolic sizes (the batch excepted): reference, allowed multiple, smallest that works. Empty for a fixed-size model. */
  readonly sizes: Readonly<Record<string, SizeInfo>>;
  readonly depth: number;
  readonly mainPath: { readonly conv: number; readonly linear: number };
  readonly shortcutProjections: number;
  readonly ops: Readonly<Record<string, number>>;
  /** The input's shape, batch first. */
  readonly inputShape: Shape;
  /** The input without its batch at the reference size: [3, 224, 224]. */
  readonly referenceInput: readonly number[];
  /** The first output's shape. */
  readonly output: Shape;
  /** Every output, in order. */
  readonly outputs: readonly { readonly name: string; readonly shape: Shape }[];
  readonly layers: readonly LayerStat[];
}

const weightKind = (n: Node): 'conv' | 'linear' | null => (n.op === 'Conv' ? 'conv' : n.op === 'Gemm' ? 'linear' : null);

/** A graph's statistics: params (trainable, frozen), MACs, main-path depth, ops, output shape, per-layer figures. */
export function analyze(g: Graph): GraphStats {
  // forward: best weighted count from the input to each value
  const fwd = new Map<string, number>();
  const fwdConv = new Map<string, number>();
  for (const i of g.inputs) {
    fwd.set(i, 0);
    fwdConv.set(i, 0);
  }
  for (const n of g.nodes) {
    let best = -Infinity;
    let bestConv = 0;
    for (const i of n.inputs) {
      const f = fwd.get(i) ?? -Infinity;
      if (f > best || (f === best && (fwdConv.get(i) ?? 0) > bestConv)) {
        best = f;
        bestConv = fwdConv.get(i) ?? 0;
      }
    }
    const w = isWeighted(n) ? 1 : 0;
    for (const o of n.outputs) {
      fwd.set(o, best + w);
      fwdConv.set(o, bestConv + (n.op === 'Conv' ? 1 : 0));
    }
  }
  // backward: best weighted count from each value to an output
  const bwd = new Map<string, number>();
  for (const o of g.outputs) bwd.set(o, 0);
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!;
    let best = -Infinity;
    for (const o of n.outputs) best = Math.max(best, bwd.get(o) ?? -Infinity);
    const through = best + (isWeighted(n) ? 1 : 0);
    for (const i of n.inputs) if (through > (bwd.get(i) ?? -Infinity)) bwd.set(i, through);
  }
  // the deepest output (the first of equals) ends the main path
  const out = g.outputs.reduce((best, o) => ((fwd.get(o) ?? 0) > (fwd.get(best) ?? 0) ? o : best), g.outputs[0]!);
  const depth = Math.max(0, fwd.get(out) ?? 0);
  const mainConv = fwdConv.get(out) ?? 0;
  const reference: Record<string, number> = {};
  for (const [name, s] of g.symbols) reference[name] = s.reference;
  const atReference = (d: Dim): number => (typeof d === 'number' ? d : evalDim(d, reference));

  const cons = consumers(g);
  const PASS_ON: ReadonlySet<string> = new Set(['BatchNormalization', 'Identity', 'Cast', 'QuantizeLinear', 'DequantizeLinear']);
  const reachesAdd = (n: Node): boolean => {
    let v = n.outputs[0]!;
    for (let guard = 0; guard < 8; guard++) {
      const cs = cons.get(v) ?? [];
      if (cs.length !== 1) return false;
      const c = cs[0]!;
      if (c.op === 'Add') return true;
      // ops that pass a projection's output on unchanged in meaning (an int8 model's Q/DQ pair too)
      if (!PASS_ON.has(c.op)) return false;
      v = c.outputs[0]!;
    }
    return false;
  };

  const ops: Record<string, number> = {};
  const layers: LayerStat[] = [];
  const macsTerms: Dim[] = [];
  let shortcutProjections = 0;
  for (const n of g.nodes) {
    ops[n.op] = (ops[n.op] ?? 0) + 1;
    const ins = n.inputs.map((i) => g.values.get(i)!.shape);
    const outShape = g.values.get(n.outputs[0]!)!.shape;
    const m = nodeMacs(n, ins, outShape);
    macsTerms.push(m);
    let params = 0;
    for (const p of n.params) {
      const param = g.params.get(p)!;
      if (param.isParameter) params += numel(param.shape);
    }
    const through = Math.max(...n.inputs.map((i) => fwd.get(i) ?? -Infinity)) + (isWeighted(n) ? 1 : 0) + Math.max(...n.outputs.map((o) => bwd.get(o) ?? -Infinity));
    const onMainPath = through === depth;
    if (weightKind(n) === 'conv' && !onMainPath && reachesAdd(n)) shortcutProjections++;
    layers.push({ name: n.name, module: n.module, op: n.op, outputShape: outShape, params, macs: atReference(m), macsFormula: m, onMainPath });
  }
  const batch = g.values.get(g.inputs[0]!)?.shape[0];
  const spatial = [...g.symbols].filter(([k]) => k !== batch);
  const minimum = spatial.length > 0 ? minimumInput(g) : undefined;
  const sizes: Record<string, SizeInfo> = {};
  for (const [k, s] of spatial) sizes[k] = { reference: s.reference, multipleOf: s.multipleOf, min: minimum?.min[k] };
  const macsFormula = dimSum(macsTerms);
  const params = countParams(g);
  const trainableParams = countParams(g, (p) => p.trainable);
  let buffers = 0;
  for (const p of g.params.values()) if (!p.isParameter) buffers += numel(p.shape);
  return {
    params,
    trainableParams,
    frozenParams: params - trainableParams,
    buffers,
    macs: atReference(macsFormula),
    macsFormula,
    reference,
    sizes,
    depth,
    mainPath: { conv: mainConv, linear: depth - mainConv },
    shortcutProjections,
    ops,
    inputShape: g.values.get(g.inputs[0]!)!.shape,
    referenceInput: g.values.get(g.inputs[0]!)!.shape.slice(1).map(atReference),
    output: g.values.get(g.outputs[0]!)!.shape,
    outputs: g.outputs.map((name) => ({ name, shape: g.values.get(name)!.shape })),
    layers,
  };
}
