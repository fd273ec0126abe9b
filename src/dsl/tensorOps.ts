/**
 * Layers that join, resize or drop tensors, named like their torch counterparts:
 * torch.cat, F.interpolate (bilinear) and nn.Dropout. Shapes come from the op registry,
 * which proves a concatenation's maps equal for every input size.
 */
import type { Tensor } from './builder.js';
import { emit, modulePath, userError } from './builder.js';
import type { NamedOptions } from './layers.js';
import { MAX_KERNEL, layerSite, positiveInt, tensorArg, where } from './validate.js';
import { scaleFraction } from '../ir/ops.js';

export interface ConcatOptions extends NamedOptions {
  /** The axis to join along. Default 1 (channels), as torch.cat(xs, dim=1) in a network. */
  readonly axis?: number;
}

/** torch.cat(xs, dim=axis) (name default `cat`): every other axis must agree for every input size. */
export function concat(xs: readonly [Tensor, ...Tensor[]], o: ConcatOptions = {}): Tensor {
  const site = layerSite('concat', o.name ?? 'cat');
  if (!Array.isArray(xs) || xs.length === 0) throw userError('E_BAD_ARG', 'concat expected a non-empty list of tensors', 'pass [a, b, ...]', where(site));
  xs.forEach((x) => tensorArg(site, x));
  const rank = xs[0]!.shape.length;
  const given = o.axis ?? 1;
  if (!Number.isInteger(given) || given < -rank || given >= rank) {
    throw userError('E_BAD_ARG', `concat expected \`axis\` to be an integer in [${-rank}, ${rank}) for rank-${rank} tensors but got ${String(given)}`, 'axis 1 joins channels (torch.cat(xs, dim=1))', where(site, 'axis'));
  }
  const axis = given < 0 ? given + rank : given;
  return emit('Concat', modulePath(o.name ?? 'cat'), xs, [], { axis });
}

/** Where interpolate's output size comes from: exactly one of `size` and `scaleFactor`. */
export type InterpolateTarget =
  | {
      /** Another tensor (its H and W: the input image, a feature map), or a fixed [H, W]. */
      readonly size: Tensor | readonly [number, number];
      readonly scaleFactor?: never;
    }
  | {
      /** out = floor(in * factor), per axis; a multiple of 1/2^k (2, 4, 0.5, 1.5), which ONNX's float32 scales hold exactly. */
      readonly scaleFactor: number | readonly [number, number];
      readonly size?: never;
    };

export type InterpolateOptions = NamedOptions &
  InterpolateTarget & {
    /** Default and only mode: 'bilinear'. */
    readonly mode?: 'bilinear';
    /** Default and only value: false (pixel centers aligned, torchvision's choice). */
    readonly alignCorners?: false;
  };

/**
 * F.interpolate(x, size | scale_factor, mode='bilinear', align_corners=False) (name default
 * `interpolate`): ONNX Resize with half_pixel coordinates. `size: otherTensor` keeps the
 * output exactly that tensor's size for every input size (torchvision's segmentation models
 * resize their logits to the image so).
 */
export function interpolate(x: Tensor, o: InterpolateOptions): Tensor {
  const site = layerSite('interpolate', o.name ?? 'interpolate');
  tensorArg(site, x);
  const module = modulePath(o.name ?? 'interpolate');
  if (o.mode !== undefined && o.mode !== 'bilinear') throw userError('E_UNSUPPORTED', `interpolate supports mode 'bilinear' only, got ${JSON.stringify(o.mode)}`, undefined, where(site));
  if (o.alignCorners !== undefined && o.alignCorners !== false) throw userError('E_UNSUPPORTED', 'interpolate supports alignCorners: false only', 'torchvision\'s models resize with align_corners=False', where(site));
  const hasSize = o.size !== undefined;
  const hasScale = o.scaleFactor !== undefined;
  if (hasSize === hasScale) throw userError('E_BAD_ARG', 'interpolate expected exactly one of `size` and `scaleFactor`', 'e.g. interpolate(logits, { size: input }) or { scaleFactor: 2 }', where(site));
  if (hasScale) {
    const f = o.scaleFactor!;
    const pair = typeof f === 'number' ? ([f, f] as const) : f;
    if (!Array.isArray(pair) || pair.length !== 2) throw userError('E_BAD_ARG', `interpolate expected \`scaleFactor\` to be a number or [h, w] but got ${JSON.stringify(f)}`, undefined, where(site, 'scaleFactor'));
    for (const v of pair) {
      if (typeof v === 'number' && v > MAX_KERNEL) {
        throw userError('E_BAD_ARG', `interpolate expected \`scaleFactor\` to be at most ${MAX_KERNEL} but got ${String(v)}`, 'resize to a size instead', where(site, 'scaleFactor'));
      }
      if (scaleFraction(v) === undefined) {
        throw userError('E_BAD_ARG', `interpolate expected \`scaleFactor\` to be a positive multiple of 1/2^k (2, 4, 0.5, 1.5) but got ${String(v)}`, 'other factors are not exact in ONNX\'s float32 scales; resize to a size instead', where(site, 'scaleFactor'));
      }
    }
    return emit('Resize', module, [x], [], { mode: 'bilinear', target: 'scale', scales: [pair[0], pair[1]] });
  }
  const size = o.size!;
  if (Array.isArray(size)) {
    if (size.length !== 2) throw userError('E_BAD_ARG', `interpolate expected \`size\` to be a tensor or [H, W] but got ${JSON.stringify(size)}`, undefined, where(site, 'size'));
    const h = positiveInt(site, 'size[0]', size[0], 1 << 16);
    const w = positiveInt(site, 'size[1]', size[1], 1 << 16);
    return emit('Resize', module, [x], [], { mode: 'bilinear', target: 'size', size: [h, w] });
  }
  tensorArg(site, size);
  return emit('Resize', module, [x, size as Tensor], [], { mode: 'bilinear', target: 'like' });
}

export interface DropoutOptions extends NamedOptions {
  /** Probability of an element to be zeroed while training, in [0, 1). Default 0.5, as torch.nn.Dropout. */
  readonly p?: number;
}

/**
 * torch.nn.Dropout (name default `dropout`). The identity at inference: the model as defined
 * keeps it (summary and report list it), compiling removes it (eliminate-identity).
 */
export function dropout(x: Tensor, o: DropoutOptions = {}): Tensor {
  const site = layerSite('dropout', o.name ?? 'dropout');
  tensorArg(site, x);
  const p = o.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw userError('E_BAD_ARG', `dropout expected \`p\` to be a number in [0, 1) but got ${String(p)}`, undefined, where(site, 'p'));
  return emit('Dropout', modulePath(o.name ?? 'dropout'), [x], [], { ratio: p });
}
