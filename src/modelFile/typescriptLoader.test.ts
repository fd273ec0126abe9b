import { describe, expect, test } from 'vitest';
import { transpileModelSource } from './typescriptLoader.js';

const source = `import type { Tensor } from 'netforge';
import { conv2d, relu } from 'netforge';
import { helper } from './helper.js';
export { helper as again } from './helper.js';

interface Opts { readonly c: number }

export const f = (x: Tensor, o: Opts): Tensor => relu(conv2d(x, { name: 'c', outChannels: o.c, kernel: 3 }));
export const lazy = () => [helper, import('./helper.js')];
`;

describe('transpileModelSource', () => {
  const out = transpileModelSource('/m/model.ts', source, (s) => (s === 'netforge' ? 'NF' : s === './helper.js' ? 'file:///m/.helper.ts.x.netforge.mjs' : undefined));

  test('rewrites static, re-export and dynamic specifiers; type-only imports are gone', () => {
    expect(out.code).toContain(`import { conv2d, relu } from "NF";`);
    expect(out.code).toContain(`import { helper } from "file:///m/.helper.ts.x.netforge.mjs";`);
    expect(out.code).toContain(`export { helper as again } from "file:///m/.helper.ts.x.netforge.mjs";`);
    expect(out.code).toContain(`import("file:///m/.helper.ts.x.netforge.mjs")`);
    expect(out.code).not.toMatch(/import type|interface/);
  });

  test('carries an inline source map naming the .ts file, and maps call sites back', () => {
    const map = /sourceMappingURL=data:application\/json;base64,(\S+)/.exec(out.code)![1]!;
    expect(JSON.parse(Buffer.from(map, 'base64').toString()).sources).toEqual(['file:///m/model.ts']);
    const lines = out.code.split('\n');
    const gl = lines.findIndex((l) => l.includes('conv2d(x'));
    const srcLine = source.split('\n').findIndex((l) => l.includes('conv2d(x'));
    expect(out.lookup(gl + 1, lines[gl]!.indexOf('conv2d(x') + 1)).toEqual({ line: srcLine + 1, col: source.split('\n')[srcLine]!.indexOf('conv2d(x') + 1 });
  });
});
