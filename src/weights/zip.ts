/**
 * A minimal, defensive ZIP reader for PyTorch checkpoints (torch >= 1.6 writes a ZIP
 * archive). Only what torch.save and Python's zipfile produce is supported: stored and
 * deflated entries, ZIP64 end records, no encryption, no multi-disk archives.
 *
 * The archive comes from the user, so every declared size and offset is checked against
 * the buffer before use. Stored entries (PyTorch writes tensors stored, 64-byte aligned)
 * are returned as zero-copy views of the file buffer, which is what makes a 100 MB
 * checkpoint load in a fraction of a second. CRC-32 is verified for every entry: the
 * table/native implementation runs at >= 1 GB/s, so even a 100 MB archive costs ~0.1 s.
 */
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';
import { corrupt, fail, truncated } from './fail.js';
import { printable } from '../printable.js';

export interface ZipEntry {
  readonly name: string;
  readonly method: number; // 0 = stored, 8 = deflate
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

export interface ZipArchive {
  readonly file: string;
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** Entry bytes: a view of the file buffer for stored entries, a fresh buffer for deflated ones. CRC-checked. */
  read(name: string): Uint8Array;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const MAX_COMMENT = 0xffff;
const GiB = 1024 ** 3;
/** Declared uncompressed sizes beyond both of these are treated as a zip bomb. */
const BOMB_RATIO = 64;
const BOMB_MIN = GiB;
/**
 * The sum of all declared uncompressed sizes may be at most TOTAL_RATIO x the archive's size
 * plus TOTAL_SLACK: many entries each under the per-entry limit must not add up to gigabytes.
 * Stored entries count 1:1 and lie inside the archive, so torch.save files (which store every
 * entry uncompressed) always pass.
 */
const TOTAL_RATIO = 64;
const TOTAL_SLACK = 64 * 1024 ** 2;
/** Names are UTF-8 in practice (torch, Python's zipfile); invalid bytes become U+FFFD rather than failing. */
const utf8 = new TextDecoder('utf-8');

export function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

/** Internal knobs, for tests that exercise the total-size rule without allocating tens of MiB. */
export interface ZipOptions {
  /** Bytes allowed beyond TOTAL_RATIO x archive size (default 64 MiB). */
  readonly totalSlack?: number;
}

export function readZip(buf: Uint8Array, file: string, options: ZipOptions = {}): ZipArchive {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u64 = (off: number, what: string): number => {
    const v = dv.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(file, `ZIP ${what} ${v} is too large`);
    return Number(v);
  };
  const need = (off: number, len: number, what: string): void => {
    if (off < 0 || len < 0 || off + len > buf.length) {
      throw truncated(file, `ZIP ${what} at byte ${off} (${len} bytes) lies beyond the end of the file (${buf.length} bytes)`);
    }
  };

  // End of central directory: the last record, followed only by an optional comment.
  const eocd = findEocd(buf, dv);
  if (eocd < 0) {
    throw truncated(file, 'no ZIP end-of-central-directory record found; the archive is incomplete');
  }
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0) {
    throw fail('E_WEIGHTS_FORMAT', file, 'multi-disk (split) ZIP archives are not supported', 'join the parts into one file');
  }
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  // ZIP64: the locator sits right before the EOCD and points at the 64-bit record.
  // PyTorch always writes one, so prefer it whenever it is present.
  const loc = eocd - 20;
  if (loc >= 0 && dv.getUint32(loc, true) === SIG_LOCATOR64) {
    const rec = u64(loc + 8, 'ZIP64 end record offset');
    need(rec, 56, 'ZIP64 end-of-central-directory record');
    if (dv.getUint32(rec, true) !== SIG_EOCD64) throw corrupt(file, 'ZIP64 end-of-central-directory record has a bad signature');
    count = u64(rec + 32, 'entry count');
    cdSize = u64(rec + 40, 'central directory size');
    cdOffset = u64(rec + 48, 'central directory offset');
  } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw corrupt(file, 'ZIP declares ZIP64 sizes but has no ZIP64 locator');
  }
  need(cdOffset, cdSize, 'central directory');
  // Each central record is >= 46 bytes; a bigger count is a lie that would make us loop.
  if (count * 46 > cdSize) throw corrupt(file, `ZIP declares ${count} entries but its central directory has only ${cdSize} bytes`);

