/**
 * The compiler pipeline as a library call: build the model's IR from its definition,
 * then run the passes under the pass manager (which verifies the IR after each):
 *
 *   infer-shapes -> verify-sizes -> verify-structure [-> load-state-dict] [-> freeze-backbone]
 *     [-> select-outputs -> eliminate-dead] -> init-params [-> randomize-batchnorm]
 *     [-> fold-batchnorm] -> eliminate-identity -> eliminate-dead [-> extra passes] [-> to-float16]
 */
import { totalmem } from 'node:os';
import type { Graph } from './ir/types.js';
import { MAX_SEED, isSeed } from './ir/random.js';
import { buildModel, expectationsFor, type BuildModelOptions, type ModelDefinition, type ModelOptions } from './dsl/model.js';
import { resolveInputSpec } from './dsl/inputSpec.js';
import { runPasses, type PassTrace } from './passes/manager.js';
import type { Pass } from './passes/pass.js';
import { inferShapesPass } from './passes/inferShapes.js';
import { verifyStructurePass } from './passes/verifyStructure.js';
import { initParams } from './passes/initParams.js';
import { analyze, type GraphStats } from './passes/analyze.js';
import { randomizeBatchNormPass } from './passes/randomizeBatchNorm.js';
import { foldBatchNormPassWith } from './passes/foldBatchNorm.js';
import { eliminateIdentityPass } from './passes/eliminateIdentity.js';
import { eliminateDeadPass } from './passes/eliminateDead.js';
import { selectOutputsPass } from './passes/selectOutputs.js';
import { verifySizesPass } from './passes/verifySizes.js';
import { freezeBackbone } from './passes/freezeBackbone.js';
import { prepareWeights, statePasses, type Notice, type PreparedWeights, type WeightsOption } from './pipeline/weights.js';
import { toFloat16Pass } from './passes/toFloat16.js';
import type { KeyRules } from './pipeline/adapt.js';
import { TENSOR_SLACK } from './weights/strided.js';
import { NetforgeError } from './errors.js';

export interface CompileOptions extends BuildModelOptions {
  /** Seed for parameter initialization. Default 0. */
  readonly seed?: number;
  /** Dump the IR after these passes. */
  readonly printAfter?: readonly string[];
  readonly print?: (text: string) => void;
  /**
   * Fold each BatchNormalization into the Conv before it (W' = W*s, b' = (b-mean)*s + beta,
   * s = gamma/sqrt(var+eps)). Default true; false keeps the BatchNormalization nodes.
   */
  readonly foldBatchNorm?: boolean;
  /**
   * Give BatchNorm random running statistics and affine params, for testing folding;
   * seeded by `seed`. Default false.
   */
  readonly randomizeBatchNorm?: boolean;
  /** Extra passes to run after the standard ones (before serialization). */
  readonly extraPasses?: readonly Pass[];
  /**
   * Storage and compute type. Default 'float32'. 'float16' runs to-float16 last (after
   * folding, which is done in float64): weights and activations in half precision, the
   * input and output stay float32 through Cast nodes at the boundary.
   */
  readonly dtype?: 'float32' | 'float16';
  /**
   * Weights to load by state_dict name, strictly (load-state-dict): a file (.pth zip or
   * legacy, .safetensors), a state dict from readWeights, or what resolveWeights returns
   * for a URL or `imagenet1k_v1`. With an explicit `numClasses` that differs from the
   * checkpoint's, the classifier is initialized from `seed` instead (a notice says so).
   */
  readonly weights?: WeightsOption;
  /**
   * false: load the weights like torch's `load_state_dict(sd, strict=False)`: params the
   * checkpoint lacks are initialized from `seed`, keys the model lacks are ignored (a
   * warning lists both); shapes must still match. Default true.
   */
  readonly strictWeights?: boolean;
  /** Mark every parameter except the classifier head as not trainable. Default false. */
  readonly freezeBackbone?: boolean;
  /**
   * Rewrite the checkpoint's keys before loading: `stripPrefix: ['model.']` for a Lightning
   * module's `self.model`, `rename: [{ pattern: /^backbone\./, replacement: '' }]` (or the
   * command line's `'^backbone\.='`). A rule that matches no key is an error (E_WEIGHTS_RENAME).
   */
  readonly weightsKeys?: KeyRules;
  /**
   * Input channels (the input becomes [inChans, H, W]). With weights, the checkpoint's first
   * convolution is adapted to it as timm's adapt_input_conv does: summed over RGB for 1,
   * repeated and scaled by 3/inChans for more.
   */
  readonly inChans?: number;
  /** Told each notice as it happens (before a failing load's error), as well as listed in the result. */
  readonly onNotice?: (n: Notice) => void;
}

