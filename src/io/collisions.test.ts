import { describe, expect, test } from 'vitest';
import { linkSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorOf } from '../../test/helpers/errors.js';
import { assertNoCollisions } from './collisions.js';

const fresh = (): string => realpathSync(mkdtempSync(join(tmpdir(), 'nf-collide-')));

describe('assertNoCollisions', () => {
  const d = fresh();
  writeFileSync(join(d, 'model.ts'), 'x');
  writeFileSync(join(d, 'w.pth'), 'x');
  symlinkSync('model.ts', join(d, 'link.ts'));
  linkSync(join(d, 'model.ts'), join(d, 'hard.ts'));
  mkdirSync(join(d, 'sub'));
  const inputs = [
    { what: 'the model file', path: join(d, 'model.ts') },
    { what: '--weights', path: join(d, 'w.pth') },
  ];
  test('an output that is an input, by path, through a symlink, a hard link or `..`: a usage error', () => {
    for (const [out, how] of [
      [join(d, 'model.ts'), 'the same path'],
      [join(d, 'sub', '..', 'w.pth'), 'the same path'],
      [join(d, 'link.ts'), 'symbolic link'],
      [join(d, 'hard.ts'), 'hard link'],
    ] as const) {
      const e = errorOf(() => assertNoCollisions(inputs, [{ what: '-o', path: out }]));
      expect(e).toMatchObject({ code: 'E_OUTPUT_COLLIDES', exitCode: 2 });
      expect(e.message).toContain(how);
    }
  });
  test('two outputs that are one file, existing or not', () => {
    const e = errorOf(() => assertNoCollisions([], [{ what: '-o', path: join(d, 's.onnx') }, { what: '--emit-ts', path: join(d, 'sub', '..', 's.onnx') }]));
    expect(e).toMatchObject({ code: 'E_OUTPUT_COLLIDES', exitCode: 2 });
    expect(e.message).toMatch(/^-o .* and --emit-ts .* are the same path/);
  });
  test("an input named like an output's sibling files (its external data)", () => {
    writeFileSync(join(d, 'm.onnx.0123456789abcdef.data'), 'x');
    const siblings = (out: string) => (n: string) => n.startsWith(`${out}.`) && n.endsWith('.data');
    const e = errorOf(() => assertNoCollisions([{ what: '--weights', path: join(d, 'm.onnx.0123456789abcdef.data') }], [{ what: '-o', path: join(d, 'm.onnx'), siblings, siblingsWhat: 'its data' }]));
    expect(e.code).toBe('E_OUTPUT_COLLIDES');
    expect(e.message).toContain('its data of -o');
  });
  test('distinct files pass', () => {
    expect(() => assertNoCollisions(inputs, [{ what: '-o', path: join(d, 'model.onnx') }, { what: '--emit-ts', path: join(d, 'sub', 'model.ts') }])).not.toThrow();
  });
});
