/**
 * config.pbtxt text -> a ModelConfig as plain data, checked against Triton's schema, with the
 * line of every field kept for the checker.
 *
 * Rules (as protobuf's text-format parsers apply them):
 * 1. A field the message does not declare is an error (with the closest declared name).
 * 2. A singular field (scalar or message) may appear once; two members of a oneof may not both appear.
 * 3. Scalars must fit their type: integers in range (decimal, 0x hex, 0 octal; no fraction),
 *    unsigned ones not negative, bools true/false/t/f/1/0, enums by a declared name or number.
 * 4. A repeated field may be written once per element, as a list, or both.
 * 5. A map is written as entries `{ key: .. value: .. }`; a later entry with the same key wins.
 * A syntax error stops decoding (one problem); schema problems are all collected, and the field
 * in question is left out of the result.
 */
import type { FieldSpec, FieldType, MessageSpec, ScalarType } from './schema.js';
import { ENUMS, fieldOf, messageSpec } from './schema.js';
import { closest } from '../../didYouMean.js';
import type { ModelConfig } from './config.js';
import { parseTextFormat, TextFormatError, type TextField, type TextMessage, type TextPos, type TextScalar, type TextValue } from './textFormat.js';

export interface ConfigProblem {
  readonly code: 'E_TRITON_CONFIG_SYNTAX' | 'E_TRITON_CONFIG_FIELD' | 'E_TRITON_CONFIG_VALUE' | 'E_TRITON_CONFIG_DUPLICATE';
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint?: string;
}

/** Where a message was opened and where each of its fields was (first) written. */
export interface MessageLocation {
  readonly at: TextPos;
  readonly fields: Readonly<Record<string, TextPos>>;
}

export interface DecodedConfig {
  readonly config: ModelConfig;
  readonly problems: readonly ConfigProblem[];
  /** The location of a decoded message object (the config itself, an input, a warmup sample, ...). */
  readonly where: (message: object) => MessageLocation | undefined;
}

type Plain = string | number | boolean | PlainObject | Plain[];
interface PlainObject {
  [key: string]: Plain;
}

const INT_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  // 64-bit values past 2^53 do not occur in model configs; refusing them keeps numbers exact.
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

class Decoder {
  readonly problems: ConfigProblem[] = [];
  readonly locations = new WeakMap<object, MessageLocation>();

  private problem(code: ConfigProblem['code'], at: TextPos, message: string, hint?: string): void {
    this.problems.push({ code, line: at.line, col: at.col, message, ...(hint !== undefined ? { hint } : {}) });
  }

  message(text: TextMessage, spec: MessageSpec): PlainObject {
    const out: PlainObject = {};
    const fieldPos: Record<string, TextPos> = {};
    this.locations.set(out, { at: { line: text.line, col: text.col }, fields: fieldPos });
    if (spec.opaque) return out;
    const oneofs = new Map<string, string>();
    for (const tf of text.fields) {
      const field = fieldOf(spec, tf.name);
      if (field === undefined) {
        const near = closest(tf.name, spec.fields.map((x) => x.name));
        this.problem(
          'E_TRITON_CONFIG_FIELD',
          tf,
          `${spec.name} has no field '${tf.name}'`,
          near !== undefined ? `did you mean '${near}'?` : `its fields are: ${spec.fields.map((x) => x.name).join(', ') || '(none)'}`,
        );
        continue;
      }
      if (field.oneof !== undefined) {
        const other = oneofs.get(field.oneof);
        if (other !== undefined && other !== field.name) {
          this.problem('E_TRITON_CONFIG_DUPLICATE', tf, `'${field.name}' and '${other}' are both set, but only one of them may be (they form the oneof ${field.oneof})`, `keep one of '${field.name}' and '${other}'`);
          continue;
        }
        oneofs.set(field.oneof, field.name);
      }
      const repeatedOrMap = field.repeated === true || field.type.kind === 'map';
      if (!repeatedOrMap && out[field.name] !== undefined) {
        this.problem('E_TRITON_CONFIG_DUPLICATE', tf, `'${field.name}' is set twice (first at line ${fieldPos[field.name]!.line}); it is not a repeated field`, 'keep one of them');
        continue;
      }
      fieldPos[field.name] ??= { line: tf.line, col: tf.col };
      this.field(out, field, tf);
    }
    return out;
  }

