import { describe, expect, test } from 'vitest';
import { NetforgeError, type ModelOptionName } from '../errors.js';
import { blameFlag, isNetforgeLoc } from './flagBlame.js';

const roots = ['/opt/netforge/dist/'];
const at = (s: string): { file: string; line: number; col: number } => {
  const [file, line, col] = s.split(':');
  return { file: file!, line: Number(line), col: Number(col) };
};
const err = (message: string, loc: string, option?: ModelOptionName): NetforgeError =>
  new NetforgeError({ code: 'E_BAD_ARG', message, loc: at(loc), modulePath: 'm', hint: 'h', option });

describe('blameFlag', () => {
  test('an option error raised in netforge\'s zoo names the flag and becomes a usage error, without the location', () => {
    const e = blameFlag(err('replaceStrideWithDilation should have 2 booleans', '/opt/netforge/dist/zoo/cifar.js:16:26', 'replaceStrideWithDilation'), roots);
    expect(e).toMatchObject({ code: 'E_BAD_ARG', message: '--replace-stride-with-dilation: replaceStrideWithDilation should have 2 booleans', exitCode: 2, modulePath: 'm', hint: 'h' });
    expect(e.loc).toBeUndefined();
    expect(blameFlag(err('resnet expected `numClasses` to be at most 16777216', '/opt/netforge/dist/zoo/imagenet.js:1:1', 'numClasses'), roots).message).toMatch(/^--num-classes: /);
  });
  test('the flag comes from the error\'s option, not from its words', () => {
    const e = blameFlag(err('mentions numClasses in passing', '/opt/netforge/dist/zoo/imagenet.js:3:3'), roots);
    expect([e.message, e.exitCode]).toEqual(['mentions numClasses in passing', 1]);
  });
  test('other errors located in netforge\'s code only lose the location', () => {
    const e = blameFlag(err('Conv output would be 0x0', '/opt/netforge/dist/zoo/imagenet.js:3:3'), roots);
    expect([e.message, e.loc, e.exitCode]).toEqual(['Conv output would be 0x0', undefined, 1]);
  });
  test('errors in the user\'s files (and netforge\'s own tests) are left alone', () => {
    const mine = err('replaceStrideWithDilation should have 3 booleans', '/home/me/model.ts:6:70', 'replaceStrideWithDilation');
    expect(blameFlag(mine, roots)).toBe(mine);
    expect(isNetforgeLoc(at('/opt/netforge/dist/x.test.ts:1:1'), roots)).toBe(false);
    expect(isNetforgeLoc(undefined, roots)).toBe(false);
  });
});
