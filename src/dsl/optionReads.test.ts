import { describe, expect, test } from 'vitest';
import { recordingOptions, unreadOptions, UnusedOptionError } from './optionReads.js';
import { buildModel, defineModel } from './model.js';
import { conv2d, flatten, adaptiveAvgPool2d, linear } from './layers.js';
import { ZOO } from '../zoo/index.js';

describe('recordingOptions', () => {
  test('every way of reading a key is recorded: access, destructuring, `in`, spread, Object.keys + access, JSON', () => {
    const reads: Array<(o: Record<string, unknown>) => unknown> = [
      (o) => o['numClasses'],
      ({ numClasses }) => numClasses,
      (o) => 'numClasses' in o,
      (o) => ({ ...o }),
      (o) => Object.entries(o),
      (o) => JSON.stringify(o),
    ];
    for (const read of reads) {
      const r = recordingOptions({ numClasses: 10 });
      read(r.options);
      expect(r.read.has('numClasses')).toBe(true);
    }
  });
  test('only options that are set and never read count; undefined ones and input are not options a build must read', () => {
    const r = recordingOptions({ numClasses: 10, zeroInitResidual: undefined, input: [1, 8, 8], replaceStrideWithDilation: [true] });
    void r.options.replaceStrideWithDilation;
    expect(unreadOptions({ numClasses: 10, zeroInitResidual: undefined, input: [1, 8, 8], replaceStrideWithDilation: [true] }, r.read)).toEqual(['numClasses']);
  });
});

const fixed = defineModel({
  name: 'fixed',
  input: [3, 8, 8],
  build: (x) => linear(flatten(adaptiveAvgPool2d(conv2d(x, { name: 'c', outChannels: 4, kernel: 3 }))), { name: 'fc', outFeatures: 5 }),
});

describe('buildModel and options the model does not read', () => {
  test('an option the build never reads is E_UNUSED_OPTION naming it and where the model is defined', () => {
    let err: unknown;
    try {
      buildModel(fixed, { numClasses: 10, zeroInitResidual: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnusedOptionError);
    const e = err as UnusedOptionError;
    expect(e).toMatchObject({ code: 'E_UNUSED_OPTION', option: 'numClasses', exitCode: 2, unread: ['numClasses', 'zeroInitResidual'] });
    expect(e.message).toMatch(/^numClasses, zeroInitResidual have no effect: the model fixed \(src\/dsl\/optionReads\.test\.ts\) never reads them$/);
    expect(e.loc).toEqual(fixed.definedAt);
    expect(e.loc?.file).toMatch(/optionReads\.test\.ts$/);
    expect(e.hint).toContain('allowUnusedOptions: true');
  });
  test('named by their flags for the command line', () => {
    const e = new UnusedOptionError('m', undefined, ['numClasses'], (k) => `--${k}`);
    expect(e.message).toBe('--numClasses has no effect: the model m never reads numClasses');
    expect(e.hint).toContain('add --allow-unused-options');
  });
  test('allowUnusedOptions builds anyway; unset options are never a problem', () => {
    expect(buildModel(fixed, { numClasses: 10, allowUnusedOptions: true }).outputs).toEqual(['logits']);
    expect(() => buildModel(fixed, {})).not.toThrow();
  });
  test('every zoo model reads all its options', () => {
    for (const def of ZOO.values()) {
      const stages = def.name.startsWith('cifar') ? 3 : 4;
      const replaceStrideWithDilation = Array.from({ length: stages - 1 }, () => false);
      expect(() => buildModel(def, { numClasses: 7, zeroInitResidual: true, replaceStrideWithDilation }), def.name).not.toThrow();
    }
  });
});
