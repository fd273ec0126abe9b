/**
 * Terminal styling for the text reports. Styles are applied after padding, so column
 * widths are computed on visible text; with `color: false` every style is the identity.
 */

export type Style = 'bold' | 'dim' | 'green' | 'red' | 'cyan' | 'magenta' | 'yellow';

const CODES: Readonly<Record<Style, readonly [number, number]>> = {
  bold: [1, 22],
  dim: [2, 22],
  green: [32, 39],
  red: [31, 39],
  cyan: [36, 39],
  magenta: [35, 39],
  yellow: [33, 39],
};

export type Painter = (style: Style, text: string) => string;

export function painter(color: boolean): Painter {
  if (!color) return (_s, t) => t;
  return (s, t) => (t === '' ? t : `\u001b[${CODES[s][0]}m${t}\u001b[${CODES[s][1]}m`);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Width in terminal columns (ANSI codes excluded; every other code point counts one). */
export function visibleWidth(s: string): number {
  return [...stripAnsi(s)].length;
}
