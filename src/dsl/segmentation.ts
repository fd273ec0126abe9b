/**
 * torchvision's dense-prediction heads (torchvision.models.segmentation), with its module
 * names, so its state_dicts load by name:
 *
 * - aspp: ASPP (Chen et al. 2017): `convs.0` a 1x1 branch, `convs.1..k` one dilated 3x3
 *   branch per rate, `convs.{k+1}` image pooling (global average, 1x1, back to the map's
 *   size), joined along channels, then `project` (1x1 + BatchNorm + ReLU + Dropout 0.5).
 * - deeplabHead: DeepLabHead, `0` ASPP, `1` 3x3 conv, `2` BatchNorm, `3` ReLU, `4` the 1x1
 *   classifier.
 * - fcnHead: FCNHead, `0` 3x3 conv to in/4 channels, `1` BatchNorm, `2` ReLU, `3` Dropout
 *   0.1, `4` the 1x1 classifier (also the auxiliary head on layer3).
 *
 * Each head builds in its own scope (`classifier`, `aux_classifier`), recorded as a head, and
 * ASPP as a block of it, so summary and report show them for what they are.
 */
import type { Tensor } from './builder.js';
import { modulePath, recordModule, scope, userError } from './builder.js';
import { adaptiveAvgPool2d, batchNorm2d, conv2d, relu } from './layers.js';
import { concat, dropout, interpolate } from './tensorOps.js';
import { MAX_CHANNELS, MAX_KERNEL, positiveInt } from './validate.js';
import { formatDim } from '../ir/dim.js';

/** At least one rate: `[]` does not type-check. */
export type AtrousRates = readonly [number, ...number[]];

export interface AsppOptions {
  /** Dilation of each 3x3 branch (torchvision's atrous_rates): [12, 24, 36] at output stride 8, [6, 12, 18] at 16. */
  readonly rates: AtrousRates;
  /** Output channels of every branch and of the projection. Default 256. */
  readonly channels?: number;
  /** Dropout after the projection. Default 0.5. */
  readonly dropout?: number;
}

function channelsOf(fn: string, x: Tensor): number {
  const c = x.shape[1];
  if (x.shape.length !== 4 || typeof c !== 'number') {
    throw userError('E_SHAPE_RANK', `${fn} takes a feature map [N, C, H, W] with a known C, got [${x.shape.map(formatDim).join(', ')}]`, 'apply it to a backbone stage\'s output');
  }
  return c;
}

/** conv -> BatchNorm -> ReLU as one nn.Sequential (`0`, `1`, `2`). */
function convBnRelu(x: Tensor, channels: number, kernel: 1 | 3, dilation = 1): Tensor {
  const y = conv2d(x, { name: '0', outChannels: channels, kernel, padding: kernel === 3 ? dilation : 0, dilation, bias: false });
  return relu(batchNorm2d(y, { name: '1' }), { name: '2' });
}

/** torchvision's ASPP, built in the current scope (recorded as a block). */
export function aspp(x: Tensor, o: AsppOptions): Tensor {
  channelsOf('aspp', x);
  if (!Array.isArray(o.rates) || o.rates.length === 0) throw userError('E_BAD_ARG', `aspp expected \`rates\` to be a non-empty list of dilation rates but got ${JSON.stringify(o.rates)}`, 'e.g. rates: [12, 24, 36] (output stride 8) or [6, 12, 18] (16)');
  const rates = o.rates.map((r, i) => positiveInt({ fn: 'aspp', module: modulePath() }, `rates[${i}]`, r, MAX_KERNEL));
  const channels = positiveInt('aspp', 'channels', o.channels ?? 256, MAX_CHANNELS);
  recordModule({ kind: 'block', type: 'ASPP' });
  const branches = scope('convs', () => [
    scope(0, () => convBnRelu(x, channels, 1)),
    ...rates.map((r, i) => scope(i + 1, () => convBnRelu(x, channels, 3, r))),
    scope(rates.length + 1, () => {
      const pooled = adaptiveAvgPool2d(x, { name: '0' });
      const y = conv2d(pooled, { name: '1', outChannels: channels, kernel: 1, bias: false });
      return interpolate(relu(batchNorm2d(y, { name: '2' }), { name: '3' }), { size: x });
    }),
  ]);
  const joined = concat(branches as [Tensor, ...Tensor[]], { axis: 1 });
  return scope('project', () => dropout(convBnRelu(joined, channels, 1), { name: '3', p: o.dropout ?? 0.5 }));
}

