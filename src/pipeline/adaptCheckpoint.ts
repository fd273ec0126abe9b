/**
 * Checkpoints that fit a model in part, loaded as torchvision loads them.
 *
 * Rules:
 * 1. Backbone (torchvision's weights_backbone): for a model that declares `backbone`
 *    ({ prefix, ignore }), a checkpoint of which no key names a param of the model but some
 *    key k names the param `<prefix>.k` holds the backbone's classifier alone (resnet50's
 *    ImageNet weights for deeplabv3_resnet50). Its keys load as `<prefix>.k`, those under
 *    the `ignore` modules (`fc`: IntermediateLayerGetter drops it) are left out, and every
 *    param outside the prefix (the heads) is fresh: initialized from the seed. Everything
 *    else stays strict: a backbone key the checkpoint lacks is still an error.
 * 2. Auxiliary head: for a model that declares `auxHead` and was built without it (no param
 *    under it), the checkpoint's keys under it are left out (torchvision's segmentation
 *    weights carry `aux_classifier.*`; an inference model rarely wants it).
 * 3. Each rule that applies says so (a warning for fresh heads, a note for a left-out
 *    auxiliary head); a checkpoint neither applies to is returned as it is.
 */
import { basename } from 'node:path';
import type { Graph } from '../ir/types.js';
import { countParams } from '../ir/graph.js';
import { groupDigits } from '../ir/format.js';
import type { Float32Tensor } from '../passes/loadStateDict.js';
import type { ModelDefinition } from '../dsl/model.js';
import type { Notice } from './weights.js';

export interface AdaptedCheckpoint {
  readonly tensors: ReadonlyMap<string, Float32Tensor>;
  /** Params to leave to init-params (rule 1's heads). */
  readonly fresh: ReadonlySet<string>;
  readonly notices: readonly Notice[];
}

const under = (key: string, module: string): boolean => key === module || key.startsWith(`${module}.`);
const TRACKED = /(^|\.)num_batches_tracked$/;

/** The top-level modules of some param names, in order: `classifier, aux_classifier`. */
function modulesOf(names: Iterable<string>): string[] {
  return [...new Set([...names].map((n) => n.split('.')[0]!))];
}

/** `file`: the checkpoint's path, named in the notices. */
/** `seed` undefined: the heads are said to come from the seed, without naming it (netforge diff). */
export function adaptCheckpoint(g: Graph, tensors: ReadonlyMap<string, Float32Tensor>, def: Pick<ModelDefinition, 'backbone' | 'auxHead'>, file: string, seed: number | undefined): AdaptedCheckpoint {
  const notices: Notice[] = [];
  let out = tensors;
  let fresh = new Set<string>();
  const name = basename(file);
  const keys = [...tensors.keys()].filter((k) => !TRACKED.test(k));
  const b = def.backbone;
  // rule 1
  if (b !== undefined && !keys.some((k) => g.params.has(k)) && keys.some((k) => g.params.has(`${b.prefix}.${k}`))) {
    const ignore = b.ignore ?? [];
    const left = keys.filter((k) => ignore.some((m) => under(k, m)));
    const moved = new Map<string, Float32Tensor>();
    for (const [k, t] of tensors) if (!ignore.some((m) => under(k, m))) moved.set(`${b.prefix}.${k}`, t);
    out = moved;
    fresh = new Set([...g.params.keys()].filter((k) => !under(k, b.prefix)));
    const heads = modulesOf(fresh);
    const headParams = countParams(g, (p) => fresh.has(p.name));
    notices.push({
      level: 'warning',
      message: `${name} holds a backbone's weights only (torchvision's weights_backbone): loaded into ${b.prefix}.*${left.length > 0 ? `, left out ${left.join(', ')}` : ''}; ${heads.join(' and ')} (${groupDigits(headParams)} params) initialized from ${seed === undefined ? 'the seed' : `seed ${seed}`}`,
    });
  }
  // rule 2
  const aux = def.auxHead;
  if (aux !== undefined && ![...g.params.keys()].some((k) => under(k, aux))) {
    const dropped = [...out.keys()].filter((k) => under(k, aux));
    if (dropped.length > 0) {
      out = new Map([...out].filter(([k]) => !under(k, aux)));
      notices.push({ level: 'note', message: `${name}: left out ${aux}.* (${dropped.filter((k) => !TRACKED.test(k)).length} tensors): ${g.name} was built without its auxiliary head (--aux-loss builds it)` });
    }
  }
  return { tensors: out, fresh, notices };
}
