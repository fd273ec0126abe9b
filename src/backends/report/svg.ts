/**
 * A few SVG building blocks as strings. Coordinates are rounded to 0.1 so the output is
 * byte-for-byte deterministic; text is always escaped.
 */

/** A drawn piece with its size; `body` is in local coordinates (0,0 at top left). */
export interface Figure {
  readonly w: number;
  readonly h: number;
  readonly body: string;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A coordinate: at most one decimal, no trailing zeros, no "-0". */
export function num(x: number): string {
  const r = Math.round(x * 10) / 10;
  return String(Object.is(r, -0) ? 0 : r);
}

type AttrValue = string | number | undefined;

function attrs(a: Readonly<Record<string, AttrValue>>): string {
  return Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`)
    .join('');
}

export function el(tag: string, a: Readonly<Record<string, AttrValue>>, children?: string): string {
  return children === undefined ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${children}</${tag}>`;
}

export function rect(x: number, y: number, w: number, h: number, a: Readonly<Record<string, AttrValue>> = {}): string {
  return el('rect', { x, y, width: w, height: h, ...a });
}

export function line(x1: number, y1: number, x2: number, y2: number, a: Readonly<Record<string, AttrValue>> = {}): string {
  return el('line', { x1, y1, x2, y2, ...a });
}

/** A polyline through points, as a path. */
export function polyline(points: readonly (readonly [number, number])[], a: Readonly<Record<string, AttrValue>> = {}): string {
  const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${num(x)} ${num(y)}`).join(' ');
  return el('path', { d, fill: 'none', ...a });
}

export function text(x: number, y: number, s: string, a: Readonly<Record<string, AttrValue>> = {}): string {
  return el('text', { x, y, ...a }, esc(s));
}

export type Direction = 'down' | 'left' | 'right';

/** A filled arrowhead with its tip at (x, y). */
export function arrowHead(x: number, y: number, dir: Direction, a: Readonly<Record<string, AttrValue>> = {}): string {
  const s = 4;
  const pts: readonly (readonly [number, number])[] =
    dir === 'down'
      ? [[x, y], [x - s, y - 2 * s], [x + s, y - 2 * s]]
      : dir === 'left'
        ? [[x, y], [x + 2 * s, y - s], [x + 2 * s, y + s]]
        : [[x, y], [x - 2 * s, y - s], [x - 2 * s, y + s]];
  return el('polygon', { points: pts.map(([px, py]) => `${num(px)},${num(py)}`).join(' '), ...a });
}

export function translate(f: Figure | string, x: number, y: number, a: Readonly<Record<string, AttrValue>> = {}): string {
  const body = typeof f === 'string' ? f : f.body;
  return el('g', { transform: `translate(${num(x)},${num(y)})`, ...a }, body);
}

/** Estimated width of `s` at `fontSize` (an upper bound for the sans-serif faces we ask for). */
export function textWidth(s: string, fontSize: number): number {
  return [...s].length * fontSize * 0.6;
}

/** `s`, shortened with an ellipsis to fit `width` at `fontSize`. */
export function fitText(s: string, width: number, fontSize: number): string {
  const max = Math.floor(width / (fontSize * 0.6));
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}
