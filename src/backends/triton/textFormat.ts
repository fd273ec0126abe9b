/**
 * Protobuf text format (what config.pbtxt is written in), read into a tree that remembers
 * where each field and value was written (line and column, 1-based), so the checker can point
 * at `config.pbtxt:12`. Schema-free: ./decode.ts gives the tree its types.
 *
 * Grammar (protobuf's text format as its parsers accept it):
 *   message := field*
 *   field   := name ( ':' value | ':'? '{' message '}' | ':'? '<' message '>' | ':'? '[' messages ']' ) (';' | ',')?
 *   value   := scalar | '{' message '}' | '<' message '>' | '[' (value (',' value)*)? ']'
 *   scalar  := string+ (adjacent strings join) | number | identifier (enum names, true, inf, ...)
 * `#` starts a comment to the end of the line. A scalar needs the ':'; a message may omit it.
 */

export interface TextPos {
  readonly line: number;
  readonly col: number;
}

export type TextScalar =
  | (TextPos & { readonly kind: 'string'; readonly value: string })
  | (TextPos & { readonly kind: 'number'; readonly text: string })
  | (TextPos & { readonly kind: 'ident'; readonly text: string });

export interface TextMessage extends TextPos {
  readonly kind: 'message';
  readonly fields: readonly TextField[];
}

export interface TextList extends TextPos {
  readonly kind: 'list';
  readonly items: readonly TextValue[];
}

export type TextValue = TextScalar | TextMessage | TextList;

export interface TextField extends TextPos {
  readonly name: string;
  readonly value: TextValue;
}

/** A syntax error at a place in the text. */
export class TextFormatError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
    this.name = 'TextFormatError';
  }
}

type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';
interface Token extends TextPos {
  readonly kind: TokenKind;
  readonly text: string;
  /** Decoded value of a string token. */
  readonly value?: string;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
// Integers (decimal, 0x hex, 0 octal) and floats (1.5, .5, 1e-3, 1.5f); an optional leading '-'.
const NUMBER = /-?(?:0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)/y;
const NEG_IDENT = /-(?:inf|infinity|nan)\b/iy;
const PUNCT = '{}[]<>:,;';

function matchAt(re: RegExp, text: string, i: number): string | undefined {
  re.lastIndex = i;
  const mt = re.exec(text);
  return mt !== null && mt[0].length > 0 ? mt[0] : undefined;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (): TextPos => ({ line, col: i - lineStart + 1 });
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const pos = at();
    if (PUNCT.includes(c)) {
      tokens.push({ kind: 'punct', text: c, ...pos });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(text, i, pos);
      tokens.push({ kind: 'string', text: text.slice(i, end), value, ...pos });
      i = end;
      continue;
    }
    const word = matchAt(NEG_IDENT, text, i) ?? matchAt(IDENT, text, i);
    const number = word === undefined ? matchAt(NUMBER, text, i) : undefined;
    if (number !== undefined) {
      // A number running into letters ("12abc") is one bad token, not two good ones.
      const next = text[i + number.length];
      if (next !== undefined && /[A-Za-z_]/.test(next)) throw new TextFormatError(`invalid number '${/^[-\w.]+/.exec(text.slice(i))![0]}'`, pos.line, pos.col);
    }
    const tok = word ?? number;
    if (tok === undefined) throw new TextFormatError(`unexpected character '${c}'`, pos.line, pos.col);
    tokens.push({ kind: word !== undefined ? 'ident' : 'number', text: tok, ...pos });
    i += tok.length;
  }
  tokens.push({ kind: 'eof', text: '', ...at() });
  return tokens;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };

