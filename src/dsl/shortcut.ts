/**
 * Shortcut connections, the paper's options (He et al. 2015, section 3.3):
 * A: parameter-free: subsample by the stride, zero-pad the new channels (half on each side).
 * B: a 1x1 projection (conv + BatchNorm, `downsample.0` / `downsample.1`) only where the
 *    shape changes; identity elsewhere. torchvision's choice.
 * C: a projection on every block.
 * Or a function, for variants such as ResNet-D's average-pool shortcut.
 */
import type { Tensor } from './builder.js';
import { scope } from './builder.js';
import { batchNorm2d, conv2d, pad, slice } from './layers.js';

export interface ShortcutArgs {
  readonly outChannels: number;
  readonly stride: number;
}
export type ShortcutFn = (x: Tensor, a: ShortcutArgs) => Tensor;
export type ShortcutOption = 'A' | 'B' | 'C' | ShortcutFn;

/** torchvision's downsample: conv1x1(stride) + BatchNorm, as module `downsample`. */
export const projectionShortcut: ShortcutFn = (x, a) =>
  scope('downsample', () => {
    const y = conv2d(x, { name: '0', outChannels: a.outChannels, kernel: 1, stride: a.stride, bias: false });
    return batchNorm2d(y, { name: '1' });
  });

/** Option A: x[:, :, ::s, ::s] then zero channels, half before and half after. */
export const paddingShortcut: ShortcutFn = (x, a) =>
  scope('shortcut', () => {
    let y = x;
    if (a.stride !== 1) {
      y = slice(y, { axes: [2, 3], starts: [0, 0], ends: [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], steps: [a.stride, a.stride] });
    }
    const cin = y.shape[1] as number;
    const extra = a.outChannels - cin;
    if (extra > 0) {
      const before = Math.floor(extra / 2);
      y = pad(y, { pads: [0, before, 0, 0, 0, extra - before, 0, 0] });
    }
    return y;
  });

/**
 * The shortcut a block needs, or undefined for identity. `needed` is torchvision's test
 * (stride != 1 or channels change); option C projects regardless.
 */
export function shortcutFor(option: ShortcutOption, needed: boolean, a: ShortcutArgs): ((x: Tensor) => Tensor) | undefined {
  if (option === 'C') return (x) => projectionShortcut(x, a);
  if (!needed) return undefined;
  if (option === 'A') return (x) => paddingShortcut(x, a);
  if (option === 'B') return (x) => projectionShortcut(x, a);
  return (x) => option(x, a);
}
