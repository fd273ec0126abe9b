/**
 * Primitive layers, named and defaulted like torch.nn. Each factory takes the input
 * tensor and an options object; every field documents its default.
 */
import type { Tensor } from './builder.js';
import { claimModule, declareParam, emit, modulePath, userError } from './builder.js';
import { MAX_CHANNELS, bool, layerSite, nonNegInt, pair, positiveInt, positiveNumber, siteName, tensorArg, where, type Site } from './validate.js';

function channels(fn: Site, x: Tensor): number {
  const c = x.shape[1];
  if (typeof c !== 'number') throw userError('E_SHAPE_RANK', `${siteName(fn)} needs a known channel dimension, input is [${x.shape.join(', ')}]`, undefined, where(fn));
  return c;
}

export interface Conv2dOptions {
  /** Module name in the current scope (`conv1`); becomes `conv1.weight` in the state dict. */
  readonly name: string;
  /** Output channels (PyTorch's `out_channels`). */
  readonly outChannels: number;
  /** Kernel size, a number or [kh, kw]. */
  readonly kernel: number | readonly [number, number];
  /** Default 1. */
  readonly stride?: number | readonly [number, number];
  /** Zero padding on each side, a number or [ph, pw]. Default 0. */
  readonly padding?: number | readonly [number, number];
  /** Default 1. The kernel's effective extent is dilation*(k-1)+1. */
  readonly dilation?: number | readonly [number, number];
  /** Default 1. Input and output channels must both be divisible by it. */
  readonly groups?: number;
  /** Default true, as in torch.nn.Conv2d (ResNets pass false: BatchNorm follows). */
  readonly bias?: boolean;
  /** Call an already defined layer of this name again, sharing its weights. Default false. */
  readonly reuse?: boolean;
}

/** torch.nn.Conv2d. Weight init: kaiming_normal_(mode='fan_out', nonlinearity='relu') as torchvision's ResNet does. */
export function conv2d(x: Tensor, o: Conv2dOptions): Tensor {
  const site = layerSite('conv2d', o.name);
  tensorArg(site, x);
  const cin = channels(site, x);
  const cout = positiveInt(site, 'outChannels', o.outChannels, MAX_CHANNELS);
  const kernel = pair(site, 'kernel', o.kernel);
  const stride = pair(site, 'stride', o.stride ?? 1);
  const padding = pair(site, 'padding', o.padding ?? 0, true);
  const dilation = pair(site, 'dilation', o.dilation ?? 1);
  const groups = positiveInt(site, 'groups', o.groups ?? 1, MAX_CHANNELS);
  const hasBias = bool(site, 'bias', o.bias ?? true);
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw userError(
      'E_GROUPS',
      `conv2d ${modulePath(o.name)}: groups=${groups} must divide input channels (${cin}) and outChannels (${cout})`,
      'choose groups that divides both channel counts',
      { module: modulePath(o.name) },
    );
  }
  const module = modulePath(o.name);
  claimModule(module, o.reuse);
  const fanOut = cout * kernel[0] * kernel[1];
  const fanIn = (cin / groups) * kernel[0] * kernel[1];
  const weight = declareParam(module, {
    name: 'weight',
    shape: [cout, cin / groups, kernel[0], kernel[1]],
    role: 'weight',
    init: { kind: 'kaimingNormalFanOut', fanOut },
  });
  const params = [weight];
  if (hasBias) params.push(declareParam(module, { name: 'bias', shape: [cout], role: 'bias', init: { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) } }));
  return emit('Conv', module, [x], params, {
    kernel,
    stride,
    pads: [padding[0], padding[1], padding[0], padding[1]],
    dilation,
    groups,
  });
}

export interface BatchNorm2dOptions {
  readonly name: string;
  /** Default 1e-5, as torch.nn.BatchNorm2d. */
  readonly eps?: number;
  /** Default 0.1. Recorded (training only). */
  readonly momentum?: number;
  /** Initialize gamma to 0 instead of 1 (zero_init_residual). Default false. */
  readonly zeroInit?: boolean;
}

