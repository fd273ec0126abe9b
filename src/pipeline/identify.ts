/**
 * Which zoo architecture a checkpoint was saved from, by parameter names and shapes, so a
 * checkpoint that does not fit can say "this is resnet34" instead of listing 100 keys.
 * The classifier's output dimension is ignored (checkpoints are often fine-tuned to other
 * class counts). Only used on the error path: building every zoo graph takes ~0.2 s.
 */
import { buildModel } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';

export interface ArchitectureMatch {
  readonly model: string;
  /** Checkpoint tensors that match a param of the model (name and shape). */
  readonly matched: number;
  /** Tensors in the checkpoint (num_batches_tracked excluded). */
  readonly total: number;
  /** Every checkpoint tensor matches and every param of the model is present. */
  readonly exact: boolean;
  /** The checkpoint's classifier outputs, when they differ from the model's default. */
  readonly numClasses?: number;
}

const IGNORED = /(^|\.)num_batches_tracked$/;

/** The zoo model the checkpoint fits best (most matching tensors); undefined when none matches half of it. */
export function identifyArchitecture(state: ReadonlyMap<string, { readonly shape: readonly number[] }>): ArchitectureMatch | undefined {
  const keys = [...state.keys()].filter((k) => !IGNORED.test(k));
  if (keys.length === 0) return undefined;
  let best: ArchitectureMatch | undefined;
  for (const def of ZOO.values()) {
    const g = buildModel(def);
    const head = new Set(g.nodes.filter((n) => n.op === 'Gemm').flatMap((n) => [...n.params]));
    let matched = 0;
    let numClasses: number | undefined;
    for (const k of keys) {
      const p = g.params.get(k);
      const s = state.get(k)!.shape;
      if (p === undefined || p.shape.length !== s.length) continue;
      const differs = p.shape.map((d, i) => d !== s[i]);
      if (!differs.some(Boolean)) matched++;
      else if (head.has(k) && !differs.slice(1).some(Boolean)) {
        matched++;
        numClasses = s[0];
      }
    }
    const exact = matched === keys.length && keys.length === g.params.size;
    const m: ArchitectureMatch = { model: def.name, matched, total: keys.length, exact, ...(numClasses !== undefined ? { numClasses } : {}) };
    if (best === undefined || matched > best.matched || (matched === best.matched && exact && !best.exact)) best = m;
  }
  return best !== undefined && best.matched * 2 >= best.total ? best : undefined;
}

/** A sentence for an error hint, or undefined when nothing useful can be said. */
export function describeMatch(m: ArchitectureMatch | undefined, modelName: string): string | undefined {
  if (m === undefined) return undefined;
  const classes = m.numClasses !== undefined ? ` --num-classes ${m.numClasses}` : '';
  if (m.exact && m.model !== modelName) return `the checkpoint is a ${m.model}: compile ${m.model}${classes} instead of ${modelName}`;
  if (m.exact) return undefined;
  if (m.model === modelName) return undefined;
  return `the checkpoint is closest to ${m.model} (${m.matched} of ${m.total} tensors fit)`;
}
