/** makeLayer and resnet(): torchvision's ResNet._make_layer and ResNet.__init__/forward, as DSL functions. */
import type { Tensor } from './builder.js';
import { recordModule, scope, setMeta, userError } from './builder.js';
import type { BlockDef } from './block.js';
import type { CallerDilationFlags } from './model.js';
import { adaptiveAvgPool2d, batchNorm2d, conv2d, flatten, linear, maxPool2d, relu } from './layers.js';
import { shortcutFor, type ShortcutOption } from './shortcut.js';
import { MAX_CHANNELS, bool, positiveInt } from './validate.js';
import type { TypeRule } from './typeRule.js';

export interface MakeLayerOptions<O extends object> {
  readonly block: BlockDef<O>;
  readonly planes: number;
  readonly blocks: number;
  /** Default 1. */
  readonly stride?: number;
  /** Replace this stage's stride by dilation. Default false. */
  readonly dilate?: boolean;
  /** The dilation reached so far (torchvision's self.dilation). Default 1. */
  readonly dilation?: number;
  /** Default 'B'. */
  readonly shortcut?: ShortcutOption;
  /** Default false. */
  readonly zeroInitResidual?: boolean;
  /** Block options (Bottleneck: groups, widthPerGroup, strideOn); a block without options (BasicBlock) takes none. */
  readonly blockOptions?: BlockOptionsOf<O>;
}

/** What a block without options (BasicBlock) takes as blockOptions: nothing; any key is a type error quoting this rule. */
export type NoBlockOptions = { readonly [key: string]: TypeRule<'this block takes no blockOptions: groups, widthPerGroup and strideOn are options of bottleneck (or of your own block)'> };

/** The options a block takes; for one that has none (BasicBlock), an object literal with any key is a type error that states the rule. */
export type BlockOptionsOf<O extends object> = [keyof O] extends [never] ? NoBlockOptions : Partial<O>;

/** One flag per stage after the first, labelled with the stage it dilates (how a type error shows them), for up to 8 stages. */
type StageFlags = [
  readonly [],
  readonly [layer2: boolean],
  readonly [layer2: boolean, layer3: boolean],
  readonly [layer2: boolean, layer3: boolean, layer4: boolean],
  readonly [layer2: boolean, layer3: boolean, layer4: boolean, layer5: boolean],
  readonly [layer2: boolean, layer3: boolean, layer4: boolean, layer5: boolean, layer6: boolean],
  readonly [layer2: boolean, layer3: boolean, layer4: boolean, layer5: boolean, layer6: boolean, layer7: boolean],
  readonly [layer2: boolean, layer3: boolean, layer4: boolean, layer5: boolean, layer6: boolean, layer7: boolean, layer8: boolean],
];

/**
 * One boolean per stage after the first: for `layers: [3, 4, 6, 3]` the type is
 * `readonly [layer2: boolean, layer3: boolean, layer4: boolean]`, so a list of the wrong
 * length does not compile, and the error says so ("Source has 2 element(s) but target
 * requires 3", the stages named). Layers known only at run time (`number[]`) get
 * `readonly boolean[]`, checked when built.
 */
export type DilationFlags<L extends readonly number[]> = L extends readonly [number, ...infer Rest]
  ? Rest['length'] extends keyof StageFlags & number
    ? StageFlags[Rest['length']]
    : { readonly [K in keyof Rest]: boolean }
  : readonly boolean[];

/**
 * One stage: `blocks` blocks named 0..blocks-1 in the current scope. With `dilate`, the
 * stride becomes dilation; the first block keeps the previous dilation (torchvision).
 * Returns the output and the dilation for the next stage.
 */
