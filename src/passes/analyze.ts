/**
 * Structural facts about a graph: parameter counts, MACs, op counts, and the main path.
 *
 * Main-path depth is the largest number of weighted layers (Conv, Gemm) on any path from
 * the input to the output: ResNet-50 -> 1 + 16*3 + 1 = 50. A weighted node is "on the
 * main path" when some longest path passes through it; weighted nodes off every longest
 * path whose output reaches an Add through BatchNorm/Identity only are shortcut projections.
 */
import type { Graph, Node, Shape } from '../ir/types.js';
import { isWeighted, nodeMacs } from '../ir/ops.js';
import { consumers, countParams } from '../ir/graph.js';
import { numel } from '../ir/shapeMath.js';

export interface LayerStat {
  readonly name: string;
  readonly module: string;
  readonly op: string;
  readonly outputShape: Shape;
  readonly params: number;
  readonly macs: number;
  readonly onMainPath: boolean;
}

export interface GraphStats {
  readonly params: number;
  readonly trainableParams: number;
  readonly frozenParams: number;
  /** running_mean / running_var elements (not parameters). */
  readonly buffers: number;
  readonly macs: number;
  readonly depth: number;
  readonly mainPath: { readonly conv: number; readonly linear: number };
  readonly shortcutProjections: number;
  readonly ops: Readonly<Record<string, number>>;
  readonly output: Shape;
  readonly layers: readonly LayerStat[];
}

const weightKind = (n: Node): 'conv' | 'linear' | null => (n.op === 'Conv' ? 'conv' : n.op === 'Gemm' ? 'linear' : null);

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
  const out = g.outputs[0]!;
  const depth = Math.max(0, fwd.get(out) ?? 0);
  const mainConv = fwdConv.get(out) ?? 0;

  const cons = consumers(g);
  const reachesAdd = (n: Node): boolean => {
    let v = n.outputs[0]!;
    for (let guard = 0; guard < 8; guard++) {
      const cs = cons.get(v) ?? [];
      if (cs.length !== 1) return false;
      const c = cs[0]!;
      if (c.op === 'Add') return true;
      if (c.op !== 'BatchNormalization' && c.op !== 'Identity' && c.op !== 'Cast') return false;
      v = c.outputs[0]!;
    }
    return false;
  };

  const ops: Record<string, number> = {};
  const layers: LayerStat[] = [];
  let macs = 0;
  let shortcutProjections = 0;
  for (const n of g.nodes) {
    ops[n.op] = (ops[n.op] ?? 0) + 1;
    const ins = n.inputs.map((i) => g.values.get(i)!.shape);
    const outShape = g.values.get(n.outputs[0]!)!.shape;
    const m = nodeMacs(n, ins, outShape);
    macs += m;
    let params = 0;
    for (const p of n.params) {
      const param = g.params.get(p)!;
      if (param.isParameter) params += numel(param.shape);
    }
    const through = Math.max(...n.inputs.map((i) => fwd.get(i) ?? -Infinity)) + (isWeighted(n) ? 1 : 0) + Math.max(...n.outputs.map((o) => bwd.get(o) ?? -Infinity));
    const onMainPath = through === depth;
    if (weightKind(n) === 'conv' && !onMainPath && reachesAdd(n)) shortcutProjections++;
    layers.push({ name: n.name, module: n.module, op: n.op, outputShape: outShape, params, macs: m, onMainPath });
  }
  const params = countParams(g);
  const trainableParams = countParams(g, (p) => p.trainable);
  let buffers = 0;
  for (const p of g.params.values()) if (!p.isParameter) buffers += numel(p.shape);
  return {
    params,
    trainableParams,
    frozenParams: params - trainableParams,
    buffers,
    macs,
    depth,
    mainPath: { conv: mainConv, linear: depth - mainConv },
    shortcutProjections,
    ops,
    output: g.values.get(out)!.shape,
    layers,
  };
}
