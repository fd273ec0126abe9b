/** Flags every model-taking command shares, and turning them into ModelOptions. */
import type { FlagSpec, Parsed } from './args.js';
import { get, usageError } from './args.js';
import type { BuildModelOptions, DefinedModel, InputDim, OutputRequest } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';
import { MAX_SEED, isSeed } from '../ir/random.js';
import { resolveModel as resolveModelSpec } from '../modelFile/resolveModel.js';
import type { CliIO } from './command.js';
import { weightsOptionsFrom, type WeightsFlags } from './weightsArgs.js';

export const MODEL_FLAGS: readonly FlagSpec[] = [
  { name: '--num-classes', type: 'int', help: 'classifier outputs (default: the model\'s, 1000 for ImageNet models); 0: no classifier, the pooled features are the output' },
  { name: '--replace-stride-with-dilation', type: 'list', help: 'one boolean per stage after the first, e.g. false,true,true' },
  { name: '--zero-init-residual', type: 'bool', help: 'zero-init the last BatchNorm gamma of every block' },
  { name: '--allow-unused-options', type: 'bool', help: 'build a model even when it never reads an option given here (--num-classes, --replace-stride-with-dilation, --zero-init-residual); default: that is an error' },
  { name: '--input-size', type: 'list', help: 'input H,W or C,H,W (default: the model\'s, e.g. 3,224,224); names for sizes that vary: 3,H,W' },
  { name: '--size-multiple', type: 'int', help: 'with a symbolic --input-size: every H and W must be a multiple of this (e.g. 32)' },
  { name: '--reference-size', type: 'list', help: 'with a symbolic input: the C,H,W (or H,W) at which MACs and expectations are counted (default: the model\'s, e.g. 3,224,224)' },
  { name: '--outputs', type: 'list', help: 'module outputs as the model\'s outputs: layer2,layer3,layer4 or layer3=aux,layer4=out (what no output needs is removed)' },
  { name: '--aux-loss', type: 'bool', help: 'segmentation models: build the auxiliary head (FCNHead on layer3) as a second output, `aux` (torchvision\'s aux_loss)' },
  { name: '--seed', type: 'int', help: 'seed for parameter initialization (default 0)' },
  { name: '--weights', type: 'string', help: 'load weights: a .pth/.safetensors FILE, an http(s) URL (downloaded once), imagenet1k_v1/imagenet1k_v2 (torchvision\'s; on a segmentation model: its backbone\'s) or coco_with_voc_labels_v1 (segmentation models)' },
  { name: '--strict', type: 'bool', help: 'load --weights strictly (default on); --no-strict is load_state_dict(strict=False): missing params drawn from --seed, extra keys ignored, shapes must match' },
  { name: '--weights-strip-prefix', type: 'string', repeat: true, help: "strip this prefix from the checkpoint keys that start with it (e.g. model. for a Lightning module's self.model); repeatable" },
  { name: '--weights-rename', type: 'string', repeat: true, help: "rename checkpoint keys by PATTERN=REPLACEMENT, a regular expression and its replacement ($1 for a group), e.g. '^backbone\\.='; repeatable, applied in order after --weights-strip-prefix" },
  { name: '--in-chans', type: 'int', help: 'input channels (default the model\'s, 3); with --weights the pretrained first conv is adapted as timm does: summed over RGB for 1, repeated and scaled by 3/N for N' },
  { name: '--cache-dir', type: 'string', help: 'where downloaded weights are kept (default $NETFORGE_CACHE, else ./model_data)' },
  { name: '--freeze-backbone', type: 'bool', help: 'mark every parameter except the classifier head as not trainable' },
];

function parseBool(s: string): boolean {
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw usageError(`--replace-stride-with-dilation expects true/false values, got '${s}'`, 'e.g. --replace-stride-with-dilation false,true,true');
}

/** --seed: a 32-bit unsigned integer (the generator's seed width), so no two seeds give the same weights. */
export function seedFrom(p: Parsed): number | undefined {
  const seed = get.num(p, 'seed');
  if (seed !== undefined && !isSeed(seed)) {
    throw usageError(`--seed must be an integer from 0 to ${MAX_SEED}, got ${seed}`, 'seeds are 32-bit: values outside that range would repeat the weights of another seed');
  }
  return seed;
}

