import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from './crc32.js';
import { rng } from '../../test/fixtures/weights/helpers.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    const s = new TextEncoder().encode('123456789');
    expect(crc32Table(s)).toBe(0xcbf43926);
    expect(crc32(s)).toBe(0xcbf43926);
    expect(crc32Table(new Uint8Array(0))).toBe(0);
  });
  it('table and native implementations agree on every length mod 8 and on odd offsets', () => {
    const r = rng(1);
    const big = new Uint8Array(4099).map(() => Math.floor(r() * 256));
    for (let n = 0; n < 40; n++) expect(crc32Table(big.subarray(3, 3 + n))).toBe(crc32(big.subarray(3, 3 + n)));
    expect(crc32Table(big)).toBe(crc32(big));
  });
});
