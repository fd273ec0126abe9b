/**
 * A ModelConfig as config.pbtxt text, deterministically: fields in the schema's order
 * (./schema.ts), map entries sorted by key, two-space indents, ASCII only (other characters
 * as octal UTF-8 escapes). Same config -> same bytes.
 *
 * Layout, in the style of Triton's documentation:
 *   name: "resnet50"                 scalars and enum names
 *   dims: [ 3, 224, 224 ]            repeated scalars as one list
 *   input [ { ... }, { ... } ]       repeated messages as a list of blocks, one field per line
 *   dynamic_batching { ... }         messages as blocks; an empty message as `all {}`
 *   parameters { key: "k" value: .. } one block per map entry
 */
import type { FieldSpec, FieldType, MessageSpec } from './schema.js';
import { messageSpec } from './schema.js';
import type { ModelConfig } from './config.js';

type Value = unknown;

const INDENT = '  ';

/** Quote a string for text format (escapes, ASCII only). */
export function quote(s: string): string {
  let out = '"';
  for (const b of new TextEncoder().encode(s)) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

function scalarText(v: Value): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return String(v);
  }
  throw new Error(`internal: not a scalar: ${String(v)}`);
}

function valueText(type: FieldType, v: Value): string {
  if (type.kind === 'enum') {
    if (typeof v !== 'string') throw new Error(`internal: enum value ${String(v)}`);
    return v;
  }
  return scalarText(v);
}

function messageLines(obj: Readonly<Record<string, Value>>, spec: MessageSpec, indent: string): string[] {
  const lines: string[] = [];
  for (const field of spec.fields) {
    const v = obj[field.name];
    if (v === undefined) continue;
    lines.push(...fieldLines(field, v, indent));
  }
  const known = new Set(spec.fields.map((x) => x.name));
  const unknown = Object.keys(obj).filter((k) => !known.has(k) && obj[k] !== undefined);
  if (unknown.length > 0) throw new Error(`internal: ${spec.name} has no field ${unknown.join(', ')}`);
  return lines;
}

function block(name: string, body: readonly string[], indent: string): string[] {
  return body.length === 0 ? [`${indent}${name} {}`] : [`${indent}${name} {`, ...body, `${indent}}`];
}

function fieldLines(field: FieldSpec, v: Value, indent: string): string[] {
  const inner = indent + INDENT;
  const type = field.type;
  if (type.kind === 'map') {
    const entries = Object.entries(v as Record<string, Value>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.flatMap(([k, val]) => {
      const key = type.key === 'string' ? quote(k) : k;
      const valueLines = type.value.kind === 'message' ? block('value', messageLines(val as Record<string, Value>, messageSpec(type.value.message), inner + INDENT), inner) : [`${inner}value: ${valueText(type.value, val)}`];
      return block(field.name, [`${inner}key: ${key}`, ...valueLines], indent);
    });
  }
  if (field.repeated === true) {
    const items = v as readonly Value[];
    if (items.length === 0) return [];
    if (type.kind !== 'message') return [`${indent}${field.name}: [ ${items.map((x) => valueText(type, x)).join(', ')} ]`];
    const spec = messageSpec(type.message);
    const blocks = items.map((x, i) => {
      const body = messageLines(x as Record<string, Value>, spec, inner + INDENT);
      const b = body.length === 0 ? [`${inner}{}`] : [`${inner}{`, ...body, `${inner}}`];
      if (i < items.length - 1) b[b.length - 1] += ',';
      return b;
    });
    return [`${indent}${field.name} [`, ...blocks.flat(), `${indent}]`];
  }
  if (type.kind === 'message') return block(field.name, messageLines(v as Record<string, Value>, messageSpec(type.message), inner), indent);
  return [`${indent}${field.name}: ${valueText(type, v)}`];
}

/** The config as config.pbtxt text, after `comments` (each written as a `# ` line). */
export function formatConfig(config: ModelConfig, comments: readonly string[] = []): string {
  const head = comments.map((c) => (c === '' ? '#' : `# ${c}`));
  return `${[...head, ...messageLines(config as Readonly<Record<string, Value>>, messageSpec('ModelConfig'), '')].join('\n')}\n`;
}
