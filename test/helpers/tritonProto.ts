/**
 * An independent reader of config.pbtxt: Google's protobuf (Debian's python3-protobuf) with the
 * schema compiled by protoc from test/fixtures/triton/model_config_subset.proto. netforge's own
 * parser and writer are checked against it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PYTHON } from './python.js';
import { ENUMS, messageSpec, type FieldType } from '../../src/backends/triton/schema.js';

export const PROTO_DIR = resolve(import.meta.dirname, '../fixtures/triton');
export const PROTO_FILE = 'model_config_subset.proto';

let available: string | undefined | false;
/** Why the independent parser cannot run here (undefined when it can). */
export function protobufMissing(): string | undefined {
  if (available === undefined) {
    const protoc = spawnSync('protoc', ['--version'], { encoding: 'utf8' });
    const py = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import google.protobuf'], { stdio: 'ignore' }).status === 0;
    available = protoc.status !== 0 ? 'protoc is not installed (apt-get install protobuf-compiler)' : !py ? `${PYTHON} lacks google.protobuf (apt-get install python3-protobuf)` : false;
  }
  return available === false ? undefined : available;
}

let built: string | undefined;
function buildDir(): string {
  if (built !== undefined) return built;
  const dir = mkdtempSync(join(tmpdir(), 'netforge-proto-'));
  execFileSync('protoc', [`--python_out=${dir}`, `--descriptor_set_out=${join(dir, 'schema.pb')}`, `-I${PROTO_DIR}`, PROTO_FILE]);
  writeFileSync(
    join(dir, 'read.py'),
    [
      'import json, sys',
      'sys.path.insert(0, sys.argv[1])',
      'from google.protobuf import text_format, json_format, descriptor_pb2',
      'import model_config_subset_pb2 as m',
      'mode = sys.argv[2]',
      'if mode == "parse":',
      '    out = []',
      '    for text in json.load(open(sys.argv[3])):',
      '        try:',
      '            msg = text_format.Parse(text, m.ModelConfig())',
      '            out.append({"dict": json_format.MessageToDict(msg, preserving_proto_field_name=True), "text": text_format.MessageToString(msg)})',
      '        except text_format.ParseError as e:',
      '            out.append({"error": str(e)})',
      '    print(json.dumps(out))',
      'else:',
      '    fds = descriptor_pb2.FileDescriptorSet()',
      '    fds.ParseFromString(open(sys.argv[3], "rb").read())',
      '    msgs, enums = {}, {}',
      '    def walk(prefix, ms, es):',
      '        for e in es: enums[prefix + e.name] = {v.name: v.number for v in e.value}',
      '        for d in ms:',
      '            name = prefix + d.name',
      '            msgs[name] = {"map_entry": d.options.map_entry, "fields": [{"name": f.name, "number": f.number, "type": f.type, "label": f.label, "type_name": f.type_name, "oneof": d.oneof_decl[f.oneof_index].name if f.HasField("oneof_index") else None} for f in d.field]}',
      '            walk(name + ".", d.nested_type, d.enum_type)',
      '    f = fds.file[0]',
      '    walk("", f.message_type, f.enum_type)',
      '    print(json.dumps({"package": f.package, "messages": msgs, "enums": enums}))',
    ].join('\n'),
  );
  built = dir;
  return dir;
}

export interface ProtobufReading {
  /** MessageToDict(preserving_proto_field_name=True), or undefined on a parse error. */
  readonly dict?: unknown;
  /** text_format.MessageToString of what was parsed. */
  readonly text?: string;
  readonly error?: string;
}

/** Parse each text as inference.ModelConfig with Google's protobuf. */
export function parseWithProtobuf(texts: readonly string[]): ProtobufReading[] {
  const dir = buildDir();
  const input = join(dir, `in-${process.pid}-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(input, JSON.stringify(texts));
  return JSON.parse(execFileSync(PYTHON, [join(dir, 'read.py'), dir, 'parse', input], { encoding: 'utf8', maxBuffer: 64 << 20 })) as ProtobufReading[];
}

export interface DescriptorField {
  readonly name: string;
  readonly number: number;
  readonly type: number;
  readonly label: number;
  readonly type_name: string;
  readonly oneof: string | null;
}
export interface Descriptor {
  readonly package: string;
  readonly messages: Record<string, { readonly map_entry: boolean; readonly fields: readonly DescriptorField[] }>;
  readonly enums: Record<string, Record<string, number>>;
}

/** The fixture .proto as protoc compiled it. */
export function protoDescriptor(): Descriptor {
  const dir = buildDir();
  return JSON.parse(execFileSync(PYTHON, [join(dir, 'read.py'), dir, 'descriptor', join(dir, 'schema.pb')], { encoding: 'utf8' })) as Descriptor;
}

/**
 * A config as protobuf's JSON mapping prints it (MessageToDict): proto3 defaults (0, "", false,
 * empty lists) left out, 64-bit integers as strings, enums by name, maps as objects.
 */
export function toProto3Json(value: Readonly<Record<string, unknown>>, message = 'ModelConfig'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of messageSpec(message).fields) {
    const v = value[f.name];
    if (v === undefined) continue;
    const conv = (t: FieldType, x: unknown): unknown => {
      if (t.kind === 'message') return toProto3Json(x as Record<string, unknown>, t.message);
      if (t.kind === 'scalar' && (t.scalar === 'int64' || t.scalar === 'uint64')) return String(x);
      return x;
    };
    if (f.type.kind === 'map') {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length > 0) out[f.name] = Object.fromEntries(entries.map(([k, x]) => [k, conv((f.type as Extract<FieldType, { kind: 'map' }>).value, x)]));
    } else if (f.repeated === true) {
      const items = v as unknown[];
      if (items.length > 0) out[f.name] = items.map((x) => conv(f.type, x));
    } else {
      const isDefault = v === 0 || v === '' || v === false || (f.type.kind === 'enum' && ENUMS[f.type.enum]![v as string] === 0);
      if (!isDefault || f.oneof !== undefined || f.type.kind === 'message') out[f.name] = conv(f.type, v);
    }
  }
  return out;
}

export const readText = (path: string): string => readFileSync(path, 'utf8');
