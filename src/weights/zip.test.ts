import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readZip } from './zip.js';
import { parsePth } from './pth.js';
import { buildZip } from '../../test/fixtures/weights/zipBuilder.js';
import { expectNetforgeError, fixture } from '../../test/fixtures/weights/helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('readZip', () => {
  it('reads a torch.save archive (ZIP64 end record, aligned stored entries) as zero-copy views', () => {
    const buf = readFileSync(fixture('mixed_zip.pth'));
    const zip = readZip(buf, 'mixed_zip.pth');
    const names = [...zip.entries.keys()];
    expect(names).toContain('mixed_zip/data.pkl');
    const data = zip.read('mixed_zip/data/0');
    expect(data.buffer).toBe(buf.buffer);
    // PyTorch aligns stored tensor data to 64 bytes in the file.
    expect((data.byteOffset - buf.byteOffset) % 64).toBe(0);
  });

  it('reads deflated and stored entries written by other tools', () => {
    const payload = enc('hello '.repeat(100));
    const zip = readZip(buildZip([{ name: 'a/x', data: payload, deflate: true }, { name: 'a/y', data: enc('raw') }]), 't.zip');
    expect(new TextDecoder().decode(zip.read('a/x'))).toBe('hello '.repeat(100));
    expect(new TextDecoder().decode(zip.read('a/y'))).toBe('raw');
    const empty = readZip(buildZip([{ name: 'e', data: new Uint8Array(0), deflate: true }]), 't.zip');
    expect(empty.read('e').length).toBe(0);
  });

  it('refuses ../ and absolute entry names', () => {
    expectNetforgeError(() => readZip(readFileSync(fixture('zip_slip.zip')), 'zip_slip.zip'), 'E_ZIP_UNSAFE_PATH');
    expectNetforgeError(() => readZip(readFileSync(fixture('zip_absolute.zip')), 'zip_absolute.zip'), 'E_ZIP_UNSAFE_PATH');
    for (const name of ['a/../../b', 'C:/x', '\\\\server\\x', 'a\\..\\b']) {
      expectNetforgeError(() => readZip(buildZip([{ name, data: enc('x') }]), 't.zip'), 'E_ZIP_UNSAFE_PATH');
    }
  });

  it('refuses duplicate entry names', () => {
    expectNetforgeError(() => readZip(readFileSync(fixture('zip_duplicate.zip')), 'zip_duplicate.zip'), 'E_ZIP_DUPLICATE');
  });

  it('detects CRC mismatches in stored and deflated entries', () => {
    const stored = buildZip([{ name: 'x', data: enc('abcdef') }]);
    stored[33] = stored[33]! ^ 0x01; // flip a data byte ('x' name is 1 byte)
    const e = expectNetforgeError(() => readZip(stored, 't.zip').read('x'), 'E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('CRC');
    expectNetforgeError(() => readZip(buildZip([{ name: 'x', data: enc('abc'), deflate: true, crc: 1 }]), 't.zip').read('x'), 'E_WEIGHTS_CORRUPT');
  });

  it('refuses zip bombs: huge declared ratios, and inflate output beyond the declared size', () => {
    const zeros = new Uint8Array(1 << 20);
    const csize = deflateRawSync(zeros).length;
    expectNetforgeError(() => readZip(buildZip([{ name: 'b', data: zeros, deflate: true, usize: 0xfffffff0 }]), 't.zip'), 'E_ZIP_BOMB');
    expect(csize).toBeLessThan(0xfffffff0 / 64);
    // Declares 1000 bytes but inflates to 1 MiB: stopped by maxOutputLength.
    expectNetforgeError(() => readZip(buildZip([{ name: 'b', data: zeros, deflate: true, usize: 1000 }]), 't.zip').read('b'), 'E_ZIP_BOMB');
  });

  it('refuses archives whose entries together declare far more than the archive could hold', () => {
    // Three 40 MiB runs of zeros deflate to ~40 KiB each: every entry passes the per-entry rule
    // (under 1 GiB), but together they declare 120 MiB from a ~120 KiB file, over 64 x size + 64 MiB.
    const zeros = new Uint8Array(40 << 20);
    const bomb = buildZip(['a', 'b', 'c'].map((n) => ({ name: `bomb/data/${n}`, data: zeros, deflate: true })));
    expect(bomb.length).toBeLessThan(1 << 20);
    const e = expectNetforgeError(() => readZip(bomb, 'bomb.pth'), 'E_ZIP_BOMB');
    expect(e.file).toBe('bomb.pth');
    // The same data in one entry is within the slack, and inflates and verifies normally.
    const one = readZip(buildZip([{ name: 'one', data: zeros, deflate: true }]), 'one.zip').read('one');
    expect(one.length).toBe(40 << 20); // read() also verified its CRC-32
  });

  it('counts stored entries 1:1 and deflated ones by declared size in the total rule', () => {
    const zeros = new Uint8Array(1 << 20);
    // Without the slack, 1 MiB deflated to ~1 KiB is over 64 x the archive size ...
    expectNetforgeError(() => readZip(buildZip([{ name: 'z', data: zeros, deflate: true }]), 't.zip', { totalSlack: 0 }), 'E_ZIP_BOMB');
    // ... several stored entries are not (they lie inside the archive) ...
    const stored = buildZip(['a', 'b', 'c'].map((name) => ({ name, data: zeros })));
    expect(readZip(stored, 't.zip', { totalSlack: 0 }).read('c').length).toBe(1 << 20);
    // ... nor is a real torch.save checkpoint, stored or deflated.
    for (const name of ['mixed_zip.pth', 'deflated.pth', 'big_endian.pth']) {
      const buf = readFileSync(fixture(name));
      const zip = readZip(buf, name, { totalSlack: 0 });
      for (const entry of zip.entries.keys()) zip.read(entry);
      expect(parsePth(buf, name).tensors.size).toBeGreaterThan(0);
    }
  });

  it('refuses sizes and offsets beyond the file, and truncated archives', () => {
    expectNetforgeError(() => readZip(buildZip([{ name: 'x', data: enc('abc'), usize: 1 << 20, csize: 1 << 20 }]), 't.zip'), 'E_WEIGHTS_TRUNCATED');
    const ok = buildZip([{ name: 'x', data: enc('abc') }]);
    expectNetforgeError(() => readZip(ok.subarray(0, ok.length - 5), 't.zip'), 'E_WEIGHTS_TRUNCATED');
    expectNetforgeError(() => readZip(new Uint8Array(0), 't.zip'), 'E_WEIGHTS_TRUNCATED');
  });

  it('refuses a deflated entry that inflates to less than declared', () => {
    expectNetforgeError(() => readZip(buildZip([{ name: 'x', data: enc('abc'), deflate: true, usize: 10 }]), 't.zip').read('x'), 'E_WEIGHTS_CORRUPT');
  });

  it('refuses garbage in the compressed stream', () => {
    const z = buildZip([{ name: 'x', data: enc('abcabcabc'), deflate: true }]);
    z[31] = 0xff;
    z[32] = 0xff;
    expectNetforgeError(() => readZip(z, 't.zip').read('x'));
  });
});