export interface CompiledModel {
  /** The graph as the model defines it (PyTorch's view: BatchNorm present), verified. */
  readonly source: GraphStats;
  /** The final graph, ready for a backend. */
  readonly graph: Graph;
  readonly stats: GraphStats;
  readonly trace: readonly PassTrace[];
  /** What the user should know: the weights reader's notes, a replaced classifier head. */
  readonly notices: readonly Notice[];
}

/**
 * The front of every pipeline: shapes inferred, the declared expectations verified, weights
 * checked against the model (loaded by name, strictly unless told otherwise) and the
 * backbone frozen. compile() goes on from here; inspectModel() stops here.
 */
export function frontPasses(def: ModelDefinition, o: CompileOptions, weights?: PreparedWeights, notice: (n: Notice) => void = () => {}): Pass[] {
  // a fixed-size model's pipeline is what it always was: verify-sizes only for symbolic sizes
  const symbolic = resolveInputSpec(def, o).input.some((d) => typeof d === 'string');
  return [
    inferShapesPass,
    ...(symbolic ? [verifySizesPass] : []),
    verifyStructurePass(expectationsFor(def, o)),
    ...statePasses(def, o, weights, notice),
    // module outputs instead of the model's own: what no output needs goes right away
    ...(o.outputs !== undefined ? [selectOutputsPass(o.outputs), eliminateDeadPass] : []),
  ];
}

/** The passes `compile` runs, in order, by name; --print-after accepts these. */
export function standardPasses(def: ModelDefinition, o: CompileOptions, weights?: PreparedWeights, notice: (n: Notice) => void = () => {}): Pass[] {
  const seed = o.seed ?? 0;
  // Arrays init-params creates here belong to this pipeline alone: nothing outside it has
  // seen them, and the graph before folding is dropped, so folding may scale them in place
  // (saves a copy of every conv weight: 507 MB for wide_resnet101_2). Loaded weights are
  // the caller's and are never modified.
  const owned = new WeakSet<ArrayBufferView>();
  const initOwned: Pass = {
    name: 'init-params',
    run: (g, ctx) => {
      const out = initParams(g, seed, { maxBytes: totalmem() }, ctx);
      for (const [name, p] of out.params) if (p.data !== undefined && g.params.get(name)?.data === undefined) owned.add(p.data);
      return out;
    },
  };
  return [
    ...frontPasses(def, o, weights, notice),
    initOwned,
    ...(o.randomizeBatchNorm ? [randomizeBatchNormPass(seed)] : []),
    ...(o.foldBatchNorm ?? true ? [foldBatchNormPassWith({ reusable: (a) => owned.has(a) })] : []),
    eliminateIdentityPass,
    eliminateDeadPass,
    ...(o.extraPasses ?? []),
    ...(o.dtype === 'float16' ? [toFloat16Pass()] : []),
  ];
}

