/** Number and shape formatting shared by the text reports. */
import type { Shape } from '../../ir/types.js';

export const int = (n: number): string => n.toLocaleString('en-US');

/** 4089184256 -> "4.09 G". */
export function si(n: number, digits = 2): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [v, u] of units) if (Math.abs(n) >= v) return `${(n / v).toFixed(digits)} ${u}`;
  return String(n);
}

export const shapeStr = (s: Shape): string => `[${s.join(', ')}]`;

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
