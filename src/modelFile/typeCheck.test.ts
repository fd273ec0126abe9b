import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netforgeTypesEntry, typeCheckModelFile } from './typeCheck.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-typecheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('typeCheckModelFile', () => {
  test('`netforge` means this checkout\'s src/index.ts', () => {
    expect(netforgeTypesEntry()).toBe(join(dirname(dirname(fileURLToPath(import.meta.url))), 'index.ts'));
  });

  test('user files come dependencies first, with how each import resolved; netforge and helpers are not user files', () => {
    const a = write('a.ts', `export const width = 8;\n`);
    const b = write('b.ts', `import { width } from './a.js';\nexport const twice = width * 2;\n`);
    write('helper.mjs', `export const one = 1;\n`);
    const m = write('m.ts', `import { relu } from 'netforge';\nimport { twice } from './b';\nimport { width } from './a.ts';\nimport { one } from './helper.mjs';\nexport const all = [relu, twice, width, one];\n`);
    const r = typeCheckModelFile(m);
    expect(r.diagnostics).toEqual([]);
    expect(r.files).toEqual([a, b, m]);
    expect(r.netforgeEntry).toBe(netforgeTypesEntry());
    expect(Object.fromEntries(r.imports.get(m)!)).toEqual({ netforge: netforgeTypesEntry(), './b': b, './a.ts': a });
  });

  test('strict mode applies: an implicit any is an error', () => {
    const r = typeCheckModelFile(write('implicit.ts', `export function f(x) { return x; }\n`));
    expect(r.diagnostics.map((d) => [d.line, d.col, d.code])).toEqual([[1, 19, 7006]]);
  });

  test('Node\'s types are there when a file uses Node', () => {
    const r = typeCheckModelFile(write('node.ts', `import { readFileSync } from 'node:fs';\nexport const n: number = process.pid + readFileSync.length;\n`));
    expect(r.diagnostics).toEqual([]);
  });
});
