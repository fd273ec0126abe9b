import { describe, expect, test } from 'vitest';
import { adaptInputConv, applyKeyRules, parseRenameRule } from './adapt.js';

const keys = (m: ReadonlyMap<string, unknown>): string[] => [...m.keys()];

describe('parseRenameRule', () => {
  test('splits at the first = outside parentheses; lookarounds stay whole; \\= is a literal =', () => {
    expect(parseRenameRule('^backbone\\.=')).toEqual({ pattern: /^backbone\./, replacement: '' });
    expect(parseRenameRule('^(layer\\d)\\.=$1.blocks.')).toEqual({ pattern: /^(layer\d)\./, replacement: '$1.blocks.' });
    expect(parseRenameRule('fc(?=\\.)=head')).toEqual({ pattern: /fc(?=\.)/, replacement: 'head' });
    expect(parseRenameRule('a\\=b=c')).toEqual({ pattern: /a=b/, replacement: 'c' });
  });
  test('no =, an empty pattern or a broken regular expression is a usage error (exit 2)', () => {
    for (const bad of ['backbone.', '=x', '(unclosed=x']) expect(() => parseRenameRule(bad)).toThrow(expect.objectContaining({ code: 'E_USAGE', exitCode: 2 }));
  });
});

describe('applyKeyRules', () => {
  const sd = new Map([
    ['model.conv1.weight', 1],
    ['model.fc.weight', 2],
    ['loss.weight', 3],
  ]);
  test('strip-prefix first, then renames in order; keys a rule does not match are kept; each rule gets a note', () => {
    const r = applyKeyRules(sd, { stripPrefix: ['model.'], rename: ['^fc\\.=head.'] }, 'ck.pth');
    expect(keys(r.tensors)).toEqual(['conv1.weight', 'head.weight', 'loss.weight']);
    expect([...r.tensors.values()]).toEqual([1, 2, 3]);
    expect(r.notes).toEqual(["--weights-strip-prefix model.: 2 of 3 keys renamed ('model.conv1.weight' -> 'conv1.weight', ...)", "--weights-rename ^fc\\.=head.: 1 of 3 keys renamed ('fc.weight' -> 'head.weight')"]);
  });
  test('a global regular expression renames every key it matches, not every other one', () => {
    const r = applyKeyRules(sd, { rename: [{ pattern: /\./g, replacement: '/' }] }, 'ck.pth');
    expect(keys(r.tensors)).toEqual(['model/conv1/weight', 'model/fc/weight', 'loss/weight']);
  });
  test('no rules: the same keys, no notes', () => {
    expect(keys(applyKeyRules(sd, {}, 'ck.pth').tensors)).toEqual(keys(sd));
  });
  test('a rule that matches no key is E_WEIGHTS_RENAME naming the file and showing keys', () => {
    expect(() => applyKeyRules(sd, { stripPrefix: ['module.'] }, 'ck.pth')).toThrow(
      expect.objectContaining({ code: 'E_WEIGHTS_RENAME', file: 'ck.pth', message: "--weights-strip-prefix module. matches none of the checkpoint's 3 keys (they look like 'model.conv1.weight', 'model.fc.weight', 'loss.weight')" }),
    );
  });
  test('two keys mapped to one name is E_WEIGHTS_RENAME naming both', () => {
    expect(() => applyKeyRules(sd, { rename: ['^\\w+\\.=x.'] }, 'ck.pth')).not.toThrow();
    expect(() => applyKeyRules(new Map([['a.w', 1], ['b.w', 2]]), { rename: ['^[ab]\\.='] }, 'ck.pth')).toThrow(expect.objectContaining({ code: 'E_WEIGHTS_RENAME', message: "the key rules map both 'a.w' and 'b.w' to 'w'" }));
  });
});

describe('adaptInputConv (timm adapt_input_conv)', () => {
  // one output channel, 1x1 kernel: input channel c has weight c + 1
  const rgb = { shape: [2, 3, 1, 1], data: Float32Array.of(1, 2, 3, 10, 20, 30) };
  test('1 channel: the sum over RGB', () => {
    expect(adaptInputConv(rgb, 1, 'conv1.weight', 'f')).toEqual({ shape: [2, 1, 1, 1], data: Float32Array.of(6, 60) });
  });
  test('1 channel from a 3k-channel stem: the sum of each group of 3', () => {
    const s2d = { shape: [1, 6, 1, 1], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    expect(adaptInputConv(s2d, 1, 'w', 'f')).toEqual({ shape: [1, 2, 1, 1], data: Float32Array.of(6, 15) });
  });
  test('N channels: RGB repeated to N and scaled by 3/N', () => {
    expect(adaptInputConv(rgb, 4, 'w', 'f')).toEqual({ shape: [2, 4, 1, 1], data: Float32Array.of(0.75, 1.5, 2.25, 0.75, 7.5, 15, 22.5, 7.5) });
    expect(adaptInputConv(rgb, 2, 'w', 'f')).toEqual({ shape: [2, 2, 1, 1], data: Float32Array.of(1.5, 3, 15, 30) });
  });
  test('3 channels: unchanged; a kernel keeps its layout', () => {
    expect(adaptInputConv(rgb, 3, 'w', 'f')).toBe(rgb);
    const k2 = { shape: [1, 3, 1, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
    expect(adaptInputConv(k2, 1, 'w', 'f').data).toEqual(Float32Array.of(9, 12));
  });
  test('what timm refuses is E_IN_CHANS: widening weights that are not RGB, summing a width that is not 3k', () => {
    expect(() => adaptInputConv({ shape: [1, 2, 1, 1], data: Float32Array.of(1, 2) }, 4, 'conv1.weight', 'f')).toThrow(expect.objectContaining({ code: 'E_IN_CHANS' }));
    expect(() => adaptInputConv({ shape: [1, 4, 1, 1], data: Float32Array.of(1, 2, 3, 4) }, 1, 'conv1.weight', 'f')).toThrow(expect.objectContaining({ code: 'E_IN_CHANS' }));
    expect(() => adaptInputConv({ shape: [4, 3], data: new Float32Array(12) }, 1, 'fc.weight', 'f')).toThrow(expect.objectContaining({ code: 'E_IN_CHANS' }));
  });
});
