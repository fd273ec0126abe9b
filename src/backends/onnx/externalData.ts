/**
 * ONNX external data, named by content so that a model always reads its own data.
 *
 * A model with external data is two files, `m.onnx` and the data file it names. onnxruntime
 * opens the data file several times while it loads the model; when the data file had a fixed
 * name (`m.onnx.data`), a writer renaming a new pair into place between those opens made a
 * reader combine one model's graph with another's tensors (silently wrong outputs). So:
 *
 * - The data file is `<model file name>.<16 hex digits of its sha256>.data`. A name is only
 *   ever written with the same bytes, so whatever a model names is its own data, whenever it
 *   is opened.
 * - A write renames the data first, then the model, under the writer's lock; then it removes
 *   the data files of that model name that neither the new model nor the model it replaced
 *   refers to. The replaced model's data is kept (until the next write), so a reader that
 *   opened the old model a moment before still finds its data; a reader still loading after
 *   two more complete writes finds its data gone and fails loudly (never a mix), and netforge's
 *   own readers then load the new model (see createProviderSession).
 *
 * This file also reads which data files a model refers to: a walk of the protobuf wire format
 * (model -> graph -> initializers, sparse initializers, and tensors in node attributes,
 * subgraphs included) with positional reads, so a large model with inline data is not read
 * whole, and best-effort (never throws). ./signature.ts decodes a whole model's bytes for
 * serving; this runs on every write, beside models of any size, and on every `run`.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fitName } from '../../io/siblingName.js';
import { safeUnlink } from '../../io/atomicWrite.js';

/** `.` + 16 hex + `.data` */
const DATA_RESERVE = 1 + 16 + 5;

/** The data file name for a model file called `modelName` whose external data is `data` (in order). */
export function dataFileName(modelName: string, data: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of data) h.update(c);
  return `${fitName(modelName, DATA_RESERVE)}.${h.digest('hex').slice(0, 16)}.data`;
}

/** Whether `name` is a data file netforge writes for the model file `modelName` (this scheme, or the earlier `<model>.data`). */
export function isDataFileOf(modelName: string): (name: string) => boolean {
  const stem = fitName(modelName, DATA_RESERVE);
  return (name) => name === `${modelName}.data` || (name.length === stem.length + DATA_RESERVE && name.startsWith(`${stem}.`) && /^\.[0-9a-f]{16}\.data$/.test(name.slice(stem.length)));
}

/** How netforge names a model's data files, for messages: `m.onnx.<hash>.data`. */
export const dataFilePattern = (modelName: string): string => `${fitName(modelName, DATA_RESERVE)}.<hash>.data`;

/**
 * After a write of `modelPath`: remove its data files (isDataFileOf) that are not in `keep`
 * (the names the new model and the replaced one refer to). Call it under the writer's lock.
 */
export function removeUnreferencedData(modelPath: string, keep: ReadonlySet<string>): void {
  const dir = dirname(modelPath);
  const mine = isDataFileOf(basename(modelPath));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (mine(n) && !keep.has(n)) safeUnlink(join(dir, n));
}

// ---- reading the locations a model refers to ----

const WINDOW = 64 * 1024;
/** Nesting allowed through node attributes' subgraphs (If/Loop bodies). */
const MAX_DEPTH = 16;

/** Positional reads of a file through a small window. */
class FileBytes {
  private buf = new Uint8Array(WINDOW);
  private start = 0;
  private len = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}
  byte(pos: number): number {
    if (pos < this.start || pos >= this.start + this.len) {
      if (pos >= this.size) throw new RangeError('past the end');
      this.start = pos;
      this.len = readSync(this.fd, this.buf, 0, WINDOW, pos);
      if (this.len <= 0) throw new RangeError('short read');
    }
    return this.buf[pos - this.start]!;
  }
  bytes(pos: number, n: number): Uint8Array {
    if (n > 4096 || pos + n > this.size) throw new RangeError('string too long');
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.byte(pos + i);
    return out;
  }
}

interface Field {
  readonly no: number;
  readonly wire: number;
  /** Where a length-delimited value starts, and its end. */
  readonly start: number;
  readonly end: number;
}

function varint(r: FileBytes, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = r.byte(pos + i);
    v += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [v, pos + i + 1];
    mul *= 128;
  }
  throw new RangeError('bad varint');
}

/** The fields of the message in [start, end). */
function* fields(r: FileBytes, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [key, p] = varint(r, pos);
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) pos = varint(r, p)[1];
    else if (wire === 1) pos = p + 8;
    else if (wire === 5) pos = p + 4;
    else if (wire === 2) {
      const [len, q] = varint(r, p);
      if (q + len > end) throw new RangeError('length past the message');
      yield { no, wire, start: q, end: q + len };
      pos = q + len;
      continue;
    } else throw new RangeError(`wire type ${wire}`);
    yield { no, wire, start: p, end: pos };
  }
}

const text = new TextDecoder();

function tensorLocation(r: FileBytes, t: Field, out: Set<string>): void {
  for (const f of fields(r, t.start, t.end)) {
    if (f.no !== 13 || f.wire !== 2) continue; // external_data: StringStringEntryProto
    let key: string | undefined;
    let value: string | undefined;
    for (const kv of fields(r, f.start, f.end)) {
      if (kv.wire !== 2) continue;
      if (kv.no === 1) key = text.decode(r.bytes(kv.start, kv.end - kv.start));
      else if (kv.no === 2) value = text.decode(r.bytes(kv.start, kv.end - kv.start));
    }
    if (key === 'location' && value !== undefined) out.add(value);
  }
}

function graphLocations(r: FileBytes, g: Field, out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (const f of fields(r, g.start, g.end)) {
    if (f.wire !== 2) continue;
    if (f.no === 5) tensorLocation(r, f, out); // initializer
    else if (f.no === 15) {
      // sparse_initializer: values (1) and indices (2) are tensors
      for (const s of fields(r, f.start, f.end)) if (s.wire === 2 && (s.no === 1 || s.no === 2)) tensorLocation(r, s, out);
    } else if (f.no === 1) {
      // node: attributes (5) hold tensors (t = 5, tensors = 10) and subgraphs (g = 6, graphs = 11)
      for (const a of fields(r, f.start, f.end)) {
        if (a.no !== 5 || a.wire !== 2) continue;
        for (const v of fields(r, a.start, a.end)) {
          if (v.wire !== 2) continue;
          if (v.no === 5 || v.no === 10) tensorLocation(r, v, out);
          else if (v.no === 6 || v.no === 11) graphLocations(r, v, out, depth + 1);
        }
      }
    }
  }
}

/**
 * The external data locations (as written in the model, relative to its directory) of the
 * ONNX model at `path`; empty when it has none, does not exist, or is not a readable model.
 */
export function externalDataLocations(path: string): string[] {
  const out = new Set<string>();
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO at the path must not block the open (it is then not a regular file: none)
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return [];
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return [];
    const r = new FileBytes(fd, st.size);
    for (const f of fields(r, 0, st.size)) if (f.no === 7 && f.wire === 2) graphLocations(r, f, out, 0);
  } catch {
    // not (entirely) an ONNX model: what was found so far
  } finally {
    closeSync(fd);
  }
  return [...out];
}