export function makeLayer<O extends object>(x: Tensor, o: MakeLayerOptions<O>): { readonly out: Tensor; readonly dilation: number } {
  const planes = positiveInt('makeLayer', 'planes', o.planes, MAX_CHANNELS);
  const blocks = positiveInt('makeLayer', 'blocks', o.blocks, 10_000);
  let stride = positiveInt('makeLayer', 'stride', o.stride ?? 1, 64);
  const previousDilation = positiveInt('makeLayer', 'dilation', o.dilation ?? 1, 1024);
  let dilation = previousDilation;
  if (bool('makeLayer', 'dilate', o.dilate ?? false)) {
    dilation *= stride;
    stride = 1;
  }
  const outChannels = planes * o.block.expansion;
  const inplanes = x.shape[1];
  const needed = stride !== 1 || inplanes !== outChannels;
  const common = { planes, zeroInitResidual: o.zeroInitResidual ?? false, ...(o.blockOptions ?? {}) };
  recordModule({ kind: 'stage', type: 'Sequential' });
  let y = x;
  for (let i = 0; i < blocks; i++) {
    const first = i === 0;
    const downsample = shortcutFor(o.shortcut ?? 'B', first && needed, { outChannels, stride: first ? stride : 1 });
    const args = {
      ...common,
      stride: first ? stride : 1,
      dilation: first ? previousDilation : dilation,
      ...(downsample ? { downsample } : {}),
    };
    y = scope(i, () => o.block.build(y, args as Parameters<BlockDef<O>['build']>[1]));
  }
  return { out: y, dilation };
}

/** resnet()'s stem: torchvision's (7x7/2 conv + 3x3/2 max pool), the CIFAR paper's (3x3 conv, 16 filters), or your own function. */
export type Stem = 'imagenet' | 'cifar' | ((x: Tensor) => Tensor);

export interface ResNetCommonOptions<L extends readonly number[] = readonly number[]> {
  /** Blocks per stage, e.g. [3, 4, 6, 3] for ResNet-50. */
  readonly layers: L;
  /** Classifier outputs. Default 1000; 0 ends at the pooled features (no classifier). */
  readonly numClasses?: number;
  /** Default true; false ends at the last stage's feature map (a backbone). */
  readonly includeTop?: boolean;
  /** Zero-init the last BN of each block. Default false. */
  readonly zeroInitResidual?: boolean;
  /** One boolean per stage after the first (a 3-tuple for 4 stages): replace its stride with dilation. Default all false. */
  readonly replaceStrideWithDilation?: DilationFlags<L> | CallerDilationFlags;
  /** Shortcut option from the paper. Default 'B' (torchvision). */
  readonly shortcut?: ShortcutOption;
  /** Default 'imagenet' (7x7/2 conv + 3x3/2 max pool); 'cifar' is a 3x3 conv with 16 filters. */
  readonly stem?: Stem;
  /** Planes per stage. Default [64, 128, 256, 512] (imagenet stem) or [16, 32, 64] (cifar stem). */
  readonly widths?: readonly number[];
}

/** Everything resnet() takes: the common options, the block, and the block's own options (Bottleneck: groups, widthPerGroup, strideOn). */
export type ResNetOptions<O extends object, L extends readonly number[] = readonly number[]> = ResNetCommonOptions<L> & { readonly block: BlockDef<O> } & Partial<O>;

const COMMON_KEYS = new Set(['layers', 'numClasses', 'includeTop', 'zeroInitResidual', 'replaceStrideWithDilation', 'shortcut', 'stem', 'widths', 'block']);

function imagenetStem(x: Tensor): Tensor {
  const y = conv2d(x, { name: 'conv1', outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false });
  return maxPool2d(relu(batchNorm2d(y, { name: 'bn1' })), { kernel: 3, stride: 2, padding: 1 });
}

function cifarStem(x: Tensor): Tensor {
  const y = conv2d(x, { name: 'conv1', outChannels: 16, kernel: 3, padding: 1, bias: false });
  return relu(batchNorm2d(y, { name: 'bn1' }));
}

/** An example of the right flags for `stages` stages: dilate all but the second stage (output stride 8 for four). */
function dilationHint(stages: number): string {
  const n = stages - 1;
  if (n === 0) return 'a one-stage ResNet takes an empty list: there is no stride to replace';
  const example = Array.from({ length: n }, (_, i) => (n === 1 || i > 0 ? 'true' : 'false'));
  return `this ${stages}-stage ResNet takes ${n} boolean${n === 1 ? '' : 's'}, e.g. [${example.join(', ')}]`;
}