/** The options with `inChans` applied to the input shape: [inChans, H, W]. */
export function withInChans<T extends Pick<CompileOptions, 'inChans' | 'input'>>(def: ModelDefinition, o: T): T {
  if (o.inChans === undefined) return o;
  if (!Number.isInteger(o.inChans) || o.inChans < 1) {
    throw new NetforgeError({ code: 'E_BAD_ARG', message: `inChans must be a positive integer, got ${o.inChans}`, hint: 'e.g. 1 for grayscale, 4 for RGB + depth' });
  }
  if (o.input !== undefined && o.input.length === 3 && o.input[0] !== o.inChans) {
    throw new NetforgeError({ code: 'E_USAGE', message: `the input has ${o.input[0]} channels (--input-size ${o.input.join(',')}) but inChans (--in-chans) is ${o.inChans}`, hint: 'give the channels once: --in-chans N with --input-size H,W', exitCode: 2 });
  }
  const [, ...hw] = o.input ?? def.input;
  return { ...o, input: [o.inChans, ...hw] };
}

/**
 * Compile a model: build its IR, run the passes (see the file comment), and return the
 * graph ready for writeOnnx, with its statistics as defined and as compiled. Throws
 * NetforgeError for anything the definition, the options or the weights get wrong.
 *
 * ```ts
 * const c = compile(zoo.resnet50, { numClasses: 10, weights: 'resnet50.pth' });
 * writeOnnx('resnet50.onnx', c.graph);
 * ```
 */
export function compile(def: ModelDefinition, options: CompileOptions = {}): CompiledModel {
  const o = withInChans(def, options);
  if (o.weights !== undefined && o.randomizeBatchNorm) {
    throw new NetforgeError({
      code: 'E_USAGE',
      message: 'randomizeBatchNorm (--randomize-bn) would overwrite the BatchNorm statistics of the loaded weights',
      hint: 'drop --randomize-bn: loaded weights already have real statistics',
      exitCode: 2,
    });
  }
  if (o.seed !== undefined && !isSeed(o.seed)) {
    throw new NetforgeError({
      code: 'E_BAD_ARG',
      message: `seed must be an integer from 0 to ${MAX_SEED}, got ${o.seed}`,
      hint: 'seeds are 32-bit: values outside that range would repeat the weights of another seed',
    });
  }
  const notices: Notice[] = [];
  const notice = (n: Notice): void => {
    notices.push(n);
    o.onNotice?.(n);
  };
  const built = buildModel(def, o);
  // A checkpoint's tensors may take at most what this model's parameters could (8 bytes each, float64) plus slack.
  const weights = o.weights !== undefined ? prepareWeights(o.weights, notice, o.weightsKeys ?? {}, { maxTensorBytes: 8 * paramElements(built) + TENSOR_SLACK }) : undefined;
  // Freezing is part of the model as PyTorch sees it (requires_grad), so the source counts show it.
  const source = analyze(o.freezeBackbone ? freezeBackbone(built) : built);
  const { graph, trace } = runPasses(built, standardPasses(def, o, weights, notice), {
    ...(o.printAfter ? { printAfter: o.printAfter } : {}),
    ...(o.print ? { print: o.print } : {}),
  });
  const stats = analyze(graph);
  const meta = new Map(graph.meta);
  meta.set('netforge.model', def.name);
  meta.set('netforge.params', String(source.params));
  meta.set('netforge.macs', String(source.macs));
  meta.set('netforge.depth', `${source.depth} (conv ${source.mainPath.conv} + linear ${source.mainPath.linear})`);
  meta.set('netforge.trainable_params', String(source.trainableParams));
  meta.set('netforge.frozen_params', String(source.frozenParams));
  if (o.seed !== undefined) meta.set('netforge.seed', String(o.seed));
  return { source, graph: { ...graph, meta }, stats, trace, notices };
}

/** Elements of all the graph's params (weights and buffers). */
function paramElements(g: Graph): number {
  let n = 0;
  for (const p of g.params.values()) n += p.shape.reduce((a, b) => a * b, 1);
  return n;
}
