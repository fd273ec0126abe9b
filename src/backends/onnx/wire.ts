/**
 * Protobuf wire encoding of the ONNX messages netforge writes, without loading the
 * generated classes of onnx-proto (whose import alone costs ~100 ms, a fifth of a whole
 * `netforge compile resnet50`; see BENCHMARKS.md).
 *
 * Rules, so the bytes equal what onnx-proto's protobufjs encoders give (a test checks):
 * 1. Fields are written in field-number order; a field is written when it is not
 *    null/undefined (an empty string is written), a repeated field when non-empty.
 * 2. Repeated numbers (TensorProto.dims, AttributeProto.ints/floats) are packed.
 * 3. int32/int64 are varints; negative values take 10 bytes (two's complement).
 * Only the fields netforge emits are supported; a message with another field set is
 * refused rather than written without it.
 */
import type { onnx as P } from 'onnx-proto';

type Int = number | { toString(): string } | null | undefined;

const VARINT = 0;
const FIXED32 = 5;
const LEN = 2;

const utf8 = new TextEncoder();

/** A growable byte buffer with protobuf's primitive encodings. */
export class WireWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** An unsigned varint (0 <= v < 2^53). */
  uvarint(v: number): this {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
    return this;
  }

  /** A signed 64-bit varint (also int32 and enums): negatives as 10-byte two's complement. */
  int64(v: Int): this {
    const n = toNumber(v);
    if (n >= 0) return this.uvarint(n);
    let b = BigInt.asUintN(64, BigInt(n));
    this.ensure(10);
    while (b > 0x7fn) {
      this.buf[this.len++] = Number(b & 0x7fn) | 0x80;
      b >>= 7n;
    }
    this.buf[this.len++] = Number(b);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.uvarint(field * 8 + wire);
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.len);
    this.len += bytes.byteLength;
    return this;
  }

  float32(v: number): this {
    this.ensure(4);
    this.view.setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  bytesField(field: number, bytes: Uint8Array): this {
    return this.tag(field, LEN).uvarint(bytes.byteLength).raw(bytes);
  }

  stringField(field: number, s: string | null | undefined): this {
    return s == null ? this : this.bytesField(field, utf8.encode(s));
  }

  intField(field: number, v: Int): this {
    return v == null ? this : this.tag(field, VARINT).int64(v);
  }

  messageField<T>(field: number, m: T | null | undefined, encode: (m: T, w: WireWriter) => void): this {
    if (m == null) return this;
    const sub = new WireWriter();
    encode(m, sub);
    return this.bytesField(field, sub.finish());
  }

  repeatedMessages<T>(field: number, ms: readonly T[] | null | undefined, encode: (m: T, w: WireWriter) => void): this {
    for (const m of ms ?? []) this.messageField(field, m, encode);
    return this;
  }

  repeatedStrings(field: number, ss: readonly string[] | null | undefined): this {
    for (const s of ss ?? []) this.stringField(field, s);
    return this;
  }

  packedInts(field: number, vs: readonly Int[] | null | undefined): this {
    if (!vs || vs.length === 0) return this;
    const sub = new WireWriter();
    for (const v of vs) sub.int64(v);
    return this.bytesField(field, sub.finish());
  }

  packedFloats(field: number, vs: readonly number[] | null | undefined): this {
    if (!vs || vs.length === 0) return this;
    const sub = new WireWriter();
    for (const v of vs) sub.float32(v);
    return this.bytesField(field, sub.finish());
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written, as their own copy. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function toNumber(v: Int): number {
  if (typeof v === 'number') return v;
  const n = Number(String(v));
  if (!Number.isSafeInteger(n)) throw new Error(`internal: integer ${String(v)} out of range for the ONNX writer`);
  return n;
}

/** Throw for a set field this writer does not know (a silent drop would corrupt the model). */
function only(msg: object, kind: string, known: readonly string[]): void {
  for (const [k, v] of Object.entries(msg)) {
    if (v == null || known.includes(k)) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    throw new Error(`internal: the ONNX writer does not encode ${kind}.${k}`);
  }
}

export function encodeStringStringEntry(m: P.IStringStringEntryProto, w: WireWriter): void {
  only(m, 'StringStringEntryProto', ['key', 'value']);
  w.stringField(1, m.key).stringField(2, m.value);
}

function encodeDimension(m: P.TensorShapeProto.IDimension, w: WireWriter): void {
  only(m, 'Dimension', ['dimValue', 'dimParam', 'denotation']);
  w.intField(1, m.dimValue).stringField(2, m.dimParam).stringField(3, m.denotation);
}

function encodeTensorShape(m: P.ITensorShapeProto, w: WireWriter): void {
  only(m, 'TensorShapeProto', ['dim']);
  w.repeatedMessages(1, m.dim, encodeDimension);
}

function encodeTypeTensor(m: P.TypeProto.ITensor, w: WireWriter): void {
  only(m, 'TypeProto.Tensor', ['elemType', 'shape']);
  w.intField(1, m.elemType).messageField(2, m.shape, encodeTensorShape);
}

function encodeType(m: P.ITypeProto, w: WireWriter): void {
  only(m, 'TypeProto', ['tensorType', 'denotation']);
  w.messageField(1, m.tensorType, encodeTypeTensor).stringField(6, m.denotation);
}

export function encodeValueInfo(m: P.IValueInfoProto, w: WireWriter): void {
  only(m, 'ValueInfoProto', ['name', 'type', 'docString']);
  w.stringField(1, m.name).messageField(2, m.type, encodeType).stringField(3, m.docString);
}

export function encodeAttribute(m: P.IAttributeProto, w: WireWriter): void {
  only(m, 'AttributeProto', ['name', 'f', 'i', 's', 'floats', 'ints', 'docString', 'type']);
  w.stringField(1, m.name);
  if (m.f != null) w.tag(2, FIXED32).float32(m.f);
  w.intField(3, m.i);
  if (m.s != null) w.bytesField(4, m.s);
  w.packedFloats(7, m.floats).packedInts(8, m.ints).stringField(13, m.docString).intField(20, m.type);
}

export function encodeNode(m: P.INodeProto, w: WireWriter): void {
  only(m, 'NodeProto', ['input', 'output', 'name', 'opType', 'attribute', 'docString', 'domain']);
  w.repeatedStrings(1, m.input).repeatedStrings(2, m.output).stringField(3, m.name).stringField(4, m.opType);
  w.repeatedMessages(5, m.attribute, encodeAttribute).stringField(6, m.docString).stringField(7, m.domain);
}

/**
 * A TensorProto's fields other than raw_data (field 9). The writer appends raw_data as a
 * separate chunk after these bytes: fields 12..14 (doc_string, external_data,
 * data_location) then come before field 9, which protobuf parsers accept in any order,
 * and which is why `rawData` itself is refused here.
 */
export function encodeTensorHeader(m: P.ITensorProto, w: WireWriter): void {
  only(m, 'TensorProto', ['dims', 'dataType', 'name', 'docString', 'externalData', 'dataLocation']);
  w.packedInts(1, m.dims).intField(2, m.dataType).stringField(8, m.name).stringField(12, m.docString);
  w.repeatedMessages(13, m.externalData, encodeStringStringEntry).intField(14, m.dataLocation);
}

/** GraphProto without initializers (the writer streams those as chunks after it). */
export function encodeGraph(m: P.IGraphProto, w: WireWriter): void {
  only(m, 'GraphProto', ['node', 'name', 'docString', 'input', 'output', 'valueInfo']);
  w.repeatedMessages(1, m.node, encodeNode).stringField(2, m.name).stringField(10, m.docString);
  w.repeatedMessages(11, m.input, encodeValueInfo).repeatedMessages(12, m.output, encodeValueInfo).repeatedMessages(13, m.valueInfo, encodeValueInfo);
}

function encodeOperatorSetId(m: P.IOperatorSetIdProto, w: WireWriter): void {
  only(m, 'OperatorSetIdProto', ['domain', 'version']);
  w.stringField(1, m.domain).intField(2, m.version);
}

/** ModelProto without its graph (the writer appends field 7 as chunks). */
export function encodeModelHeader(m: P.IModelProto, w: WireWriter): void {
  only(m, 'ModelProto', ['irVersion', 'producerName', 'producerVersion', 'domain', 'modelVersion', 'docString', 'opsetImport', 'metadataProps']);
  w.intField(1, m.irVersion).stringField(2, m.producerName).stringField(3, m.producerVersion).stringField(4, m.domain);
  w.intField(5, m.modelVersion).stringField(6, m.docString);
  w.repeatedMessages(8, m.opsetImport, encodeOperatorSetId).repeatedMessages(14, m.metadataProps, encodeStringStringEntry);
}

/** One message to bytes. */
export function encode<T>(m: T, enc: (m: T, w: WireWriter) => void): Uint8Array {
  const w = new WireWriter();
  enc(m, w);
  return w.finish();
}

/** The tag and length of a length-delimited field: what precedes its `length` bytes. */
export function lengthPrefix(field: number, length: number): Uint8Array {
  return new WireWriter().tag(field, LEN).uvarint(length).finish();
}