  const entries = new Map<string, ZipEntry>();
  let totalUncompressed = 0;
  let p = cdOffset;
  const cdEnd = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdEnd) throw corrupt(file, `ZIP central directory ends inside entry ${i}`);
    if (dv.getUint32(p, true) !== SIG_CENTRAL) throw corrupt(file, `ZIP central directory entry ${i} has a bad signature`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let offset = dv.getUint32(p + 42, true);
    const recEnd = p + 46 + nameLen + extraLen + commentLen;
    if (recEnd > cdEnd) throw corrupt(file, `ZIP central directory entry ${i} runs past the directory`);
    const name = utf8.decode(buf.subarray(p + 46, p + 46 + nameLen));

    // ZIP64 extended information: only the fields saturated in the fixed record appear, in this order.
    const ex = parseZip64Extra(dv, p + 46 + nameLen, extraLen);
    if (ex !== undefined) {
      let q = ex.start;
      const take = (): number => {
        if (q + 8 > ex.end) throw corrupt(file, `ZIP64 extra field of '${printable(name)}' is too short`);
        const v = u64(q, `size of '${printable(name)}'`);
        q += 8;
        return v;
      };
      if (usize === 0xffffffff) usize = take();
      if (csize === 0xffffffff) csize = take();
      if (offset === 0xffffffff) offset = take();
    }

    checkName(name, file);
    if (offset + csize > buf.length) {
      throw truncated(file, `ZIP entry '${printable(name)}' (${csize} bytes at byte ${offset}) lies beyond the end of the file (${buf.length} bytes)`);
    }
    if (entries.has(name)) {
      throw fail('E_ZIP_DUPLICATE', file, `ZIP archive contains '${printable(name)}' twice`, 'a valid checkpoint has unique entry names; the file was tampered with or badly written');
    }
    if (flags & 1) throw fail('E_WEIGHTS_FORMAT', file, `ZIP entry '${printable(name)}' is encrypted`, 'decrypt the archive first');
    if (method !== 0 && method !== 8) {
      throw fail('E_WEIGHTS_FORMAT', file, `ZIP entry '${printable(name)}' uses compression method ${method}`, 'only stored and deflate entries are supported; re-save with torch.save');
    }
    if (method === 0 && csize !== usize) throw corrupt(file, `stored ZIP entry '${printable(name)}' declares different compressed and uncompressed sizes`);
    if (usize > BOMB_RATIO * csize && usize > BOMB_MIN) {
      throw fail('E_ZIP_BOMB', file, `ZIP entry '${printable(name)}' claims to expand ${csize} bytes to ${usize} bytes`, 'refusing a likely zip bomb; use a checkpoint written by torch.save');
    }
    entries.set(name, { name, method, crc32: crc, compressedSize: csize, uncompressedSize: usize, localHeaderOffset: offset });
    totalUncompressed += usize;
    p = recEnd;
  }
  // Checked on the central directory alone, before anything is inflated.
  const totalLimit = TOTAL_RATIO * buf.length + (options.totalSlack ?? TOTAL_SLACK);
  if (totalUncompressed > totalLimit) {
    throw fail(
      'E_ZIP_BOMB',
      file,
      `ZIP archive of ${buf.length} bytes declares ${totalUncompressed} bytes uncompressed across its ${entries.size} entries (limit ${totalLimit})`,
      'refusing a likely zip bomb; use a checkpoint written by torch.save',
    );
  }

  const dataStart = (e: ZipEntry): number => {
    need(e.localHeaderOffset, 30, `local header of '${printable(e.name)}'`);
    if (dv.getUint32(e.localHeaderOffset, true) !== SIG_LOCAL) throw corrupt(file, `ZIP local header of '${printable(e.name)}' has a bad signature`);
    // The local header's name/extra lengths may differ from the central ones (PyTorch pads the extra field for alignment).
    const start = e.localHeaderOffset + 30 + dv.getUint16(e.localHeaderOffset + 26, true) + dv.getUint16(e.localHeaderOffset + 28, true);
    need(start, e.compressedSize, `data of '${printable(e.name)}'`);
    return start;
  };

  return {
    file,
    entries,
    read(name: string): Uint8Array {
      const e = entries.get(name);
      if (e === undefined) throw corrupt(file, `ZIP archive has no entry '${printable(name)}'`);
      const start = dataStart(e);
      const raw = buf.subarray(start, start + e.compressedSize);
      let out: Uint8Array;
      if (e.method === 0) {
        out = raw;
      } else {
        try {
          // maxOutputLength stops inflate as soon as it would exceed the declared size (must be >= 1).
          out = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.uncompressedSize) });
        } catch (err) {
          if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
            throw fail('E_ZIP_BOMB', file, `ZIP entry '${printable(name)}' inflates to more than its declared ${e.uncompressedSize} bytes`, 'refusing a likely zip bomb; use a checkpoint written by torch.save');
          }
          throw corrupt(file, `ZIP entry '${printable(name)}' cannot be inflated: ${(err as Error).message}`);
        }
        if (out.length !== e.uncompressedSize) {
          throw corrupt(file, `ZIP entry '${printable(name)}' inflates to ${out.length} bytes, not the declared ${e.uncompressedSize}`);
        }
      }
      const actual = crc32(out);
      if (actual !== e.crc32) {
        throw corrupt(file, `ZIP entry '${printable(name)}' fails its CRC-32 check (expected ${hex(e.crc32)}, got ${hex(actual)})`);
      }
      return out;
    },
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function findEocd(buf: Uint8Array, dv: DataView): number {
  const min = Math.max(0, buf.length - 22 - MAX_COMMENT);
  for (let i = buf.length - 22; i >= min; i--) {
    // A real EOCD's comment runs exactly to the end of the file; this rejects stray signature bytes in the comment.
    if (dv.getUint32(i, true) === SIG_EOCD && i + 22 + dv.getUint16(i + 20, true) === buf.length) return i;
  }
  return -1;
}

function parseZip64Extra(dv: DataView, start: number, len: number): { start: number; end: number } | undefined {
  let q = start;
  const end = start + len;
  while (q + 4 <= end) {
    const id = dv.getUint16(q, true);
    const size = dv.getUint16(q + 2, true);
    if (q + 4 + size > end) return undefined;
    if (id === 0x0001) return { start: q + 4, end: q + 4 + size };
    q += 4 + size;
  }
  return undefined;
}

/** Refuse names that could escape a directory if someone extracted the archive, or that hide NULs. */
function checkName(name: string, file: string): void {
  const segs = name.split(/[\\/]/);
  const bad =
    name.length === 0 ||
    name.includes('\0') ||
    name.startsWith('/') ||
    name.startsWith('\\') ||
    /^[A-Za-z]:/.test(name) ||
    segs.includes('..');
  if (bad) {
    throw fail('E_ZIP_UNSAFE_PATH', file, `ZIP archive contains an unsafe entry name '${printable(name)}'`, 'entry names must be relative paths without `..`; the file was not written by torch.save and may be malicious');
  }
}