/** torch.nn.BatchNorm2d in inference mode: gamma, beta, running_mean, running_var. Channels come from the input. */
export function batchNorm2d(x: Tensor, o: BatchNorm2dOptions): Tensor {
  const site = layerSite('batchNorm2d', o.name);
  tensorArg(site, x);
  const c = channels(site, x);
  const eps = positiveNumber(site, 'eps', o.eps ?? 1e-5);
  const momentum = o.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw userError('E_BAD_ARG', `batchNorm2d expected \`momentum\` to be a number in [0, 1] but got ${String(momentum)}`);
  }
  const module = modulePath(o.name);
  claimModule(module);
  const ps = [
    declareParam(module, { name: 'weight', shape: [c], role: 'weight', init: { kind: 'const', value: o.zeroInit ? 0 : 1 } }),
    declareParam(module, { name: 'bias', shape: [c], role: 'bias', init: { kind: 'const', value: 0 } }),
    declareParam(module, { name: 'running_mean', shape: [c], role: 'running_mean', init: { kind: 'const', value: 0 }, isParameter: false }),
    declareParam(module, { name: 'running_var', shape: [c], role: 'running_var', init: { kind: 'const', value: 1 }, isParameter: false }),
  ];
  return emit('BatchNormalization', module, [x], ps, { eps, momentum });
}

export interface NamedOptions {
  /** Module name; default the op's PyTorch attribute name (`relu`, `add`, ...). Reusing a name is allowed for parameter-free ops. */
  readonly name?: string;
}

/** torch.nn.ReLU. Calling it several times in one block (as torchvision does) yields relu, relu_1, ... nodes. */
export function relu(x: Tensor, o: NamedOptions = {}): Tensor {
  const site = layerSite('relu', o.name ?? 'relu');
  tensorArg(site, x);
  return emit('Relu', modulePath(o.name ?? 'relu'), [x], [], {});
}

export function sigmoid(x: Tensor, o: NamedOptions = {}): Tensor {
  const site = layerSite('sigmoid', o.name ?? 'sigmoid');
  tensorArg(site, x);
  return emit('Sigmoid', modulePath(o.name ?? 'sigmoid'), [x], [], {});
}

/** Residual addition `out += identity`. Shapes must match (broadcasting is allowed for [N, C, 1, 1]). */
export function add(a: Tensor, b: Tensor, o: NamedOptions = {}): Tensor {
  const site = layerSite('add', o.name ?? 'add');
  tensorArg(site, a);
  tensorArg(site, b);
  return emit('Add', modulePath(o.name ?? 'add'), [a, b], [], {});
}

/** Elementwise product with broadcasting (e.g. squeeze-and-excitation scaling). */
export function mul(a: Tensor, b: Tensor, o: NamedOptions = {}): Tensor {
  const site = layerSite('mul', o.name ?? 'mul');
  tensorArg(site, a);
  tensorArg(site, b);
  return emit('Mul', modulePath(o.name ?? 'mul'), [a, b], [], {});
}

export interface PoolOptions extends NamedOptions {
  readonly kernel: number | readonly [number, number];
  /** Default: the kernel size, as in PyTorch. */
  readonly stride?: number | readonly [number, number];
  /** Default 0. */
  readonly padding?: number | readonly [number, number];
  /** Default false. */
  readonly ceilMode?: boolean;
}

/** torch.nn.MaxPool2d (name default `maxpool`). */
export function maxPool2d(x: Tensor, o: PoolOptions): Tensor {
  const site = layerSite('maxPool2d', o.name ?? 'maxpool');
  tensorArg(site, x);
  const kernel = pair(site, 'kernel', o.kernel);
  const stride = pair(site, 'stride', o.stride ?? kernel);
  const p = pair(site, 'padding', o.padding ?? 0, true);
  if (p[0] * 2 > kernel[0] || p[1] * 2 > kernel[1]) {
    throw userError('E_BAD_ARG', `maxPool2d padding ${p.join('x')} must be at most half the kernel ${kernel.join('x')}`, 'PyTorch rejects this too');
  }
  return emit('MaxPool', modulePath(o.name ?? 'maxpool'), [x], [], {
    kernel,
    stride,
    pads: [p[0], p[1], p[0], p[1]],
    ceilMode: o.ceilMode ?? false,
  });
}

export interface AvgPoolOptions extends PoolOptions {
  /** Default true, as torch.nn.AvgPool2d. */
  readonly countIncludePad?: boolean;
}

/** torch.nn.AvgPool2d (name default `avgpool`), e.g. the ResNet-D shortcut. */
export function avgPool2d(x: Tensor, o: AvgPoolOptions): Tensor {
  const site = layerSite('avgPool2d', o.name ?? 'avgpool');
  tensorArg(site, x);
  const kernel = pair(site, 'kernel', o.kernel);
  const stride = pair(site, 'stride', o.stride ?? kernel);
  const p = pair(site, 'padding', o.padding ?? 0, true);
  return emit('AveragePool', modulePath(o.name ?? 'avgpool'), [x], [], {
    kernel,
    stride,
    pads: [p[0], p[1], p[0], p[1]],
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? true,
  });
}

