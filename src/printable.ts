/**
 * Text from data files (tensor names, pickle globals, ZIP entry names) goes to a terminal in
 * tables and error messages. A name holding `\x1b[2J` would clear the screen, `\r\n` would
 * start a forged line ("error[...]: ..." of one's choosing), U+202E would reverse what
 * follows. printable() writes such characters as escapes instead: C0 controls and DEL, C1
 * controls, the Unicode line and paragraph separators, and the bidirectional overrides and
 * isolates.
 */

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const short = SHORT[c];
  if (short !== undefined) return short;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character written as an escape (`\x1b`, `\r`, `\n`, `\u202e`). For one name or value from data. */
export function printable(s: string): string {
  return s.replace(UNSAFE, escape);
}

/** The same for a whole message that may hold line breaks of its own: those stay, everything else is escaped. */
export function printableLines(s: string): string {
  return s.replace(UNSAFE_KEEP_NEWLINES, escape);
}