  private field(out: PlainObject, field: FieldSpec, tf: TextField): void {
    const values = tf.value.kind === 'list' ? tf.value.items : [tf.value];
    if (tf.value.kind === 'list' && field.repeated !== true && field.type.kind !== 'map') {
      this.problem('E_TRITON_CONFIG_VALUE', tf, `'${field.name}' takes one value, not a list`, 'write the value without [ ]');
      return;
    }
    if (field.type.kind === 'map') {
      const obj = (out[field.name] ?? {}) as PlainObject;
      // A map's location: where it was first written, and each key's entry.
      if (!this.locations.has(obj)) this.locations.set(obj, { at: { line: tf.line, col: tf.col }, fields: {} });
      for (const v of values) this.mapEntry(obj, field, field.type, v);
      out[field.name] = obj;
      return;
    }
    const decoded: Plain[] = [];
    for (const v of values) {
      const d = this.value(field.name, field.type, v);
      if (d !== undefined) decoded.push(d);
    }
    if (field.repeated === true) out[field.name] = [...((out[field.name] as Plain[] | undefined) ?? []), ...decoded];
    else if (decoded[0] !== undefined) out[field.name] = decoded[0];
  }

  private mapEntry(obj: PlainObject, field: FieldSpec, type: Extract<FieldType, { kind: 'map' }>, v: TextValue): void {
    if (v.kind !== 'message') {
      this.problem('E_TRITON_CONFIG_VALUE', v, `'${field.name}' is a map: each entry is written { key: ... value: ... }`);
      return;
    }
    let key: Plain | undefined;
    let value: Plain | undefined;
    for (const ef of v.fields) {
      if (ef.name === 'key') key = this.value(`${field.name} key`, { kind: 'scalar', scalar: type.key }, ef.value);
      else if (ef.name === 'value') value = this.value(`${field.name} value`, type.value, ef.value);
      else this.problem('E_TRITON_CONFIG_FIELD', ef, `a '${field.name}' entry has only 'key' and 'value', not '${ef.name}'`);
    }
    if (value === undefined && type.value.kind === 'message') value = this.message({ kind: 'message', fields: [], line: v.line, col: v.col }, messageSpec(type.value.message));
    const k = String(key ?? (type.key === 'string' ? '' : 0));
    obj[k] = value ?? (type.value.kind === 'scalar' ? defaultScalar(type.value.scalar) : '');
    (this.locations.get(obj)!.fields as Record<string, TextPos>)[k] ??= { line: v.line, col: v.col };
  }

  private value(name: string, type: FieldType, v: TextValue): Plain | undefined {
    switch (type.kind) {
      case 'message':
        if (v.kind !== 'message') {
          this.problem('E_TRITON_CONFIG_VALUE', v, `'${name}' is a message: write it as ${name} { ... }`);
          return undefined;
        }
        return this.message(v, messageSpec(type.message));
      case 'enum':
        return this.enumValue(name, type.enum, v);
      case 'scalar':
        return this.scalar(name, type.scalar, v);
      case 'map':
        throw new Error('internal: nested map');
    }
  }

