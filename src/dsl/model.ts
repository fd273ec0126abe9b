/** defineModel: a model is a description (input, build, expectations, preprocessing) plus options a CLI can set. */
import type { Graph, StructureExpectations } from '../ir/types.js';
import type { Tensor } from './builder.js';
import { buildGraph, setMeta } from './builder.js';
import { callerLoc } from './sourceLoc.js';
import type { SourceLoc } from '../ir/types.js';

/** Options the command line can set on any model (`--num-classes`, ...). */
export interface ModelOptions {
  /** Classifier outputs. Default: the model's own (1000 for ImageNet models). */
  readonly numClasses?: number;
  /** Replace stride by dilation in the stages after the first (`--replace-stride-with-dilation`). */
  readonly replaceStrideWithDilation?: readonly boolean[];
  /** `--zero-init-residual`. */
  readonly zeroInitResidual?: boolean;
  /** Input [C, H, W]; default the model's. */
  readonly input?: readonly number[];
}

declare const checkedAtBuild: unique symbol;
/**
 * replaceStrideWithDilation as a caller (the command line, compile()) hands it to a model's
 * build function: its length is not known to the type system, so resnet() accepts it and
 * checks it when the model is built (E_DILATION_LENGTH). Literals in a model's own code
 * must instead match its stage count at compile time (DilationFlags).
 */
export type CallerDilationFlags = readonly boolean[] & { readonly [checkedAtBuild]: true };

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
  /** Input shape without batch: [C, H, W]. */
  readonly input: readonly number[];
  /** Build the network from the input tensor. */
  readonly build: (x: Tensor, options: BuildOptions) => Tensor;
  /** Expectations, or a function of the options (a different numClasses changes params). */
  readonly expect?: ModelExpectations | ((options: ModelOptions) => ModelExpectations);
  readonly preprocessing?: Preprocessing;
  /** Output name in the ONNX graph. Default `logits` for a [N, classes] output, `features` for a feature map (a backbone). */
  readonly outputName?: string;
}

export interface DefinedModel extends ModelDefinition {
  readonly __netforgeModel: true;
  /** Where defineModel was called. */
  readonly definedAt?: SourceLoc;
}

export function defineModel(def: ModelDefinition): DefinedModel {
  const at = callerLoc();
  return { ...def, __netforgeModel: true, ...(at !== undefined ? { definedAt: at } : {}) };
}

export function isDefinedModel(x: unknown): x is DefinedModel {
  return typeof x === 'object' && x !== null && (x as { __netforgeModel?: unknown }).__netforgeModel === true;
}

export function expectationsFor(def: ModelDefinition, options: ModelOptions): ModelExpectations {
  const e = def.expect;
  if (e === undefined) return {};
  return typeof e === 'function' ? e(options) : e;
}

/** Build the model's IR graph (params declared, not yet initialized). */
export function buildModel(def: ModelDefinition, options: ModelOptions = {}): Graph {
  const input = options.input ?? def.input;
  return buildGraph({ name: def.name, input, ...(def.outputName ? { outputName: def.outputName } : {}) }, (x) => {
    if (def.preprocessing) setMeta('netforge.preprocessing', JSON.stringify(def.preprocessing));
    return def.build(x, options as BuildOptions);
  });
}
