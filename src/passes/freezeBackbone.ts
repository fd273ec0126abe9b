/**
 * freeze-backbone: mark every parameter except the classifier head as not trainable, as
 * in transfer learning: `for p in model.parameters(): p.requires_grad = False`, then a
 * new `model.fc` (whose parameters are trainable).
 *
 * Rules:
 * 1. The head is every Gemm whose output reaches a graph output through ops without
 *    weights only (Flatten, Relu, ...): for a ResNet, `fc`.
 * 2. Head parameters are trainable; every other parameter is not. Buffers (running_mean,
 *    running_var) are never trainable and are left alone.
 * 3. A graph without such a Gemm is refused (E_NO_HEAD): nothing would be left to train.
 * 4. graph.meta `netforge.frozen` lists the head that stays trainable. A graph already
 *    frozen this way is returned unchanged.
 * Only the `trainable` flags change; counts come from analyze() (trainableParams, frozenParams).
 */
import type { Graph, Param } from '../ir/types.js';
import { isWeighted } from '../ir/ops.js';
import { NetforgeError } from '../errors.js';
import type { Pass, PassContext } from './pass.js';

export const FROZEN_META = 'netforge.frozen';

/** The modules of rule 1's head, in graph order. */
export function classifierHead(g: Graph): string[] {
  const nearOutput = new Set(g.outputs);
  const head: string[] = [];
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!;
    if (!n.outputs.some((o) => nearOutput.has(o))) continue;
    if (n.op === 'Gemm') head.push(n.module);
    if (!isWeighted(n)) for (const i of n.inputs) nearOutput.add(i);
  }
  return head.reverse();
}

export function freezeBackbone(g: Graph, ctx?: PassContext): Graph {
  const head = classifierHead(g);
  if (head.length === 0) {
    throw new NetforgeError({
      code: 'E_NO_HEAD',
      message: `${g.name} has no classifier (a Linear/Gemm layer at its output) to keep trainable`,
      hint: '--freeze-backbone freezes everything but the final Linear layer; for a headless backbone, leave it out',
    });
  }
  const headParams = new Set(g.nodes.filter((n) => n.op === 'Gemm' && head.includes(n.module)).flatMap((n) => [...n.params]));
  let changed = 0;
  let frozen = 0;
  const params = new Map<string, Param>();
  for (const [name, p] of g.params) {
    const trainable = p.isParameter && headParams.has(name);
    if (p.isParameter && !trainable) frozen++;
    if (p.isParameter && p.trainable !== trainable) {
      params.set(name, { ...p, trainable });
      changed++;
    } else params.set(name, p);
  }
  const record = head.join(',');
  if (changed === 0 && g.meta.get(FROZEN_META) === record) return g;
  ctx?.note(`froze ${frozen} parameter tensors; ${head.join(', ')} stays trainable`);
  const meta = new Map(g.meta);
  meta.set(FROZEN_META, record);
  return { ...g, params, meta };
}

export const freezeBackbonePass: Pass = { name: 'freeze-backbone', run: (g, ctx) => freezeBackbone(g, ctx) };
