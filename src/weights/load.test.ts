import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWeights, readWeights } from './load.js';
import { writeSafetensors } from './safetensors.js';
import { NetforgeError } from '../errors.js';
import { expectNetforgeError, fixture, hex, rng } from '../../test/fixtures/weights/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-load-'));

describe('readWeights', () => {
  it('dispatches on content, not extension', () => {
    expect(readWeights(fixture('mixed_zip.pth')).format).toBe('pth-zip');
    expect(readWeights(fixture('mixed_legacy.pth')).format).toBe('pth-legacy');
    const zip = readWeights(fixture('mixed_zip.pth'));
    const st = join(dir, 'weights.bin');
    writeSafetensors(st, zip.tensors);
    const back = readWeights(st);
    expect(back.format).toBe('safetensors');
    expect(hex(back.tensors.get('conv.weight')!.data)).toBe(hex(zip.tensors.get('conv.weight')!.data));
  });

  it('explains unknown formats and lists the known ones', () => {
    const e = expectNetforgeError(() => readWeights(fixture('f32.npy')), 'E_WEIGHTS_FORMAT');
    expect(e.message).toContain('.npy');
    expect(e.hint).toContain('safetensors');
    const p = join(dir, 'junk.pth');
    writeFileSync(p, 'hello world, not weights');
    expectNetforgeError(() => readWeights(p), 'E_WEIGHTS_FORMAT');
    expect(expectNetforgeError(() => readWeights(fixture('proto1.pkl')), 'E_WEIGHTS_FORMAT').message).toMatch(/pickle|recognised/);
    expect(expectNetforgeError(() => parseWeights(Uint8Array.of(0x80, 2, 0x7d, 0x2e), 'x.pkl'), 'E_WEIGHTS_FORMAT').message).toContain('pickle');
  });

  it('reports empty and missing files', () => {
    const p = join(dir, 'empty.pth');
    writeFileSync(p, '');
    expectNetforgeError(() => readWeights(p), 'E_WEIGHTS_TRUNCATED');
    const e = expectNetforgeError(() => readWeights(join(dir, 'nope.pth')), 'E_WEIGHTS_IO');
    expect(e.hint).toContain('does not exist');
    expectNetforgeError(() => readWeights(dir), 'E_WEIGHTS_IO');
  });
  it('recognises a safetensors file cut inside its header, and says it is truncated', () => {
    const st = join(dir, 'cut.safetensors');
    writeSafetensors(st, readWeights(fixture('mixed_zip.pth')).tensors);
    const whole = readFileSync(st);
    const headerLength = Number(whole.readBigUInt64LE(0));
    writeFileSync(st, whole.subarray(0, 8 + Math.floor(headerLength / 2)));
    const e = expectNetforgeError(() => readWeights(st), 'E_WEIGHTS_TRUNCATED');
    expect(e.message).toMatch(/the safetensors header \(\d+ bytes\) runs past the end of the file/);
  });
});

/**
 * Damaged files must give a NetforgeError or (for undetectable damage, e.g. a flipped
 * bit inside legacy tensor data) a successful read, never any other exception.
 */
describe('damaged files', () => {
  const files = ['mixed_zip.pth', 'mixed_legacy.pth', 'mixed_proto4.pth', 'deflated.pth', 'wrapped_legacy.pth', 'big_endian.pth'];
  const st = join(dir, 'fuzz.safetensors');
  writeSafetensors(st, readWeights(fixture('mixed_zip.pth')).tensors, { a: 'b' });

  const tryRead = (buf: Uint8Array, name: string): void => {
    try {
      parseWeights(buf, name);
    } catch (e) {
      if (!(e instanceof NetforgeError)) throw new Error(`${name}: ${String((e as Error).stack ?? e)}`);
      expect(e.file).toBe(name);
    }
  };

  for (const f of [...files.map(fixture), st]) {
    const name = f.split('/').pop()!;
    const orig = new Uint8Array(readFileSync(f));

    it(`${name}: every truncation`, () => {
      for (let n = 0; n < orig.length; n++) tryRead(orig.subarray(0, n), `${name}[:${n}]`);
    });

    it(`${name}: random byte flips`, () => {
      const r = rng(orig.length);
      for (let trial = 0; trial < 1500; trial++) {
        const buf = new Uint8Array(orig);
        const flips = 1 + Math.floor(r() * 3);
        for (let k = 0; k < flips; k++) {
          const i = Math.floor(r() * buf.length);
          buf[i] = r() < 0.5 ? buf[i]! ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
        }
        tryRead(buf, `${name}#${trial}`);
      }
    });

    it(`${name}: every single byte set to 0xff`, () => {
      for (let i = 0; i < orig.length; i++) {
        const buf = new Uint8Array(orig);
        buf[i] = 0xff;
        tryRead(buf, `${name}@${i}`);
      }
    });
  }
});
