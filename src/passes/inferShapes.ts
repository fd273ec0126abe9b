/**
 * infer-shapes: recompute every value's shape and dtype from the graph inputs through the
 * op registry (exact stride/padding/dilation arithmetic, symbolic batch).
 * Rules:
 * 1. For each node in order, output shape = OPS[op].inferShape(input shapes, param shapes).
 * 2. A shape error is reported with the node's module path and source location.
 * 3. If nothing differs, the same graph is returned.
 */
import type { Graph, Shape, Value } from '../ir/types.js';
import { ShapeError, formatShape, inferNodeShape, nodeOutputDType } from '../ir/ops.js';
import { sameShape } from '../ir/dim.js';
import { NetforgeError } from '../errors.js';
import type { Pass } from './pass.js';

export function inferShapes(g: Graph, ctx?: { note: (l: string) => void }): Graph {
  const values = new Map(g.values);
  let changed = false;
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => values.get(i)!);
    let shape: Shape;
    try {
      shape = inferNodeShape(n, ins.map((v) => v.shape), n.params.map((p) => g.params.get(p)!.shape), { domains: g.symbols });
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      throw new NetforgeError({
        code: e.code,
        message: e.message,
        modulePath: n.module,
        loc: n.loc,
        hint: e.hint,
      });
    }
    const dtype = nodeOutputDType(n, ins.map((v) => v.dtype));
    const out = n.outputs[0]!;
    const old = values.get(out);
    if (!old || old.dtype !== dtype || !sameShape(old.shape, shape)) {
      ctx?.note(`${out}: ${old ? formatShape(old.shape) : '?'} -> ${formatShape(shape)}`);
      const v: Value = { id: out, dtype, shape };
      values.set(out, v);
      changed = true;
    }
  }
  return changed ? { ...g, values } : g;
}

/** The graph with a new input shape (e.g. --input-size), all shapes re-inferred. */
export function withInputShape(g: Graph, shape: Shape): Graph {
  const id = g.inputs[0]!;
  const values = new Map(g.values);
  values.set(id, { ...values.get(id)!, shape });
  return inferShapes({ ...g, values });
}

export const inferShapesPass: Pass = { name: 'infer-shapes', run: (g, ctx) => inferShapes(g, ctx) };
