/** defineModel: a model is a description (input, build, expectations, preprocessing) plus options a CLI can set. */
import type { Graph, SourceLoc, StructureExpectations } from '../ir/types.js';
import type { BuildOutput, Tensor } from './builder.js';
import { buildGraph, setMeta } from './builder.js';
import { callerLoc } from './sourceLoc.js';
import { resolveInputSpec, type DimConstraint, type InputDim } from './inputSpec.js';
import { recordingOptions, unreadOptions, UnusedOptionError } from './optionReads.js';

export type { InputDim, DimConstraint } from './inputSpec.js';

/** A module output the caller wants as a graph output (`--outputs layer3=aux`). */
export interface OutputRequest {
  /** Module path, e.g. `layer3` or `layer2.1.conv2`: its last layer's output. */
  readonly module: string;
  /** The output's name. Default: the module path. */
  readonly name?: string;
}

/** Options the command line can set on any model (`--num-classes`, ...). */
export interface ModelOptions {
  /** Classifier outputs; 0 removes the classifier (the pooled features are the output). Default: the model's own (1000 for ImageNet models). */
  readonly numClasses?: number;
  /** Replace stride by dilation in the stages after the first (`--replace-stride-with-dilation`). */
  readonly replaceStrideWithDilation?: readonly boolean[];
  /** `--zero-init-residual`. */
  readonly zeroInitResidual?: boolean;
  /** Input [C, H, W], numbers or symbol names for sizes that vary (`[3, 'H', 'W']`); default the model's. */
  readonly input?: readonly InputDim[];
  /** The size MACs and expectations are evaluated at when the input is symbolic. Default: the model's. */
  readonly reference?: readonly number[];
  /** Every symbolic size (the batch excepted) must be a multiple of this (`--size-multiple`). */
  readonly sizeMultiple?: number;
  /** Module outputs to expose instead of the model's own outputs (`--outputs`); what no output needs is removed. */
  readonly outputs?: readonly OutputRequest[];
  /** Build the model's auxiliary head as a second output (`--aux-loss`, torchvision's aux_loss); only for models that declare `auxHead`. Default false. */
  readonly auxLoss?: boolean;
}

declare const checkedAtBuild: unique symbol;
/**
 * replaceStrideWithDilation as a caller (the command line, compile()) hands it to a model's
 * build function: its length is not known to the type system, so resnet() accepts it and
 * checks it when the model is built (E_DILATION_LENGTH). Literals in a model's own code
 * must instead match its stage count at compile time (DilationFlags).
 *
 * The brand is on `length` (a number that says it is checked at build time): a literal
 * array's length then matches no member of resnet()'s `DilationFlags<L> | CallerDilationFlags`
 * by length, so TypeScript explains a wrong literal against the tuple ("Source has 2
 * element(s) but target requires 3") instead of against the brand.
 */
export type CallerDilationFlags = readonly boolean[] & { readonly length: number & { readonly [checkedAtBuild]: true } };

/** The options a model's build function receives: ModelOptions, with caller-given dilation flags marked as such. */
export type BuildOptions = Omit<ModelOptions, 'replaceStrideWithDilation'> & { readonly replaceStrideWithDilation?: CallerDilationFlags };

/** What a compiled model must be; checked by the verify-structure pass, a mismatch fails the compile. */
export type ModelExpectations = StructureExpectations;

export interface Preprocessing {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly resize?: number;
  readonly crop?: number;
  readonly colorSpace?: 'RGB' | 'BGR';
}

