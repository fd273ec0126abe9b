/**
 * A restricted Python unpickler: a stack machine over the pickle opcodes that never runs
 * anything. Python's own unpickler imports and calls whatever GLOBAL/REDUCE name, which
 * is how a malicious .pth file runs `os.system`. Here a global resolves only through the
 * caller's allowlist (see torchPickle.ts), whose entries are TypeScript functions that
 * build plain data; any other name is refused with E_PICKLE_GLOBAL before anything else
 * happens.
 *
 * Resources are bounded: the stack, mark depth and memo have caps, and every length read
 * from the input is checked against the bytes that remain before anything is allocated.
 * Values are built iteratively, so deeply nested input cannot overflow the JS stack.
 */
import { fail, corrupt, truncated } from './fail.js';
import { printable } from '../printable.js';

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyBytes
  | PyTuple
  | PyList
  | PyDict
  | PySet
  | PyGlobal
  | PyObject;

export class PyBytes {
  constructor(readonly data: Uint8Array) {}
}
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}
export class PyList {
  constructor(readonly items: PyValue[] = []) {}
}
export class PySet {
  constructor(readonly items: PyValue[] = []) {}
}
/** A dict (or OrderedDict). Primitive keys compare by value, container keys by identity. */
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
  /** State set by BUILD, e.g. the `_metadata` attribute of a state dict. */
  state: PyValue = null;
}
/** Base of the opaque objects allowlisted callables return (storages, tensors). */
export abstract class PyObject {
  abstract readonly pyType: string;
}

export interface CallContext {
  readonly file: string;
}

/** An allowlisted global: a class or function whose behaviour is implemented in TypeScript. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** Absent for marker globals (e.g. storage types) that may be referenced but never called. */
    readonly call?: (args: readonly PyValue[], ctx: CallContext) => PyValue,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface UnpickleOptions {
  readonly file: string;
  /** Byte offset of the pickle in `buf` (several pickles follow each other in legacy .pth files). */
  readonly offset?: number;
  /** `module.name` -> implementation. Everything else is refused. */
  readonly globals: ReadonlyMap<string, PyGlobal>;
  /** Resolves BINPERSID/PERSID ids (how torch refers to tensor storages). Absent: persistent ids are refused. */
  readonly persistentLoad?: (pid: PyValue) => PyValue;
  /** Hint for an E_PICKLE_GLOBAL error about `module.name` (or about an extension code). */
  readonly globalHint?: (qualname: string) => string;
}

export interface UnpickleResult {
  readonly value: PyValue;
  /** Offset just past the STOP opcode. */
  readonly end: number;
}

/** Caps; far beyond what any state dict needs (resnet152's pickle has ~10k stack pushes). */
export const PICKLE_LIMITS = { maxStack: 1 << 20, maxMarks: 1000, maxMemo: 1 << 20, maxLongBytes: 1 << 16 } as const;

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