export interface AdaptiveAvgPoolOptions extends NamedOptions {
  /** Only 1 (global pooling) is supported. Default 1. */
  readonly outputSize?: 1 | readonly [1, 1];
}

/** torch.nn.AdaptiveAvgPool2d((1, 1)) (name default `avgpool`) -> GlobalAveragePool. */
export function adaptiveAvgPool2d(x: Tensor, o: AdaptiveAvgPoolOptions = {}): Tensor {
  const site = layerSite('adaptiveAvgPool2d', o.name ?? 'avgpool');
  tensorArg(site, x);
  const os = o.outputSize ?? 1;
  if (!(os === 1 || (Array.isArray(os) && os[0] === 1 && os[1] === 1))) {
    throw userError('E_UNSUPPORTED', `adaptiveAvgPool2d supports outputSize 1 only, got ${JSON.stringify(os)}`, 'use avgPool2d with an explicit kernel for other sizes');
  }
  return emit('GlobalAveragePool', modulePath(o.name ?? 'avgpool'), [x], [], {});
}

export interface FlattenOptions extends NamedOptions {
  /** Default 1 (keep the batch dimension), as torch.flatten(x, 1). */
  readonly startDim?: number;
}

export function flatten(x: Tensor, o: FlattenOptions = {}): Tensor {
  const site = layerSite('flatten', o.name ?? 'flatten');
  tensorArg(site, x);
  const axis = nonNegInt(site, 'startDim', o.startDim ?? 1, x.shape.length);
  return emit('Flatten', modulePath(o.name ?? 'flatten'), [x], [], { axis });
}

export interface LinearOptions {
  readonly name: string;
  readonly outFeatures: number;
  /** Checked against the input when given; inferred otherwise. */
  readonly inFeatures?: number;
  /** Default true. */
  readonly bias?: boolean;
}

/** torch.nn.Linear -> Gemm(transB=1). Init: PyTorch's default (kaiming_uniform_ a=sqrt(5): U(+-1/sqrt(fan_in)); bias the same bound). */
export function linear(x: Tensor, o: LinearOptions): Tensor {
  const site = layerSite('linear', o.name);
  tensorArg(site, x);
  const out = positiveInt(site, 'outFeatures', o.outFeatures, MAX_CHANNELS * 16);
  const have = x.shape[1];
  const inF = o.inFeatures === undefined ? have : positiveInt(site, 'inFeatures', o.inFeatures, MAX_CHANNELS * 64);
  if (typeof inF !== 'number') throw userError('E_SHAPE_RANK', `linear needs a known feature dimension, input is [${x.shape.join(', ')}]`);
  const module = modulePath(o.name);
  claimModule(module);
  const bound = 1 / Math.sqrt(inF);
  const params = [declareParam(module, { name: 'weight', shape: [out, inF], role: 'weight', init: { kind: 'uniform', bound } })];
  if (o.bias ?? true) params.push(declareParam(module, { name: 'bias', shape: [out], role: 'bias', init: { kind: 'uniform', bound } }));
  return emit('Gemm', module, [x], params, {});
}

export interface PadOptions extends NamedOptions {
  /** ONNX order: begins for every axis, then ends. */
  readonly pads: readonly number[];
  /** Default 0. */
  readonly value?: number;
}

export function pad(x: Tensor, o: PadOptions): Tensor {
  const site = layerSite('pad', o.name ?? 'pad');
  tensorArg(site, x);
  o.pads.forEach((p, i) => nonNegInt(site, `pads[${i}]`, p, MAX_CHANNELS));
  return emit('Pad', modulePath(o.name ?? 'pad'), [x], [], { pads: o.pads, value: o.value ?? 0 });
}

export interface SliceOptions extends NamedOptions {
  readonly axes: readonly number[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Default 1 for every axis. */
  readonly steps?: readonly number[];
}

export function slice(x: Tensor, o: SliceOptions): Tensor {
  const site = layerSite('slice', o.name ?? 'slice');
  tensorArg(site, x);
  return emit('Slice', modulePath(o.name ?? 'slice'), [x], [], {
    axes: o.axes,
    starts: o.starts,
    ends: o.ends,
    steps: o.steps ?? o.axes.map(() => 1),
  });
}