export interface ModelDefinition {
  /** The model's name (zoo name, or the user's). */
  readonly name: string;
  readonly description?: string;
  /**
   * Input shape without batch: [C, H, W]. Sizes may be symbol names (`[3, 'H', 'W']`): the
   * compiled model then takes any size (above its minimum), and `reference` says at which
   * size MACs and expectations are counted.
   */
  readonly input: readonly InputDim[];
  /** The size MACs and expectations are evaluated at. Default: `input` (required when `input` has symbols). */
  readonly reference?: readonly number[];
  /** Constraints on symbolic sizes: `{ H: { multipleOf: 32 } }`. */
  readonly dims?: Readonly<Record<string, DimConstraint>>;
  /** Build the network from the input tensor: one output, or named outputs (`{ layer3: a, layer4: b }`). */
  readonly build: (x: Tensor, options: BuildOptions) => BuildOutput;
  /** Expectations, or a function of the options (a different numClasses changes params); `input` there is the reference size. */
  readonly expect?: ModelExpectations | ((options: ModelOptions) => ModelExpectations);
  readonly preprocessing?: Preprocessing;
  /** Output name in the ONNX graph for a single output. Default `logits` for a [N, classes] output, `features` for a feature map (a backbone). */
  readonly outputName?: string;
  /**
   * The module of an auxiliary head the model builds when `auxLoss` is set (`aux_classifier`).
   * A checkpoint that has it loads into a model built without it: its keys are left out, with a notice.
   */
  readonly auxHead?: string;
  /**
   * The module holding a classifier's layers (torchvision's weights_backbone): a checkpoint of
   * that classifier alone (resnet50's ImageNet weights, keys `conv1.weight`, ...) loads into
   * `<prefix>.*`, its `ignore` modules (the fc layer) left out and the heads initialized from
   * the seed, with a notice.
   */
  readonly backbone?: { readonly prefix: string; readonly ignore?: readonly string[] };
}

export interface DefinedModel extends ModelDefinition {
  readonly __netforgeModel: true;
  /** Where defineModel was called. */
  readonly definedAt?: SourceLoc;
}

/** A model: its definition, marked as one (model files export it) and located (errors about it point here). */
export function defineModel(def: ModelDefinition): DefinedModel {
  const at = callerLoc();
  return { ...def, __netforgeModel: true, ...(at !== undefined ? { definedAt: at } : {}) };
}

export function isDefinedModel(x: unknown): x is DefinedModel {
  return typeof x === 'object' && x !== null && (x as { __netforgeModel?: unknown }).__netforgeModel === true;
}

/** The model's expectations for these options, with `input` set to the reference size (where MACs are counted). */
export function expectationsFor(def: ModelDefinition, options: ModelOptions): ModelExpectations {
  const e = def.expect;
  if (e === undefined) return {};
  if (typeof e !== 'function') return e;
  const { reference } = resolveInputSpec(def, options);
  return e({ ...options, input: reference });
}

export interface BuildModelOptions extends ModelOptions {
  /**
   * Build even when an option set here (numClasses, replaceStrideWithDilation,
   * zeroInitResidual) is never read by the model's build function. Default false: that is
   * E_UNUSED_OPTION, naming the option and where the model is defined.
   */
  readonly allowUnusedOptions?: boolean;
}

/** Build the model's IR graph (params declared, not yet initialized). */
export function buildModel(def: ModelDefinition, options: BuildModelOptions = {}): Graph {
  const spec = resolveInputSpec(def, options);
  const at = (def as Partial<DefinedModel>).definedAt;
  const recorded = recordingOptions(options);
  const g = buildGraph(
    { name: def.name, input: spec.input, symbols: spec.symbols, ...(def.outputName ? { outputName: def.outputName } : {}), ...(at !== undefined ? { definedAt: at } : {}) },
    (x) => {
      // per-channel statistics only describe an input with that many channels
      if (def.preprocessing && def.preprocessing.mean.length === spec.input[0]) setMeta('netforge.preprocessing', JSON.stringify(def.preprocessing));
      return def.build(x, recorded.options as BuildOptions);
    },
  );
  const unread = unreadOptions(options, recorded.read);
  if (unread.length > 0 && options.allowUnusedOptions !== true) throw new UnusedOptionError(def.name, at, unread);
  return g;
}