/** The channel count a head was built for, when its caller says (torchvision's in_channels): checked against the map. */
function checkInChannels(fn: string, name: string, x: Tensor, inChannels: number | undefined): number {
  const c = channelsOf(fn, x);
  if (inChannels !== undefined && positiveInt(fn, 'inChannels', inChannels, MAX_CHANNELS) !== c) {
    throw userError(
      'E_SHAPE_MISMATCH',
      `${fn} ${name} was built for ${inChannels} input channels but its input has ${c} (shape [${x.shape.map(formatDim).join(', ')}])`,
      c === inChannels / 2
        ? 'the map looks like the stage before the one the head was meant for (each ResNet stage doubles the channels: layer3 has half of layer4\'s); feed it the next stage, or set inChannels to ' + c
        : 'feed it the feature map it was built for, or change inChannels',
      { module: modulePath(name) },
    );
  }
  return c;
}

export interface DeepLabHeadOptions {
  /** Module name. Default `classifier`. */
  readonly name?: string;
  /** Output channels of the last 1x1 conv (classes, background included). */
  readonly numClasses: number;
  /** ASPP rates. Default [12, 24, 36] (torchvision; for output stride 8). */
  readonly rates?: AtrousRates;
  /** Channels of ASPP and the 3x3 conv. Default 256. */
  readonly channels?: number;
  /** The input channels the head is meant for (2048 on a ResNet-50's layer4): checked. Default: whatever the input has. */
  readonly inChannels?: number;
}

/** torchvision's DeepLabHead: ASPP, 3x3 conv + BatchNorm + ReLU, 1x1 classifier (with bias). */
export function deeplabHead(x: Tensor, o: DeepLabHeadOptions): Tensor {
  const name = o.name ?? 'classifier';
  checkInChannels('deeplabHead', name, x, o.inChannels);
  const classes = positiveInt('deeplabHead', 'numClasses', o.numClasses, MAX_CHANNELS);
  const channels = positiveInt('deeplabHead', 'channels', o.channels ?? 256, MAX_CHANNELS);
  return scope(
    name,
    () => {
      const a = scope(0, () => aspp(x, { rates: o.rates ?? [12, 24, 36], channels }));
      const y = conv2d(a, { name: '1', outChannels: channels, kernel: 3, padding: 1, bias: false });
      return conv2d(relu(batchNorm2d(y, { name: '2' }), { name: '3' }), { name: '4', outChannels: classes, kernel: 1 });
    },
    { kind: 'head', type: 'DeepLabHead' },
  );
}

export interface FcnHeadOptions {
  /** Module name. Default `classifier` (`aux_classifier` for the auxiliary head on layer3). */
  readonly name?: string;
  /** Output channels of the last 1x1 conv (torchvision's `channels`: the classes). */
  readonly numClasses: number;
  /** The input channels the head is meant for (2048 on layer4, 1024 on layer3): checked. Default: whatever the input has. */
  readonly inChannels?: number;
  /** Default 0.1. */
  readonly dropout?: number;
}

/** torchvision's FCNHead: 3x3 conv to in/4 channels + BatchNorm + ReLU + Dropout, 1x1 classifier (with bias). */
export function fcnHead(x: Tensor, o: FcnHeadOptions): Tensor {
  const name = o.name ?? 'classifier';
  const c = checkInChannels('fcnHead', name, x, o.inChannels);
  const classes = positiveInt('fcnHead', 'numClasses', o.numClasses, MAX_CHANNELS);
  const inter = Math.floor(c / 4);
  if (inter < 1) throw userError('E_BAD_ARG', `fcnHead ${name} needs at least 4 input channels (its 3x3 conv has in/4), got ${c}`, 'apply it to a backbone stage\'s output', { module: modulePath(name) });
  return scope(
    name,
    () => {
      const y = conv2d(x, { name: '0', outChannels: inter, kernel: 3, padding: 1, bias: false });
      const z = dropout(relu(batchNorm2d(y, { name: '1' }), { name: '2' }), { name: '3', p: o.dropout ?? 0.1 });
      return conv2d(z, { name: '4', outChannels: classes, kernel: 1 });
    },
    { kind: 'head', type: 'FCNHead' },
  );
}
