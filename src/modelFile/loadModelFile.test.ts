import { describe, expect, test } from 'vitest';
import { pickModel, userFrameOf } from './loadModelFile.js';
import { registerGeneratedFile } from '../dsl/sourceLoc.js';
import { defineModel, relu } from '../dsl/index.js';

describe('userFrameOf', () => {
  registerGeneratedFile('/proj/.m.ts.abcd.netforge.mjs', (line, col) => ({ file: '/proj/m.ts', line: line + 10, col: col + 1 }));
  const withStack = (stack: string): Error => Object.assign(new Error('x'), { stack });

  test('the innermost real frame in a transpiled model file, mapped to the .ts', () => {
    const e = withStack('TypeError: x\n    at Array.map (<anonymous>)\n    at build (file:///proj/.m.ts.abcd.netforge.mjs:3:7)\n    at /work/src/dsl/model.ts:1:1');
    expect(userFrameOf(e)).toEqual({ file: '/proj/m.ts', line: 13, col: 8 });
  });

  test('an error thrown inside netforge is not the user\'s, even when their code is on the stack', () => {
    const e = withStack('Error: x\n    at emit (/work/src/dsl/builder.ts:9:9)\n    at build (file:///proj/.m.ts.abcd.netforge.mjs:3:7)');
    expect(userFrameOf(e)).toBeUndefined();
    expect(userFrameOf('not an error')).toBeUndefined();
  });
});

describe('pickModel', () => {
  const m = defineModel({ name: 'm', input: [3, 8, 8], build: (x) => relu(x) });
  test('the default export, else `model`, else E_NO_MODEL_EXPORT', () => {
    expect(pickModel({ default: m }, 'f.ts')).toBe(m);
    expect(pickModel({ model: m }, 'f.ts')).toBe(m);
    expect(() => pickModel({ default: { name: 'not defined with defineModel' } }, 'f.ts')).toThrow(expect.objectContaining({ code: 'E_NO_MODEL_EXPORT' }));
  });
  test('f.ts#name picks a named export; a wrong name or a missing default lists the models there are', () => {
    const a = defineModel({ name: 'a', input: [3, 8, 8], build: (x) => x });
    const b = defineModel({ name: 'b', input: [3, 8, 8], build: (x) => x });
    expect(pickModel({ default: a, b }, 'f.ts', 'b')).toBe(b);
    expect(() => pickModel({ default: a, b }, 'f.ts', 'c')).toThrow(expect.objectContaining({ code: 'E_NO_MODEL_EXPORT', message: "f.ts has no model export named 'c'", hint: 'the models it exports: default, b (pick one with <file>#<name>)' }));
    expect(() => pickModel({ a, b, helper: 3 }, 'f.ts')).toThrow(expect.objectContaining({ message: 'f.ts does not export a default model', hint: 'the models it exports: a, b (pick one with <file>#<name>)' }));
  });
});
