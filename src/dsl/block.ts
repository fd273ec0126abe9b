/** Residual blocks as data plus a build function, like torchvision's BasicBlock/Bottleneck classes. */
import { recordModule, type Tensor } from './builder.js';

/** What makeLayer passes to every block (torchvision's constructor arguments). */
export interface BlockArgs {
  /** Planes of the stage: output channels are planes * expansion. */
  readonly planes: number;
  /** Stride of this block (only the first block of a stage may have stride > 1). */
  readonly stride: number;
  /** Dilation of the block's 3x3 conv(s). */
  readonly dilation: number;
  /** The shortcut when the identity does not fit (or always, for shortcut option C). */
  readonly downsample?: (x: Tensor) => Tensor;
  /** zero_init_residual: the last BatchNorm's gamma starts at 0. */
  readonly zeroInitResidual: boolean;
}

/**
 * A block kind. `O` is the block's own options (Bottleneck: groups, widthPerGroup,
 * strideOn); `resnet()` accepts exactly those, so a BasicBlock with `groups` is a type
 * error, and a JS caller gets a run-time error.
 */
export interface BlockDef<O extends object = object> {
  /** The PyTorch class name, e.g. `Bottleneck`. */
  readonly kind: string;
  /** Output channels = planes * expansion. */
  readonly expansion: number;
  /** The whole block (body + shortcut + add + relu), built inside the block's scope. */
  readonly build: (x: Tensor, args: BlockArgs & Partial<O>) => Tensor;
}

/**
 * Define a block: `block('SEBottleneck', { expansion: 4 }, (x, a) => ...)`. Building it
 * records the current scope as a block of that kind, so summary and report name it.
 */
export function block<O extends object = object>(
  kind: string,
  info: { readonly expansion: number },
  build: (x: Tensor, args: BlockArgs & Partial<O>) => Tensor,
): BlockDef<O> {
  return {
    kind,
    expansion: info.expansion,
    build: (x, args) => {
      recordModule({ kind: 'block', type: kind });
      return build(x, args);
    },
  };
}
