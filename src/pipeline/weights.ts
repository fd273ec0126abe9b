/**
 * From a weights file (or a state dict already read) to the load-state-dict pass for one
 * model: read, convert every tensor to float32 (zero-copy for aligned float32 data),
 * collect the reader's notices, and attach the architecture guess to mismatch errors.
 */
import { basename } from 'node:path';
import { printable } from '../printable.js';
import type { ModelDefinition } from '../dsl/model.js';
import { loadStateDict, type Float32Tensor } from '../passes/loadStateDict.js';
import { adaptCheckpoint } from './adaptCheckpoint.js';
import type { Pass } from '../passes/pass.js';
import { freezeBackbonePass } from '../passes/freezeBackbone.js';
import { readWeights, type ReadWeightsOptions } from '../weights/load.js';
import { toFloat32, type StateDict } from '../weights/tensor.js';
import type { WeightsInput } from '../weights/resolve.js';
import { describeMatch, identifyArchitecture } from './identify.js';
import { adaptInputChannels, applyKeyRules, type KeyRules } from './adapt.js';
import type { TorchvisionWeights } from '../weights/torchvision.js';

/** What compile's `weights` option accepts: a file path, a state dict already read, or a resolved input. */
export type WeightsOption = string | StateDict | WeightsInput;
export type { WeightsInput } from '../weights/resolve.js';

export interface Notice {
  readonly level: 'note' | 'warning';
  readonly message: string;
}

export interface PreparedWeights {
  readonly tensors: ReadonlyMap<string, Float32Tensor>;
  readonly source: string;
  readonly stateDict: StateDict;
  readonly torchvision?: TorchvisionWeights;
}

const isStateDict = (w: WeightsOption): w is StateDict => typeof w === 'object' && 'tensors' in w;

/** Read (if needed, with `read`'s limits), convert to float32 and rewrite the keys by `keys` (adapt.ts). Reader notices go to `notice`. */
export function prepareWeights(w: WeightsOption, notice: (n: Notice) => void = () => {}, keys: KeyRules = {}, read: ReadWeightsOptions = {}): PreparedWeights {
  const input: WeightsInput | undefined = typeof w === 'string' ? { file: w, source: w } : isStateDict(w) ? undefined : w;
  const sd = input !== undefined ? readWeights(input.file, read) : (w as StateDict);
  const source = input?.source ?? sd.file;
  const converted = new Map<string, Float32Tensor>();
  for (const [name, t] of sd.tensors) converted.set(name, { shape: t.shape, data: toFloat32(t, name, sd.file) });
  for (const message of readerNotices(sd)) notice({ level: 'note', message });
  const renamed = applyKeyRules(converted, keys, sd.file);
  for (const message of renamed.notes) notice({ level: 'note', message });
  return { tensors: renamed.tensors, source, stateDict: sd, ...(input?.torchvision ? { torchvision: input.torchvision } : {}) };
}

/** What the reader did to the file's contents, in words. */
export function readerNotices(sd: StateDict): string[] {
  const out: string[] = [];
  const f = basename(sd.file);
  if (sd.unwrappedFrom !== undefined) out.push(`${f} is a ${sd.lightning !== undefined ? `PyTorch Lightning checkpoint (version ${sd.lightning})` : 'training checkpoint'}: loaded the state dict from its '${sd.unwrappedFrom}' entry`);
  if (sd.strippedPrefix !== undefined) out.push(`${f}: every key began with '${sd.strippedPrefix}' (saved from nn.DataParallel); the prefix was stripped`);
  if (sd.skipped !== undefined && sd.skipped.length > 0) out.push(`${f}: skipped ${sd.skipped.length} entries that are not tensors (${sd.skipped.slice(0, 4).map(printable).join(', ')}${sd.skipped.length > 4 ? ', ...' : ''})`);
  return out;
}