  private enumValue(name: string, enumName: string, v: TextValue): string | undefined {
    const values = ENUMS[enumName]!;
    if (v.kind === 'ident' && values[v.text] !== undefined) return v.text;
    if (v.kind === 'number' && /^\d+$/.test(v.text)) {
      const byNumber = Object.entries(values).find(([, n]) => n === Number(v.text));
      if (byNumber !== undefined) return byNumber[0];
    }
    const shown = v.kind === 'ident' || v.kind === 'number' ? v.text : v.kind === 'string' ? `"${v.value}"` : 'a message';
    const near = v.kind === 'ident' || v.kind === 'string' ? closest(v.kind === 'ident' ? v.text : v.value, Object.keys(values)) : undefined;
    this.problem('E_TRITON_CONFIG_VALUE', v, `${shown} is not a ${enumName} value for '${name}'`, near !== undefined ? `did you mean ${near}? (no quotes)` : `one of ${Object.keys(values).join(', ')}`);
    return undefined;
  }

  private scalar(name: string, type: ScalarType, v: TextValue): Plain | undefined {
    const bad = (what: string, hint?: string): undefined => {
      this.problem('E_TRITON_CONFIG_VALUE', v, `'${name}' expects ${what}, got ${show(v)}`, hint);
      return undefined;
    };
    if (v.kind === 'message' || v.kind === 'list') return bad(type === 'string' ? 'a string' : `a value of type ${type}`);
    switch (type) {
      case 'string':
        return v.kind === 'string' ? v.value : bad('a quoted string', `write it in quotes: "${v.kind === 'ident' || v.kind === 'number' ? v.text : ''}"`);
      case 'bool': {
        const t = v.kind === 'string' ? '' : v.text;
        if (['true', 'True', 't', '1'].includes(t)) return true;
        if (['false', 'False', 'f', '0'].includes(t)) return false;
        return bad('true or false');
      }
      case 'float':
      case 'double': {
        if (v.kind === 'ident' && /^-?(inf|infinity)$/i.test(v.text)) return v.text.startsWith('-') ? -Infinity : Infinity;
        if (v.kind === 'ident' && /^nan$/i.test(v.text)) return NaN;
        if (v.kind !== 'number' || /^-?0[xX]/.test(v.text)) return bad('a number');
        return Number(v.text.replace(/[fF]$/, ''));
      }
      default: {
        const n = v.kind === 'number' ? parseInteger(v.text) : undefined;
        if (n === undefined) return bad(`an integer (${type})`);
        const [lo, hi] = INT_RANGE[type]!;
        if (n < lo || n > hi) return bad(`an integer in ${type}'s range${type.startsWith('u') ? ' (not negative)' : ''}`);
        return n;
      }
    }
  }
}

/** Decimal, 0x hex or 0-led octal integer text -> number (undefined for anything else). */
function parseInteger(text: string): number | undefined {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  let n: number;
  if (/^0[xX][0-9A-Fa-f]+$/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[0-7]+$/.test(body)) n = parseInt(body, 8);
  else if (/^(0|[1-9]\d*)$/.test(body)) n = Number(body);
  else return undefined;
  return neg ? -n : n;
}

function defaultScalar(t: ScalarType): Plain {
  return t === 'string' ? '' : t === 'bool' ? false : 0;
}

function show(v: TextValue): string {
  if (v.kind === 'string') return `"${v.value}"`;
  if (v.kind === 'message') return 'a message { ... }';
  if (v.kind === 'list') return 'a list [ ... ]';
  return (v as TextScalar & { text: string }).text;
}

/** Decode config.pbtxt text. Never throws for bad text: problems are returned with their lines. */
export function decodeConfig(text: string): DecodedConfig {
  const d = new Decoder();
  let tree: TextMessage;
  try {
    tree = parseTextFormat(text);
  } catch (e) {
    if (!(e instanceof TextFormatError)) throw e;
    return { config: {}, problems: [{ code: 'E_TRITON_CONFIG_SYNTAX', line: e.line, col: e.col, message: e.message, hint: 'config.pbtxt is protobuf text format: field: value, message { ... }, list [ ... ]' }], where: () => undefined };
  }
  const config = d.message(tree, messageSpec('ModelConfig')) as ModelConfig;
  return { config, problems: d.problems, where: (o) => d.locations.get(o) };
}
