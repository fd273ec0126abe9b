import { describe, expect, test } from 'vitest';
import { NAME_MAX, fitName, siblingName } from './siblingName.js';

describe('sibling names stay within NAME_MAX', () => {
  test('a short name is kept as it is', () => {
    expect(fitName('m.onnx', 22)).toBe('m.onnx');
    expect(siblingName('m.onnx', '.', '.lock')).toBe('.m.onnx.lock');
  });
  test('a long name is shortened to fit, deterministically, with a tag of the whole name', () => {
    const long = `${'a'.repeat(245)}.onnx`; // 250 bytes: a legal file name
    const lock = siblingName(long, '.', '.lock');
    expect(Buffer.byteLength(lock)).toBeLessThanOrEqual(NAME_MAX);
    expect(lock).toMatch(/^\.a+~[0-9a-f]{8}\.lock$/);
    expect(siblingName(long, '.', '.lock')).toBe(lock);
    // two long names differing only at the end get different siblings
    expect(siblingName(`${'a'.repeat(245)}.onnz`, '.', '.lock')).not.toBe(lock);
  });
  test('multi-byte characters count as bytes and are never cut in half', () => {
    const long = 'é'.repeat(127); // 254 bytes
    const s = siblingName(long, '', '.0123456789abcdef.data');
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(NAME_MAX);
    expect(s).not.toContain('\ufffd');
    expect(Buffer.from(s).toString('utf8')).toBe(s);
  });
});