/** torchvision.models.resnet.ResNet as one function: stem, stages layer1..layerK, avgpool, fc. */
export function resnet<O extends object, const L extends readonly number[] = readonly number[]>(x: Tensor, o: ResNetOptions<O, L>): Tensor {
  const { stages, numClasses } = resnetBody(x, o, o.includeTop !== false);
  const y = stages[stages.length - 1]!;
  if (o.includeTop === false) return y;
  const pooled = flatten(adaptiveAvgPool2d(y));
  return numClasses === 0 ? pooled : linear(pooled, { name: 'fc', outFeatures: numClasses });
}

/**
 * A ResNet without avgpool and fc: the stem, then stages layer1..layerK, returning every
 * stage's output in order (what torchvision's IntermediateLayerGetter hands a segmentation
 * head: layer3 for the auxiliary head, layer4 for the main one). `numClasses` and
 * `includeTop` are ignored.
 */
export function resnetStages<O extends object, const L extends readonly number[] = readonly number[]>(x: Tensor, o: ResNetOptions<O, L>): readonly Tensor[] {
  return resnetBody(x, o, false).stages;
}

function resnetBody<O extends object, L extends readonly number[]>(x: Tensor, o: ResNetOptions<O, L>, top: boolean): { readonly stages: readonly Tensor[]; readonly numClasses: number } {
  if (typeof o !== 'object' || o === null || typeof o.block !== 'object' || typeof o.block.build !== 'function') {
    throw userError('E_BAD_ARG', 'resnet expected options with a `block` (basicBlock, bottleneck or your own block())', 'pass { block: bottleneck, layers: [3, 4, 6, 3] }');
  }
  const layers = o.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw userError('E_BAD_ARG', `resnet expected \`layers\` to be a non-empty array of block counts but got ${JSON.stringify(layers)}`);
  }
  layers.forEach((n, i) => positiveInt('resnet', `layers[${i}]`, n, 10_000));
  const stem = o.stem ?? 'imagenet';
  const widths = o.widths ?? (stem === 'cifar' ? [16, 32, 64] : [64, 128, 256, 512]);
  if (widths.length !== layers.length) {
    throw userError('E_BAD_ARG', `resnet has ${layers.length} stages in \`layers\` but ${widths.length} in \`widths\``, 'give one width per stage');
  }
  const rswd = o.replaceStrideWithDilation ?? layers.slice(1).map(() => false);
  if (!Array.isArray(rswd) || rswd.length !== layers.length - 1 || rswd.some((b) => typeof b !== 'boolean')) {
    throw userError(
      'E_DILATION_LENGTH',
      `replaceStrideWithDilation should have ${layers.length - 1} booleans (one per stage after the first), got ${JSON.stringify(rswd)}`,
      dilationHint(layers.length),
      { option: 'replaceStrideWithDilation' },
    );
  }
  // 0: no classifier, the pooled features are the output (timm's num_classes=0)
  const numClasses = !top || o.numClasses === 0 ? 0 : positiveInt('resnet', 'numClasses', o.numClasses ?? 1000, MAX_CHANNELS * 16);
  const blockOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!COMMON_KEYS.has(k)) blockOptions[k] = v;

  setMeta(
    'netforge.config',
    JSON.stringify({
      block: o.block.kind,
      layers,
      widths,
      numClasses: top ? numClasses : null,
      replaceStrideWithDilation: rswd,
      zeroInitResidual: o.zeroInitResidual ?? false,
      shortcut: typeof o.shortcut === 'function' ? 'custom' : (o.shortcut ?? 'B'),
      stem: typeof stem === 'function' ? 'custom' : stem,
      ...blockOptions,
    }),
  );

  let y = stem === 'imagenet' ? imagenetStem(x) : stem === 'cifar' ? cifarStem(x) : stem(x);
  let dilation = 1;
  const stages: Tensor[] = [];
  layers.forEach((blocks, i) => {
    const r = scope(`layer${i + 1}`, () =>
      makeLayer(y, {
        block: o.block,
        planes: widths[i]!,
        blocks,
        stride: i === 0 ? 1 : 2,
        dilate: i === 0 ? false : rswd[i - 1]!,
        dilation,
        shortcut: o.shortcut ?? 'B',
        zeroInitResidual: o.zeroInitResidual ?? false,
        blockOptions: blockOptions as BlockOptionsOf<O>,
      }),
    );
    y = r.out;
    dilation = r.dilation;
    stages.push(y);
  });
  return { stages, numClasses };
}
