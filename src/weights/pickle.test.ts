import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PICKLE_LIMITS, PyBytes, PyDict, PyList, PySet, PyTuple, unpickle, type PyValue } from './pickle.js';
import { TORCH_GLOBALS } from './torchPickle.js';
import { expected, expectNetforgeError, fixture } from '../../test/fixtures/weights/helpers.js';

/** Assemble a pickle from opcode bytes and latin1 strings. */
function p(...parts: (number | string | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const x of parts) {
    if (typeof x === 'number') out.push(x);
    else if (typeof x === 'string') for (const c of x) out.push(c.charCodeAt(0));
    else out.push(...x);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const run = (buf: Uint8Array, globals = new Map()): PyValue => unpickle(buf, { file: 't.pkl', globals }).value;

/** Plain-JS view of a value for comparisons. */
function plain(v: PyValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyTuple || v instanceof PyList || v instanceof PySet) return v.items.map(plain);
  if (v instanceof PyBytes) return [...v.data];
  if (v instanceof PyDict) return Object.fromEntries([...v.map].map(([k, x]) => [String(k), plain(x)]));
  return v;
}

describe('unpickle: values', () => {
  it('decodes protocol 0 and 1 pickles written by Python', () => {
    for (const f of ['proto0.pkl', 'proto1.pkl']) {
      expect(plain(run(readFileSync(fixture(f))))).toEqual(expected.pickle_value);
    }
  });

  it('decodes binary opcodes', () => {
    const v = run(
      p(
        0x80, 2, '(', // MARK
        'J', u32(0xfffffffe), // BININT -2
        'K', 7, 'M', 0x34, 0x12, // BININT1, BININT2
        0x8a, 1, 0xff, // LONG1 -1
        0x8b, u32(2), 0x00, 0x80, // LONG4 -32768
        'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, // BINFLOAT 1.5 (big-endian)
        'T', u32(2), 'hi', 'U', 1, 'x', // BINSTRING, SHORT_BINSTRING
        'B', u32(2), 1, 2, 'C', 1, 3, // BINBYTES, SHORT_BINBYTES
        0x8d, 3, 0, 0, 0, 0, 0, 0, 0, 'abc', // BINUNICODE8
        0x8e, 1, 0, 0, 0, 0, 0, 0, 0, 9, // BINBYTES8
        'N', 0x88, 0x89, // None True False
        'l', // LIST from mark
        '.',
      ),
    );
    expect(plain(v)).toEqual([-2, 7, 0x1234, -1, -32768, 1.5, 'hi', 'x', [1, 2], [3], 'abc', [9], null, true, false]);
  });

  it('handles memo, DUP, POP, POP_MARK, tuples, dicts and sets', () => {
    const v = run(
      p(
        0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, // FRAME (ignored)
        '}', 0x94, // EMPTY_DICT, MEMOIZE -> 0
        0x8c, 1, 'a', 'K', 1, 'K', 2, 0x86, 's', // d['a'] = (1, 2)
        0x8c, 1, 'b', 'h', 0, 's', // d['b'] = d (self-reference through the memo)
        '(', 'K', 9, '1', // MARK 9 POP_MARK: discarded
        'K', 5, '2', '0', '0', // DUP, POP, POP -> nothing left
        0x8c, 1, 'c', 0x8f, '(', 'K', 1, 'K', 2, 0x90, 's', // set {1, 2}
        0x8c, 1, 'd', '(', 'K', 3, 0x91, 's', // frozenset {3}
        0x8c, 1, 'e', ']', 'K', 4, 'a', '(', 'K', 5, 'K', 6, 'e', 's', // list [4, 5, 6]
        0x8c, 1, 'f', 'K', 1, 'K', 2, 'K', 3, 0x87, 0x85, 's', // ((1, 2, 3),)
        0x8c, 1, 'g', '(', 'K', 1, 'K', 2, 'd', 's', // DICT {1: 2}
        '.',
      ),
    );
    expect(v).toBeInstanceOf(PyDict);
    const d = v as PyDict;
    expect(d.map.get('b')).toBe(d);
    expect(plain(d.map.get('a')!)).toEqual([1, 2]);
    expect(plain(d.map.get('c')!)).toEqual([1, 2]);
    expect(plain(d.map.get('d')!)).toEqual([3]);
    expect(plain(d.map.get('e')!)).toEqual([4, 5, 6]);
    expect(plain(d.map.get('f')!)).toEqual([[1, 2, 3]]);
    expect(plain(d.map.get('g')!)).toEqual({ '1': 2 });
  });

  it('decodes protocol 0 escapes and text opcodes', () => {
    const v = run(p('(', "S'a\\nb\\x41\\'c'\n", 'VA\\u00e9\n', 'I00\n', 'I01\n', 'I-12\n', 'L99999999999999999999L\n', 'F0.25\n', 'l', 'p0\n', 'g0\n', '0', '.'));
    expect(plain(v)).toEqual(["a\nbA'c", 'Aé', false, true, -12, '99999999999999999999', 0.25]);
  });

  it('builds OrderedDicts through REDUCE, NEWOBJ and BUILD with the allowlist', () => {
    const od = p('c', 'collections\nOrderedDict\n', ')', 'R', 0x8c, 1, 'k', 'K', 1, 's', '}', 'b', '.');
    expect(plain(unpickle(od, { file: 't', globals: TORCH_GLOBALS }).value)).toEqual({ k: 1 });
    const nw = p('c', 'collections\nOrderedDict\n', ')', 0x81, '.');
    expect(unpickle(nw, { file: 't', globals: TORCH_GLOBALS }).value).toBeInstanceOf(PyDict);
  });

  it('returns the end offset so consecutive pickles can be read', () => {
    const two = p(0x80, 2, 'K', 1, '.', 0x80, 2, 'K', 2, '.');
    const a = unpickle(two, { file: 't', globals: new Map() });
    expect(a).toEqual({ value: 1, end: 5 });
    expect(unpickle(two, { file: 't', globals: new Map(), offset: a.end }).value).toBe(2);
  });
});

describe('unpickle: refusals', () => {
  const refuse = (buf: Uint8Array, code: string, globals = TORCH_GLOBALS) => expectNetforgeError(() => unpickle(buf, { file: 't.pkl', globals }), code);

  it('refuses non-allowlisted globals through GLOBAL, STACK_GLOBAL, INST and OBJ before calling anything', () => {
    expect(refuse(p(0x80, 2, 'c', 'os\nsystem\n', '.'), 'E_PICKLE_GLOBAL').message).toContain("'os.system'");
    expect(refuse(p(0x80, 4, 0x8c, 10, 'subprocess', 0x8c, 5, 'Popen', 0x93, '.'), 'E_PICKLE_GLOBAL').message).toContain("'subprocess.Popen'");
    expect(refuse(p('(', "S'ls'\n", 'i', 'posix\nsystem\n', '.'), 'E_PICKLE_GLOBAL').message).toContain("'posix.system'");
    expect(refuse(p('(', 'c', '__builtin__\neval\n', "S'1'\n", 'o', '.'), 'E_PICKLE_GLOBAL').message).toContain("'__builtin__.eval'");
    refuse(p(0x80, 2, 0x82, 1, '.'), 'E_PICKLE_GLOBAL'); // EXT1
  });

  it('refuses calling allowlisted markers and non-callables', () => {
    refuse(p('c', 'torch\nFloatStorage\n', ')', 'R', '.'), 'E_WEIGHTS_CORRUPT');
    refuse(p('K', 1, ')', 'R', '.'), 'E_WEIGHTS_CORRUPT');
  });

  it('refuses unknown opcodes and out-of-band buffers', () => {
    expect(refuse(p(0x80, 2, 0xff), 'E_PICKLE_OPCODE').message).toContain('0xff');
    refuse(p(0x80, 5, 0x97, '.'), 'E_PICKLE_OPCODE');
  });

  it('checks lengths against the remaining bytes before allocating', () => {
    refuse(p(0x80, 2, 'X', u32(0xffffffff)), 'E_WEIGHTS_TRUNCATED');
    refuse(p(0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 'E_WEIGHTS_TRUNCATED');
    refuse(p(0x80, 2, 'T', u32(0x80000000)), 'E_WEIGHTS_CORRUPT'); // negative BINSTRING length
    refuse(p(0x80, 2, 'K', 1), 'E_WEIGHTS_TRUNCATED'); // no STOP
    refuse(p('c', 'os'), 'E_WEIGHTS_TRUNCATED');
  });

  it('refuses malformed structure', () => {
    refuse(p('.'), 'E_WEIGHTS_CORRUPT'); // empty stack
    refuse(p('h', 3, '.'), 'E_WEIGHTS_CORRUPT'); // undefined memo
    refuse(p('K', 1, 'K', 2, 's', '.'), 'E_WEIGHTS_CORRUPT'); // SETITEM on an int
    refuse(p('t', '.'), 'E_WEIGHTS_CORRUPT'); // TUPLE without MARK
    refuse(p('K', 1, '(', 0x85, '.'), 'E_WEIGHTS_CORRUPT'); // TUPLE1 reaching under a MARK
    refuse(p('K', 1, 'Q', '.'), 'E_WEIGHTS_CORRUPT'); // persistent id without a loader
  });

  it('bounds mark depth, memo and stack', () => {
    refuse(p(...new Array(PICKLE_LIMITS.maxMarks + 1).fill('('), '.'), 'E_WEIGHTS_CORRUPT');
    const memo = new Uint8Array(1 + 5 * (PICKLE_LIMITS.maxMemo + 1));
    memo[0] = 0x4e; // NONE, then LONG_BINPUT i for i = 0..maxMemo
    const mv = new DataView(memo.buffer);
    for (let i = 0; i <= PICKLE_LIMITS.maxMemo; i++) {
      memo[1 + 5 * i] = 0x72;
      mv.setUint32(2 + 5 * i, i, true);
    }
    expect(refuse(memo, 'E_WEIGHTS_CORRUPT').message).toContain('memo');
    const dups = new Uint8Array(PICKLE_LIMITS.maxStack + 2).fill(0x32); // DUP
    dups[0] = 0x4e; // NONE
    expect(refuse(dups, 'E_WEIGHTS_CORRUPT').message).toContain('stack');
  });

  it('appends a million items without overflowing the JS stack', () => {
    const n = PICKLE_LIMITS.maxStack - 2;
    const buf = new Uint8Array(3 + n + 2);
    buf.set([0x5d, 0x28, 0x4e]); // EMPTY_LIST MARK NONE
    buf.fill(0x32, 3, 3 + n - 1); // DUP ...
    buf.set([0x65, 0x2e], 2 + n); // APPENDS STOP
    const v = unpickle(buf, { file: 't', globals: new Map() }).value;
    expect((v as PyList).items.length).toBe(n);
  });

  it('refuses oversized LONG4', () => {
    refuse(p('(', 0x8b, u32(PICKLE_LIMITS.maxLongBytes + 1)), 'E_WEIGHTS_CORRUPT');
  });
});