export function unpickle(buf: Uint8Array, opts: UnpickleOptions): UnpickleResult {
  const { file, globals } = opts;
  const ctx: CallContext = { file };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = opts.offset ?? 0;
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const err = (msg: string): Error => corrupt(file, `pickle at byte ${pos}: ${msg}`);
  const need = (n: number): void => {
    if (n < 0 || pos + n > buf.length) {
      throw truncated(file, `pickle ends early: byte ${pos} needs ${n} more bytes but only ${buf.length - pos} remain`);
    }
  };
  const u8 = (): number => {
    need(1);
    return buf[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = dv.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    // Any length that does not fit the remaining bytes is rejected by need() anyway.
    return v > BigInt(buf.length) ? buf.length + 1 : Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  /** A protocol-0 text argument: everything up to the next newline. */
  const line = (): string => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) throw truncated(file, `pickle ends early: no newline after byte ${pos}`);
    const s = latin1.decode(buf.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };

  const push = (v: PyValue): void => {
    if (stack.length >= PICKLE_LIMITS.maxStack) throw err(`stack exceeds ${PICKLE_LIMITS.maxStack} items`);
    stack.push(v);
  };
  // Marks are stack heights; items below the innermost mark are out of reach, as in CPython.
  const base = (): number => (marks.length > 0 ? marks[marks.length - 1]! : 0);
  const pop = (): PyValue => {
    if (stack.length <= base()) throw err('stack underflow');
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length <= base()) throw err('stack underflow');
    return stack[stack.length - 1]!;
  };
  /** Items pushed since the last MARK, removing them and the mark. */
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) throw err('no MARK to pop to');
    return stack.splice(m);
  };
  const memoPut = (idx: number, v: PyValue): void => {
    if (!memo.has(idx) && memo.size >= PICKLE_LIMITS.maxMemo) throw err(`memo exceeds ${PICKLE_LIMITS.maxMemo} entries`);
    memo.set(idx, v);
  };
  const memoGet = (idx: number): PyValue => {
    const v = memo.get(idx);
    if (v === undefined) throw err(`memo key ${idx} is not defined`);
    return v;
  };
  const resolve = (module: string, name: string): PyGlobal => {
    const g = globals.get(`${module}.${name}`);
    if (g === undefined) {
      throw fail(
        'E_PICKLE_GLOBAL',
        file,
        `pickle refers to '${printable(`${module}.${name}`)}', which netforge does not allow (only tensor and state-dict types are loaded; nothing is executed)`,
        opts.globalHint?.(printable(`${module}.${name}`)) ?? 'the file may be malicious, or contains objects other than tensors',
      );
    }
    return g;
  };
  const call = (fn: PyValue, args: readonly PyValue[]): PyValue => {
    if (!(fn instanceof PyGlobal)) throw err(`cannot call a ${typeName(fn)}`);
    if (fn.call === undefined) throw err(`'${printable(fn.qualname)}' cannot be called`);
    return fn.call(args, ctx);
  };
  const setItems = (d: PyValue, kv: readonly PyValue[]): void => {
    if (!(d instanceof PyDict)) throw err(`SETITEM(S) on a ${typeName(d)}`);
    if (kv.length % 2 !== 0) throw err('SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) d.map.set(kv[i]!, kv[i + 1]!);
  };
  const appendItems = (l: PyValue, items: readonly PyValue[]): void => {
    if (!(l instanceof PyList || l instanceof PySet)) throw err(`APPEND(S) on a ${typeName(l)}`);
    for (const x of items) l.items.push(x); // not push(...items): that overflows the JS stack for big APPENDS
  };
  const str = (b: Uint8Array): string => utf8.decode(b);
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let hex = '';
    for (let i = b.length - 1; i >= 0; i--) hex += b[i]!.toString(16).padStart(2, '0');
    let v = BigInt('0x' + hex);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length); // two's complement
    return toInt(v);
  };

  for (;;) {
    const opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME: a length prefix for buffering; the content is ordinary opcodes
        u64();
        break;
      case 0x2e: {
        // STOP
        // Like CPython, leftovers below the top are ignored.
        return { value: pop(), end: pos };
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        push(new PyList());
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x8f: // EMPTY_SET
        push(new PySet());
        break;
      case 0x28: // MARK
        if (marks.length >= PICKLE_LIMITS.maxMarks) throw err(`MARKs nested deeper than ${PICKLE_LIMITS.maxMarks}`);
        marks.push(stack.length);
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(long(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0 || n > PICKLE_LIMITS.maxLongBytes) throw err(`LONG4 of ${n} bytes`);
        push(long(bytes(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(str(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(str(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(str(bytes(u64())));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str; torch.load decodes these as utf-8)
        const n = i32();
        if (n < 0) throw err('BINSTRING with a negative length');
        push(str(bytes(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(str(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        push(new PyBytes(bytes(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        push(new PyBytes(bytes(u8())));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(new PyBytes(bytes(u64())));
        break;
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x6c: // LIST
        push(new PyList(popMark()));
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        push(new PySet(popMark()));
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, top());
        break;
      case 0x70: // PUT
        memoPut(parseDecimal(line(), err), top());
        break;
      case 0x68: // BINGET
        push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()));
        break;
      case 0x67: // GET
        push(memoGet(parseDecimal(line(), err)));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        push(resolve(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw err('STACK_GLOBAL needs two strings');
        push(resolve(module, name));
        break;
      }
      case 0x69: {
        // INST: class named inline, arguments since MARK
        const module = line();
        const cls = resolve(module, line());
        push(call(cls, popMark()));
        break;
      }
      case 0x6f: {
        // OBJ: class and arguments since MARK
        const items = popMark();
        const cls = items.shift();
        if (cls === undefined) throw err('OBJ without a class');
        push(call(cls, items));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) throw err(`REDUCE arguments must be a tuple, not a ${typeName(args)}`);
        push(call(fn, args.items));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) throw err('NEWOBJ arguments must be a tuple');
        push(call(cls, args.items));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: only without keyword arguments
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple) || !(kwargs instanceof PyDict) || kwargs.map.size !== 0) {
          throw fail('E_PICKLE_OPCODE', file, `pickle at byte ${opPos}: NEWOBJ_EX with keyword arguments is not supported`, 'state dicts never need this; re-save with torch.save(model.state_dict(), path)');
        }
        push(call(cls, args.items));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state). Only dicts (OrderedDict's _metadata) and opaque objects take state; it is kept, never executed.
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) obj.state = state;
        else if (!(obj instanceof PyObject)) throw err(`BUILD on a ${typeName(obj)}`);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        push(persistent(pid));
        break;
      }
      case 0x50: // PERSID
        push(persistent(line()));
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x30: // POP
        if (marks.length > 0 && marks[marks.length - 1] === stack.length) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x49: {
        // INT (protocol 0; "00"/"01" are False/True)
        const s = line();
        push(s === '00' ? false : s === '01' ? true : parseIntText(s, err));
        break;
      }
      case 0x4c: // LONG (protocol 0, trailing L)
        push(parseIntText(line().replace(/L$/, ''), err));
        break;
      case 0x46: {
        // FLOAT (protocol 0)
        const s = line().trim();
        const v = Number(s);
        if (Number.isNaN(v) && !/^[+-]?nan$/i.test(s)) throw err(`bad FLOAT '${printable(s)}'`);
        push(v);
        break;
      }
      case 0x53: // STRING (protocol 0, a quoted repr)
        push(parseStringRepr(line(), err));
        break;
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape)
        push(parseRawUnicodeEscape(line(), err));
        break;
      case 0x82:
      case 0x83:
      case 0x84: {
        // EXT1/2/4 look a global up in copyreg's extension registry: a global by number.
        const code = op === 0x82 ? u8() : op === 0x83 ? u16() : i32();
        throw fail('E_PICKLE_GLOBAL', file, `pickle refers to a global through extension code ${code}, which netforge does not allow`, opts.globalHint?.(`extension code ${code}`) ?? 'the file may be malicious');
      }
      default:
        throw fail(
          'E_PICKLE_OPCODE',
          file,
          `pickle at byte ${opPos}: unsupported or invalid opcode 0x${op.toString(16).padStart(2, '0')}`,
          'the file is damaged, or uses pickle features that state dicts never need (out-of-band buffers)',
        );
    }
  }

  function persistent(pid: PyValue): PyValue {
    if (opts.persistentLoad === undefined) throw err('persistent id in a pickle that cannot have one');
    return opts.persistentLoad(pid);
  }
}

/** Python-ish type name for messages. */
export function typeName(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyBytes) return 'bytes';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PySet) return 'set';
  if (v instanceof PyGlobal) return v.qualname;
  return v.pyType;
}

function toInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseDecimal(s: string, err: (m: string) => Error): number {
  if (!/^\d{1,10}$/.test(s)) throw err(`bad memo index '${printable(s)}'`);
  return Number(s);
}

function parseIntText(s: string, err: (m: string) => Error): number | bigint {
  const t = s.trim();
  if (!/^[+-]?\d{1,4000}$/.test(t)) throw err(`bad integer '${printable(s)}'`);
  return toInt(BigInt(t));
}

/** Decode a Python 2 `repr(str)` as written by protocol 0's STRING opcode. */
function parseStringRepr(s: string, err: (m: string) => Error): string {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) throw err('STRING argument is not quoted');
  const body = s.slice(1, -1);
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return simple[e] ?? `\\${e}`;
  });
}

function parseRawUnicodeEscape(s: string, err: (m: string) => Error): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (m, a?: string, b?: string) => {
    const cp = parseInt((a ?? b)!, 16);
    // Python refuses \U escapes past the last code point ("illegal Unicode character")
    if (cp > 0x10ffff) throw err(`UNICODE escape ${m} is not a Unicode code point (the largest is \\U0010ffff)`);
    return String.fromCodePoint(cp);
  });
}
