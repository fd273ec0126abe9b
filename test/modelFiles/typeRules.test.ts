/**
 * Type errors from the DSL read as the rule they enforce: what TypeScript prints for a
 * dilation list of the wrong length names the stages it needs one flag for, and blockOptions
 * given to a block that takes none quotes the rule (TypeRule, src/dsl/typeRule.ts), instead of
 * `never` or a brand.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { typeCheckModelFile } from '../../src/modelFile/typeCheck.js';
import { modelProject } from './project.js';

const p = modelProject({
  'dilation.ts': `import { bottleneck, defineModel, resnet } from 'netforge';
export default defineModel({ name: 'm', input: [3, 64, 64], build: (x) => resnet(x, { block: bottleneck, layers: [3, 4, 6, 3], replaceStrideWithDilation: [false, true] }) });
`,
  'blockOptions.ts': `import { basicBlock, conv2d, defineModel, makeLayer } from 'netforge';
export default defineModel({ name: 'm', input: [3, 32, 32], build: (x) => makeLayer(conv2d(x, { name: 'c', outChannels: 16, kernel: 3 }), { block: basicBlock, planes: 16, blocks: 2, blockOptions: { groups: 32 } }).out });
`,
});
afterAll(() => p.remove());

const messages = (file: string): string[] => typeCheckModelFile(p.path(file)).diagnostics.map((d) => d.message);

describe('DSL type errors state their rule', () => {
  test('a dilation list of the wrong length', () => {
    const [m, ...rest] = messages('dilation.ts');
    expect(rest).toEqual([]);
    expect(m).toContain("Type '[false, true]' is not assignable to type 'readonly [layer2: boolean, layer3: boolean, layer4: boolean]'.");
    expect(m).toMatch(/Source has 2 element\(s\) but target requires 3\.$/);
    expect(m).not.toMatch(/checkedAtBuild|never/);
  });
  test('blockOptions on a BasicBlock', () => {
    const [m, ...rest] = messages('blockOptions.ts');
    expect(rest).toEqual([]);
    expect(m).toBe(`Type 'number' is not assignable to type 'TypeRule<"this block takes no blockOptions: groups, widthPerGroup and strideOn are options of bottleneck (or of your own block)">'.`);
  });
});
