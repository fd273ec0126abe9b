/** The built CLI on .ts model files (types from dist/index.d.ts): type errors as code frames, DSL errors at the user's line. */
import { afterEach, describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { netforge } from '../helpers/cli.js';
import { modelProject, positionOf, type ModelProject } from './project.js';

const projects: ModelProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});
function project(files: Readonly<Record<string, string>>): ModelProject {
  const p = modelProject(files);
  projects.push(p);
  return p;
}

describe('netforge on a .ts model file', () => {
  test('a type error: exit 1, a code frame with a caret, nothing compiled', () => {
    const text = `import { defineModel, linear } from 'netforge';\n\nexport default defineModel({\n  name: 'm',\n  input: [3, 8, 8],\n  build: (x) => linear(x, { name: 'fc', outFeatures: 10, bias: 'yes' }),\n});\n`;
    const p = project({ 'm.ts': text });
    const r = netforge(['compile', 'm.ts', '-o', 'm.onnx'], { cwd: p.dir });
    expect(r.code).toBe(1);
    const at = positionOf(text, 'bias');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^error\[E_TYPECHECK\]: m\.ts does not type-check \(1 error\)/);
    const head = lines.findIndex((l) => l.startsWith(`m.ts:${at.line}:${at.col} - error TS2322:`));
    expect(head).toBeGreaterThan(0);
    expect(lines[head + 2]).toBe(`  ${at.line} | ${text.split('\n')[at.line - 1]}`);
    expect(lines[head + 3]).toBe(`    | ${' '.repeat(at.col - 1)}^^^^`);
    expect(r.stderr).not.toMatch(/internal error|    at /);
    expect(p.listing()).toEqual(['m.ts']);
  });

  test('a DSL error: exit 1, pointing at the user\'s line', () => {
    const text = `import { conv2d, defineModel } from 'netforge';\n\nexport default defineModel({\n  name: 'm',\n  input: [3, 8, 8],\n  build: (x) =>\n    conv2d(x, { name: 'c', outChannels: -3, kernel: 3 }),\n});\n`;
    const p = project({ 'm.ts': text });
    const r = netforge(['summary', p.path('m.ts')]);
    expect(r.code).toBe(1);
    const at = positionOf(text, 'conv2d(x');
    expect(r.stderr).toContain('error[E_BAD_ARG]');
    expect(r.stderr).toContain(`at ${p.path('m.ts')}:${at.line}:${at.col}`);
  });

  test('a DSL error is printed with a code frame like a type error: the caret under the call, at the line and column', () => {
    const text = `import { add, conv2d, defineModel, relu } from 'netforge';\n\nexport default defineModel({\n  name: 'm',\n  input: [3, 16, 16],\n  build: (x) => {\n    const a = conv2d(x, { name: 'a', outChannels: 8, kernel: 3, padding: 1 });\n    const b = conv2d(a, { name: 'b', outChannels: 8, kernel: 3, stride: 2, padding: 1 });\n    return relu(add(a, b));\n  },\n});\n`;
    const p = project({ 'm.ts': text });
    const r = netforge(['summary', 'm.ts'], { cwd: p.dir });
    expect(r.code).toBe(1);
    const at = positionOf(text, 'add(a, b)');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^error\[E_SHAPE_MISMATCH\]: Add got operands/);
    // shown relative to the working directory, like a type error's location
    expect(lines[1]).toBe(`  --> in add, at m.ts:${at.line}:${at.col}`);
    expect(lines.slice(2, 5)).toEqual(['', `  ${at.line} | ${text.split('\n')[at.line - 1]}`, `    | ${' '.repeat(at.col - 1)}^^^`]);
    expect(lines[5]).toMatch(/^  help: /);
  });

  test('a duplicate module names its first definition as a related location, with its own frame', () => {
    const text = `import { conv2d, defineModel, relu } from 'netforge';\n\nexport default defineModel({\n  name: 'm',\n  input: [3, 16, 16],\n  build: (x) => {\n    const a = conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, padding: 1 });\n    return relu(conv2d(a, { name: 'conv1', outChannels: 8, kernel: 3 }));\n  },\n});\n`;
    const p = project({ 'm.ts': text });
    const r = netforge(['compile', 'm.ts', '-o', 'm.onnx'], { cwd: p.dir });
    expect(r.code).toBe(1);
    const first = positionOf(text, 'conv2d(x');
    const second = positionOf(text, 'conv2d(a');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^error\[E_DUPLICATE_MODULE\]: module conv1 is defined twice/);
    expect(lines[1]).toBe(`  --> in conv1, at m.ts:${second.line}:${second.col}`);
    expect(lines[4]).toBe(`    | ${' '.repeat(second.col - 1)}^^^^^^`);
    const note = lines.indexOf(`  note: conv1 is first defined here, at m.ts:${first.line}:${first.col}`);
    expect(note).toBeGreaterThan(4);
    expect(lines[note + 2]).toBe(`  ${first.line} | ${text.split('\n')[first.line - 1]}`);
    expect(lines[note + 3]).toBe(`    | ${' '.repeat(first.col - 1)}^^^^^^`);
    expect(p.listing()).toEqual(['m.ts']);
  });

  test('compile: a model file importing its own block file compiles, and no temporary file is left', () => {
    const p = project({
      'blocks.ts': `import { batchNorm2d, conv2d, relu, type Tensor } from 'netforge';\nexport const convBnRelu = (x: Tensor, name: string, c: number): Tensor =>\n  relu(batchNorm2d(conv2d(x, { name: \`\${name}conv\`, outChannels: c, kernel: 3, padding: 1, bias: false }), { name: \`\${name}bn\` }));\n`,
      'm.ts': `import { adaptiveAvgPool2d, defineModel, flatten, linear } from 'netforge';\nimport { convBnRelu } from './blocks.js';\nexport default defineModel({\n  name: 'tiny',\n  input: [3, 16, 16],\n  build: (x) => linear(flatten(adaptiveAvgPool2d(convBnRelu(x, 'stem_', 8))), { name: 'fc', outFeatures: 4 }),\n  expect: { params: 3 * 8 * 9 + 2 * 8 + 8 * 4 + 4 },\n});\n`,
    });
    const r = netforge(['compile', 'm.ts', '-o', 'tiny.onnx'], { cwd: p.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/compiled tiny -> tiny\.onnx/);
    expect(existsSync(p.path('tiny.onnx'))).toBe(true);
    expect(p.listing()).toEqual(['blocks.ts', 'm.ts', 'tiny.onnx']);
  });
});
