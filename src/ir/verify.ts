/**
 * The IR verifier: what every graph must satisfy between passes. It is data plus one
 * loop: each rule has a name, and a failure names the rule, the node and its module.
 *
 * Rules:
 * 1. ssa: every value is produced exactly once (graph inputs count as produced).
 * 2. topo: every node input is produced before the node (nodes are topologically sorted).
 * 3. refs: every node input names a known value, every param input a known param, every output a known value.
 * 4. arity: activation input count is within the op's arity.
 * 5. shapes: the registry's shape function reproduces each output's recorded shape.
 * 6. dtypes: each output's dtype is what the op produces.
 * 7. outputs: every graph output is produced.
 * 8. unique names: node names are unique.
 * 9. param data: where present, data length equals the param's element count.
 * 10. param dtype: where present, data is stored as the param's dtype says (float32 in a
 *     Float32Array, float16 as half bits in a Uint16Array, int8/uint8/int32
 *     in their own arrays).
 * 11. quantized tensors: see ./verifyQuant.ts (quant, qdq, quantized-params, qdq-bias).
 */
import type { Graph, Node } from './types.js';
import { OPS, ShapeError, formatShape, inferNodeShape, nodeOutputDType } from './ops.js';
import { numel } from './shapeMath.js';
import { sameShape } from './dim.js';
import { verifyQuant } from './verifyQuant.js';

/** The array each dtype's data is held in. */
const STORED: ReadonlyMap<string, string> = new Map([
  ['Float32Array', 'float32'],
  ['Uint16Array', 'float16'],
  ['Int8Array', 'int8'],
  ['Uint8Array', 'uint8'],
  ['Int32Array', 'int32'],
]);

export interface VerifyIssue {
  readonly rule: string;
  readonly node?: string;
  readonly module?: string;
  readonly message: string;
}

/** Every broken IR invariant in `g` (empty when it is valid). */
export function verifyGraph(g: Graph): VerifyIssue[] {
  const issues: VerifyIssue[] = [];
  const defined = new Set<string>(g.inputs);
  const names = new Set<string>();
  const at = (n: Node, rule: string, message: string): void => {
    issues.push({ rule, node: n.name, module: n.module, message });
  };

  for (const i of g.inputs) if (!g.values.has(i)) issues.push({ rule: 'refs', message: `graph input ${i} has no value` });

  for (const n of g.nodes) {
    if (names.has(n.name)) at(n, 'unique-names', `node name ${n.name} is used twice`);
    names.add(n.name);
    const [lo, hi] = OPS[n.op].arity;
    if (n.inputs.length < lo || n.inputs.length > hi) at(n, 'arity', `${n.op} takes ${lo}..${hi} inputs, has ${n.inputs.length}`);
    for (const i of n.inputs) {
      if (!g.values.has(i)) at(n, 'refs', `input ${i} is not a known value`);
      else if (!defined.has(i)) at(n, 'topo', `input ${i} is used before it is produced`);
    }
    for (const p of n.params) {
      const param = g.params.get(p);
      if (!param) at(n, 'refs', `param ${p} is not a known param`);
    }
    for (const o of n.outputs) {
      if (!g.values.has(o)) at(n, 'refs', `output ${o} is not a known value`);
      if (defined.has(o)) at(n, 'ssa', `value ${o} is produced twice`);
      defined.add(o);
    }
    if (issues.length > 0) continue;
    const inShapes = n.inputs.map((i) => g.values.get(i)!.shape);
    const paramShapes = n.params.map((p) => g.params.get(p)!.shape);
    try {
      const expected = inferNodeShape(n, inShapes, paramShapes, { domains: g.symbols });
      const out = g.values.get(n.outputs[0]!)!;
      if (!sameShape(expected, out.shape)) {
        at(n, 'shapes', `output ${out.id} is recorded as ${formatShape(out.shape)} but ${n.op} produces ${formatShape(expected)}`);
      }
      const dt = nodeOutputDType(n, n.inputs.map((i) => g.values.get(i)!.dtype));
      if (dt !== out.dtype) at(n, 'dtypes', `output ${out.id} is recorded as ${out.dtype} but ${n.op} produces ${dt}`);
    } catch (e) {
      if (e instanceof ShapeError) at(n, 'shapes', e.message);
      else throw e;
    }
  }
  for (const o of g.outputs) if (!defined.has(o)) issues.push({ rule: 'outputs', message: `graph output ${o} is never produced` });
  for (const p of g.params.values()) {
    if (p.data === undefined) continue;
    if (p.data.length !== numel(p.shape)) {
      issues.push({ rule: 'param-data', message: `param ${p.name} has ${p.data.length} values for shape [${p.shape.join(', ')}]` });
    }
    const stored = STORED.get((p.data as ArrayBufferView).constructor.name) ?? (p.data as ArrayBufferView).constructor.name;
    if (stored !== p.dtype) issues.push({ rule: 'param-dtype', message: `param ${p.name} is declared ${p.dtype} but holds ${stored} data` });
  }
  if (issues.length === 0) issues.push(...verifyQuant(g));
  return issues;
}

export function formatIssues(issues: readonly VerifyIssue[]): string {
  return issues
    .map((i) => `  [${i.rule}]${i.node !== undefined ? ` ${i.node}` : ''}: ${i.message}`)
    .join('\n');
}
