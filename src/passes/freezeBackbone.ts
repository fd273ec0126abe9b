/**
 * freeze-backbone: mark every parameter except the classifier head as not trainable, as
 * in transfer learning: `for p in model.parameters(): p.requires_grad = False`, then a
 * new `model.fc` (whose parameters are trainable).
 *
 * Rules:
 * 1. The head is the graph's classifier layers (ir/head.ts): for a ResNet, `fc`; for a
 *    segmentation model, the 1x1 convs that give each head's class scores.
 * 2. Head parameters are trainable; every other parameter is not. Buffers (running_mean,
 *    running_var) are never trainable and are left alone.
 * 3. A graph without such a Gemm is refused (E_NO_HEAD): nothing would be left to train.
 * 4. graph.meta `netforge.frozen` lists the head that stays trainable. A graph already
 *    frozen this way is returned unchanged.
 * Only the `trainable` flags change; counts come from analyze() (trainableParams, frozenParams).
 */
import type { Graph, Param } from '../ir/types.js';
import { classifierLayers } from '../ir/head.js';
import { NetforgeError } from '../errors.js';
import type { Pass, PassContext } from './pass.js';

export const FROZEN_META = 'netforge.frozen';

/** The modules of rule 1's head, in graph order. */
export function classifierHead(g: Graph): string[] {
  return classifierLayers(g).map((n) => n.module);
}

export function freezeBackbone(g: Graph, ctx?: PassContext): Graph {
  const head = classifierHead(g);
  if (head.length === 0) {
    throw new NetforgeError({
      code: 'E_NO_HEAD',
      message: `${g.name} has no classifier (a Linear layer, or a segmentation head's last conv, at its output) to keep trainable`,
      hint: '--freeze-backbone freezes everything but the final Linear layer; for a headless backbone, leave it out',
    });
  }
  const headParams = new Set(classifierLayers(g).flatMap((n) => [...n.params]));
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