export interface WeightsPassOptions {
  /** The user chose the class count (--num-classes): a classifier of another size is replaced, not an error. */
  readonly replaceHead: boolean;
  /** false: torch's load_state_dict(strict=False) (missing params keep their init, unexpected keys ignored). */
  readonly strict?: boolean;
  readonly seed: number;
  readonly notice: (n: Notice) => void;
  /** Adapt the checkpoint's input convolutions to this many channels first (timm's adapt_input_conv, adapt.ts). */
  readonly inChans?: number;
}

/**
 * The load-state-dict pass for `def`, with the recipe's preprocessing recorded for torchvision
 * weights (not for a backbone's, whose recipe is the classifier's). A checkpoint that fits in
 * part as torchvision loads it (a backbone alone, an auxiliary head the model lacks) is
 * adapted first (./adaptCheckpoint.ts).
 */
export function weightsPass(def: ModelDefinition, w: PreparedWeights, o: WeightsPassOptions): Pass {
  const meta = new Map<string, string>();
  // per-channel statistics describe the checkpoint's own input (not one adapted to other channels); a backbone's recipe is the classifier's
  if (w.torchvision !== undefined && w.torchvision.backboneOf === undefined && def.preprocessing !== undefined && (o.inChans === undefined || o.inChans === def.preprocessing.mean.length)) {
    const { resize, crop } = w.torchvision;
    meta.set('netforge.preprocessing', JSON.stringify({ ...def.preprocessing, resize, ...(crop !== undefined ? { crop } : {}) }));
  }
  const options = {
    source: w.source,
    replaceHead: o.replaceHead,
    ...(o.strict === false ? { strict: false } : {}),
    seed: o.seed,
    meta,
    warn: (message: string) => o.notice({ level: 'warning', message }),
    explain: () => describeMatch(identifyArchitecture(w.tensors), def.name),
  };
  return {
    name: 'load-state-dict',
    run: (g, ctx) => {
      const say = (n: Notice): void => {
        o.notice(n);
        ctx.note(n.message);
      };
      // a backbone's checkpoint under its prefix first, then its input convs to other channels
      const a = adaptCheckpoint(g, w.tensors, def, w.stateDict.file, o.seed);
      a.notices.forEach(say);
      let tensors = a.tensors;
      if (o.inChans !== undefined) {
        const adapted = adaptInputChannels(g, tensors, o.inChans, w.stateDict.file);
        for (const message of adapted.notes) say({ level: 'note', message });
        tensors = adapted.tensors;
      }
      return loadStateDict(g, tensors, { ...options, ...(a.fresh.size > 0 ? { fresh: a.fresh } : {}) }, ctx);
    },
  };
}

/** The options that decide a model's state before init-params (CompileOptions has them all). */
export interface StateOptions {
  readonly weights?: WeightsOption;
  readonly freezeBackbone?: boolean;
  /** Explicitly chosen class count: a checkpoint classifier of another size is replaced. */
  readonly numClasses?: number;
  /** false: load what fits by name (torch's strict=False); default true. */
  readonly strictWeights?: boolean;
  readonly seed?: number;
  /** Rewrite the checkpoint's keys before loading (strip prefixes, rename by pattern). */
  readonly weightsKeys?: KeyRules;
  /** The model's input channels; a pretrained first convolution of another width is adapted to it (timm's rule). */
  readonly inChans?: number;
}

/**
 * The passes that run between verify-structure and init-params: [load-state-dict]
 * [freeze-backbone]. `prepared` avoids reading the weights twice; without it they are read here.
 */
export function statePasses(def: ModelDefinition, o: StateOptions, prepared?: PreparedWeights, notice: (n: Notice) => void = () => {}): Pass[] {
  const w = prepared ?? (o.weights !== undefined ? prepareWeights(o.weights, notice, o.weightsKeys) : undefined);
  return [
    ...(w !== undefined
      ? [weightsPass(def, w, { replaceHead: o.numClasses !== undefined, ...(o.strictWeights === false ? { strict: false } : {}), seed: o.seed ?? 0, notice, ...(o.inChans !== undefined ? { inChans: o.inChans } : {}) })]
      : []),
    ...(o.freezeBackbone ? [freezeBackbonePass] : []),
  ];
}