export function modelOptionsFrom(p: Parsed, def: DefinedModel): BuildModelOptions & { readonly inChans?: number } {
  seedFrom(p); // validated by every command that takes model flags, whether or not it draws weights
  const numClasses = get.num(p, 'num-classes');
  if (numClasses !== undefined && numClasses < 0) throw usageError(`--num-classes must be >= 0, got ${numClasses}`, '0 removes the classifier');
  const rswd = get.list(p, 'replace-stride-with-dilation');
  const zir = get.bool(p, 'zero-init-residual');
  const inChans = get.num(p, 'in-chans');
  if (inChans !== undefined && inChans < 1) throw usageError(`--in-chans must be at least 1, got ${inChans}`, 'e.g. --in-chans 1 for grayscale');
  // --in-chans sets the channels where --input-size and --reference-size give only H[,W]
  const withChans = (flag: 'input-size' | 'reference-size', dims: InputDim[] | undefined): InputDim[] | undefined =>
    inChans === undefined || (get.list(p, flag)?.length ?? 0) === 3 ? dims : dims && [inChans, ...dims.slice(1)];
  const input = withChans('input-size', sizeFlag(p, 'input-size', def, true));
  const reference = withChans('reference-size', sizeFlag(p, 'reference-size', def, false));
  const multiple = get.num(p, 'size-multiple');
  if (multiple !== undefined && (multiple < 1 || multiple > 4096)) throw usageError(`--size-multiple must be from 1 to 4096, got ${multiple}`, 'e.g. --size-multiple 32');
  const outputs = outputsFlag(p);
  const auxLoss = get.bool(p, 'aux-loss');
  // a zoo model without one would be E_UNUSED_OPTION pointing into netforge's own files: say what is wrong instead
  if (auxLoss !== undefined && ZOO.get(def.name) === def && def.auxHead === undefined) {
    throw usageError(`--${auxLoss ? '' : 'no-'}aux-loss: ${def.name} has no auxiliary head to ${auxLoss ? 'add' : 'leave out'}`, `the segmentation models have one: ${[...ZOO.values()].filter((m) => m.auxHead !== undefined).map((m) => m.name).join(', ')}`);
  }
  return {
    ...(numClasses !== undefined ? { numClasses } : {}),
    ...(rswd ? { replaceStrideWithDilation: rswd.map(parseBool) } : {}),
    ...(zir !== undefined ? { zeroInitResidual: zir } : {}),
    ...(input ? { input } : inChans !== undefined ? { input: [inChans, ...def.input.slice(1)] } : {}),
    ...(inChans !== undefined ? { inChans } : {}),
    ...(reference
      ? { reference: reference as number[] }
      : inChans !== undefined && def.reference !== undefined
        ? { reference: [inChans, ...def.reference.slice(1)] }
        : {}),
    ...(multiple !== undefined ? { sizeMultiple: multiple } : {}),
    ...(outputs ? { outputs } : {}),
    ...(get.bool(p, 'allow-unused-options') ? { allowUnusedOptions: true } : {}),
    ...(auxLoss !== undefined ? { auxLoss } : {}),
  };
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** --input-size / --reference-size: H (square), H,W or C,H,W; numbers, or (input only) symbol names. */
function sizeFlag(p: Parsed, flag: 'input-size' | 'reference-size', def: DefinedModel, symbolic: boolean): InputDim[] | undefined {
  const size = get.list(p, flag);
  if (size === undefined) return undefined;
  const dims = size.map((s): InputDim => (/^\d+$/.test(s) ? Number(s) : s));
  const ok = dims.length >= 1 && dims.length <= 3 && dims.every((d) => (typeof d === 'number' ? d > 0 : symbolic && SYMBOL.test(d)));
  if (!ok) {
    throw usageError(
      `--${flag} expects H, H,W or C,H,W ${symbolic ? 'positive integers or size names' : 'positive integers'}, got '${size.join(',')}'`,
      symbolic ? 'e.g. --input-size 3,224,224, or --input-size 3,H,W for a model that takes any size' : 'e.g. --reference-size 3,224,224',
    );
  }
  const c = def.input[0]!;
  return dims.length === 1 ? [c, dims[0]!, dims[0]!] : dims.length === 2 ? [c, dims[0]!, dims[1]!] : dims;
}

/** --outputs layer2,layer3 or layer3=aux,layer4=out. */
function outputsFlag(p: Parsed): OutputRequest[] | undefined {
  const list = get.list(p, 'outputs');
  if (list === undefined) return undefined;
  if (list.length === 0) throw usageError('--outputs needs at least one module', 'e.g. --outputs layer2,layer3,layer4');
  const seen = new Set<string>();
  return list.map((item) => {
    const [module, name, extra] = item.split('=');
    if (module === undefined || module === '' || name === '' || extra !== undefined) {
      throw usageError(`--outputs entry '${item}' is not MODULE or MODULE=NAME`, 'e.g. --outputs layer3=aux,layer4=out');
    }
    if (seen.has(module)) throw usageError(`--outputs names module ${module} twice`, 'name each module once; one module, one output');
    seen.add(module);
    return name !== undefined ? { module, name } : { module };
  });
}

/** The model named on the command line and the options its flags set (model options, weights, seed). */
export interface ModelFromArgs {
  readonly def: DefinedModel;
  readonly options: BuildModelOptions & WeightsFlags & { readonly seed?: number; readonly inChans?: number };
}

/**
 * Resolve the one model a command takes and turn the shared flags into options: model
 * options, --weights (resolved, downloaded with progress on stderr unless quiet), --seed.
 */
export async function modelFromArgs(p: Parsed, command: string, io: CliIO | undefined, quiet = false): Promise<ModelFromArgs> {
  if (p.positionals.length > 1) throw usageError(`netforge ${command} takes one model, got ${p.positionals.join(' ')}`);
  const def = await resolveModel(p.positionals[0], command);
  const model = modelOptionsFrom(p, def);
  const seed = seedFrom(p);
  const weights = await weightsOptionsFrom(p, def, io, quiet);
  return { def, options: { ...model, ...weights, ...(seed !== undefined ? { seed } : {}) } };
}

/** A zoo name, or a path to a model file (.ts, .mts, .js, .mjs). */
export async function resolveModel(spec: string | undefined, command: string): Promise<DefinedModel> {
  if (spec === undefined) throw usageError(`netforge ${command} needs a model`, `give a zoo name (${[...ZOO.keys()].slice(0, 4).join(', ')}, ...) or a path to a .ts model file`);
  return resolveModelSpec(spec);
}