/** A quoted string with C escapes (octal and \x bytes are UTF-8 bytes of the result). */
function readString(text: string, start: number, pos: TextPos): { value: string; end: number } {
  const quote = text[start]!;
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  let i = start + 1;
  for (;;) {
    const c = text[i];
    if (c === undefined || c === '\n') throw new TextFormatError('string is not closed on its line', pos.line, pos.col);
    if (c === quote) return { value: new TextDecoder().decode(new Uint8Array(bytes)), end: i + 1 };
    if (c !== '\\') {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...utf8.encode(ch));
      i += ch.length;
      continue;
    }
    const n = text[i + 1];
    if (n === undefined) throw new TextFormatError('string is not closed on its line', pos.line, pos.col);
    if (SIMPLE_ESCAPES[n] !== undefined) {
      bytes.push(SIMPLE_ESCAPES[n]);
      i += 2;
    } else if (/[0-7]/.test(n)) {
      const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
      bytes.push(parseInt(oct, 8) & 0xff);
      i += 1 + oct.length;
    } else if (n === 'x' || n === 'X') {
      const hex = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(i + 2))?.[0];
      if (hex === undefined) throw new TextFormatError('\\x needs hex digits', pos.line, pos.col);
      bytes.push(parseInt(hex, 16));
      i += 2 + hex.length;
    } else if (n === 'u' || n === 'U') {
      const len = n === 'u' ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) throw new TextFormatError(`\\${n} needs ${len} hex digits`, pos.line, pos.col);
      bytes.push(...utf8.encode(String.fromCodePoint(parseInt(hex, 16))));
      i += 2 + len;
    } else {
      throw new TextFormatError(`invalid escape '\\${n}' in string`, pos.line, pos.col);
    }
  }
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p;
  }
  private expect(p: string, what: string): Token {
    const t = this.next();
    if (!this.isPunct(t, p)) throw new TextFormatError(`expected '${p}' ${what}, found ${describe(t)}`, t.line, t.col);
    return t;
  }

  /** Fields until `end` ('}' or '>'; eof for the top level). */
  message(start: TextPos, end: '}' | '>' | 'eof'): TextMessage {
    const fields: TextField[] = [];
    for (;;) {
      const t = this.peek();
      if (end === 'eof' ? t.kind === 'eof' : this.isPunct(t, end)) {
        this.next();
        return { kind: 'message', fields, line: start.line, col: start.col };
      }
      if (t.kind === 'eof') throw new TextFormatError(`expected '${end}' to close the message opened at line ${start.line}, found the end of the file`, t.line, t.col);
      fields.push(this.field());
    }
  }

  private field(): TextField {
    const nameTok = this.next();
    if (nameTok.kind === 'punct' && nameTok.text === '[') {
      throw new TextFormatError('extension and Any fields ([...]) are not part of a Triton model configuration', nameTok.line, nameTok.col);
    }
    if (nameTok.kind !== 'ident') throw new TextFormatError(`expected a field name, found ${describe(nameTok)}`, nameTok.line, nameTok.col);
    let t = this.peek();
    const colon = this.isPunct(t, ':');
    if (colon) {
      this.next();
      t = this.peek();
    }
    let value: TextValue;
    if (this.isPunct(t, '{') || this.isPunct(t, '<')) {
      value = this.messageValue();
    } else if (this.isPunct(t, '[')) {
      value = this.list(colon);
    } else {
      if (!colon) throw new TextFormatError(`expected ':' after field name '${nameTok.text}'`, t.line, t.col);
      value = this.scalar();
    }
    const sep = this.peek();
    if (this.isPunct(sep, ';') || this.isPunct(sep, ',')) this.next();
    return { name: nameTok.text, value, line: nameTok.line, col: nameTok.col };
  }

  private messageValue(): TextMessage {
    const open = this.next();
    return this.message(open, open.text === '{' ? '}' : '>');
  }

  /** `[a, b]` of scalars (after ':') or of messages. Without ':' only messages may follow. */
  private list(colon: boolean): TextList {
    const open = this.next();
    const items: TextValue[] = [];
    if (this.isPunct(this.peek(), ']')) {
      this.next();
      return { kind: 'list', items, line: open.line, col: open.col };
    }
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, '{') || this.isPunct(t, '<')) items.push(this.messageValue());
      else if (!colon) throw new TextFormatError(`expected '{' for a message in the list, found ${describe(t)} (a list of values needs ':' after the field name)`, t.line, t.col);
      else items.push(this.scalar());
      const sep = this.next();
      if (this.isPunct(sep, ']')) return { kind: 'list', items, line: open.line, col: open.col };
      if (!this.isPunct(sep, ',')) throw new TextFormatError(`expected ',' or ']' in the list opened at line ${open.line}, found ${describe(sep)}`, sep.line, sep.col);
    }
  }

  private scalar(): TextScalar {
    const t = this.next();
    if (t.kind === 'string') {
      let value = t.value ?? '';
      while (this.peek().kind === 'string') value += this.next().value ?? '';
      return { kind: 'string', value, line: t.line, col: t.col };
    }
    if (t.kind === 'number') return { kind: 'number', text: t.text, line: t.line, col: t.col };
    if (t.kind === 'ident') return { kind: 'ident', text: t.text, line: t.line, col: t.col };
    throw new TextFormatError(`expected a value, found ${describe(t)}`, t.line, t.col);
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'the end of the file' : `'${t.text}'`;
}

/** Parse text format into a tree; throws TextFormatError (with line and column) on a syntax error. */
export function parseTextFormat(text: string): TextMessage {
  return new Parser(tokenize(text)).message({ line: 1, col: 1 }, 'eof');
}
