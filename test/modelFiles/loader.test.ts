/**
 * Loading .ts model files: type-checked first (nothing runs on a type error), then
 * transpiled and evaluated with the user's relative imports; DSL errors and the user's
 * own exceptions point at their .ts file and line; no temporary file is left behind.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { loadModelFile } from '../../src/modelFile/loadModelFile.js';
import { importTypeScriptModel } from '../../src/modelFile/typescriptLoader.js';
import { TypeCheckError } from '../../src/modelFile/typeCheck.js';
import { buildModel } from '../../src/dsl/model.js';
import { compile } from '../../src/compile.js';
import { NetforgeError, formatLoc } from '../../src/errors.js';
import { modelProject, positionOf, type ModelProject } from './project.js';

const projects: ModelProject[] = [];
function project(files: Readonly<Record<string, string>>): ModelProject {
  const p = modelProject(files);
  projects.push(p);
  return p;
}
afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});

async function rejection(p: Promise<unknown>): Promise<NetforgeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NetforgeError) return e;
    throw e;
  }
  throw new Error('expected a NetforgeError');
}

function errorOf(fn: () => unknown): NetforgeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NetforgeError) return e;
    throw e;
  }
  throw new Error('expected a NetforgeError');
}

const BAD_CHANNELS = `import { conv2d, defineModel, relu, type Tensor } from 'netforge';

function head(x: Tensor): Tensor {
  const y = relu(x);
  return conv2d(y, { name: 'c', outChannels: -3, kernel: 3 });
}

export default defineModel({
  name: 'bad_channels',
  input: [3, 32, 32],
  build: (x) => head(x),
});
`;

describe('DSL errors point at the user\'s .ts line', () => {
  test('conv2d with outChannels -3: E_BAD_ARG at the conv2d call', async () => {
    const p = project({ 'model.ts': BAD_CHANNELS });
    const def = await loadModelFile(p.path('model.ts'));
    const e = errorOf(() => buildModel(def));
    expect(e.code).toBe('E_BAD_ARG');
    const at = positionOf(BAD_CHANNELS, 'conv2d(y');
    expect(formatLoc(e.loc)).toBe(`${p.path('model.ts')}:${at.line}:${at.col}`);
    expect(formatLoc(def.definedAt)).toBe(`${p.path('model.ts')}:${positionOf(BAD_CHANNELS, 'defineModel({').line}:${positionOf(BAD_CHANNELS, 'defineModel({').col}`);
  });

  test('a residual add of mismatched shapes: E_SHAPE_MISMATCH at the add, in the block\'s module', async () => {
    const text = `import { add, batchNorm2d, block, conv2d, defineModel, relu, resnet } from 'netforge';

/** A block that forgets its shortcut projection. */
const noProjection = block('NoProjection', { expansion: 1 }, (x, a) => {
  const y = batchNorm2d(conv2d(x, { name: 'conv1', outChannels: a.planes, kernel: 3, stride: a.stride, padding: 1, bias: false }), { name: 'bn1' });
  return relu(add(y, x));
});

export const model = defineModel({
  name: 'no_projection',
  input: [3, 32, 32],
  build: (x) => resnet(x, { block: noProjection, layers: [1, 1], stem: 'cifar', widths: [16, 32], numClasses: 10 }),
});
`;
    const p = project({ 'residual.ts': text });
    const def = await loadModelFile(p.path('residual.ts'));
    const e = errorOf(() => buildModel(def));
    expect(e.code).toBe('E_SHAPE_MISMATCH');
    expect(e.modulePath).toBe('layer2.0.add');
    const at = positionOf(text, 'add(y, x)');
    expect(formatLoc(e.loc)).toBe(`${p.path('residual.ts')}:${at.line}:${at.col}`);
  });

  test('an error inside an imported .ts file points at that file', async () => {
    const blocks = `import { conv2d, type Tensor } from 'netforge';

export function stem(x: Tensor, width: number): Tensor {
  return conv2d(x, { name: 'conv1', outChannels: width, kernel: 3, padding: 1 });
}
`;
    const model = `import { defineModel } from 'netforge';
import { stem } from './lib/blocks.js';

export default defineModel({ name: 'm', input: [3, 8, 8], build: (x) => stem(x, 0) });
`;
    const p = project({ 'model.ts': model, 'lib/blocks.ts': blocks });
    const def = await loadModelFile(p.path('model.ts'));
    const err = errorOf(() => buildModel(def));
    expect(err.code).toBe('E_BAD_ARG');
    const at = positionOf(blocks, 'conv2d(x');
    expect(formatLoc(err.loc)).toBe(`${p.path('lib/blocks.ts')}:${at.line}:${at.col}`);
  });
});

describe('type errors stop everything', () => {
  const text = `import { conv2d, defineModel } from 'netforge';

(globalThis as Record<string, unknown>)['__netforgeEvaluated'] = true;

export default defineModel({
  name: 'typo',
  input: [3, 32, 32],
  build: (x) => conv2d(x, { name: 'c', outChannels: '16', kernel: 3 }),
});

export const width: number = 'wide';
`;

  test('E_TYPECHECK with every diagnostic as a code frame; the file is not evaluated', async () => {
    const p = project({ 'typo.ts': text });
    const e = await rejection(loadModelFile(p.path('typo.ts')));
    expect(e).toBeInstanceOf(TypeCheckError);
    expect(e.code).toBe('E_TYPECHECK');
    expect(e.exitCode).toBe(1);
    expect((globalThis as Record<string, unknown>)['__netforgeEvaluated']).toBeUndefined();
    const ds = (e as TypeCheckError).diagnostics;
    const a = positionOf(text, 'outChannels');
    const b = positionOf(text, 'width');
    expect(ds.map((d) => [d.file, d.line, d.col, d.code])).toEqual([
      [p.path('typo.ts'), a.line, a.col, 2322],
      [p.path('typo.ts'), b.line, b.col, 2322],
    ]);
    expect(formatLoc(e.loc)).toBe(`${p.path('typo.ts')}:${a.line}:${a.col}`);
    // the frame: location, the source line, carets under `outChannels`
    const frame = ds[0]!.frame.split('\n');
    expect(frame[0]).toMatch(new RegExp(`typo\\.ts:${a.line}:${a.col} - error TS2322: `));
    expect(frame[2]).toBe(`  ${a.line} | ${text.split('\n')[a.line - 1]}`);
    expect(frame[3]).toBe(`  ${' '.repeat(String(a.line).length)} | ${' '.repeat(a.col - 1)}${'^'.repeat('outChannels'.length)}`);
    expect(e.message).toContain(ds[1]!.frame);
    expect(p.listing()).toEqual(['typo.ts']);
  });

  test('errors in an imported file and unknown netforge exports are reported where they are', async () => {
    const helper = `export const planes: number = true;\n`;
    const model = `import { conv3d, defineModel } from 'netforge';\nimport { planes } from './helper.js';\nexport default defineModel({ name: 'm', input: [3, 8, 8], build: (x) => conv3d(x, planes) });\n`;
    const p = project({ 'model.ts': model, 'helper.ts': helper });
    const e = (await rejection(loadModelFile(p.path('model.ts')))) as TypeCheckError;
    expect(e.code).toBe('E_TYPECHECK');
    expect(e.diagnostics.map((d) => [d.file, d.line, d.code])).toEqual([
      [p.path('helper.ts'), 1, 2322],
      [p.path('model.ts'), 1, 2724], // "has no exported member 'conv3d'. Did you mean 'conv2d'?"
    ]);
  });

  test('a file fixed after a failed load loads (the checker re-reads changed files)', async () => {
    const p = project({ 'm.ts': `import { defineModel, relu } from 'netforge';\nexport default defineModel({ name: 'm', input: [3, 8, 8], build: (x) => relu(x, 3) });\n` });
    expect((await rejection(loadModelFile(p.path('m.ts')))).code).toBe('E_TYPECHECK');
    p.write('m.ts', `import { defineModel, relu } from 'netforge';\nexport default defineModel({ name: 'm', input: [3, 8, 8], build: (x) => relu(x) });\n`);
    const def = await loadModelFile(p.path('m.ts'));
    expect(buildModel(def).nodes.map((n) => n.op)).toEqual(['Relu']);
  });
});

describe('evaluation', () => {
  const blocks = `import { add, batchNorm2d, block, conv2d, relu, type BlockArgs, type Tensor } from 'netforge';

export interface PreActOptions {
  /** Default true. */
  readonly finalRelu: boolean;
}

/** A pre-activation basic block (He et al. 2016), defined by the user. */
export const preActBlock = block<PreActOptions>('PreActBlock', { expansion: 1 }, (x: Tensor, a: BlockArgs & Partial<PreActOptions>) => {
  let y = relu(batchNorm2d(x, { name: 'bn1' }));
  y = conv2d(y, { name: 'conv1', outChannels: a.planes, kernel: 3, stride: a.stride, padding: 1, bias: false });
  y = relu(batchNorm2d(y, { name: 'bn2' }));
  y = conv2d(y, { name: 'conv2', outChannels: a.planes, kernel: 3, padding: 1, bias: false });
  const out = add(y, a.downsample ? a.downsample(x) : x);
  return a.finalRelu === false ? out : relu(out);
});
`;
  const model = (spec: string): string => `import { defineModel, resnet } from 'netforge';
import { preActBlock } from ${JSON.stringify(spec)};
import { scale } from './helper.mjs';

export default defineModel({
  name: 'preact_resnet',
  input: [3, 32, 32],
  build: (x, o) => resnet(x, { block: preActBlock, layers: [1, 1, 1], stem: 'cifar', numClasses: o.numClasses ?? scale(5), finalRelu: false }),
  expect: { mainPath: { conv: 7, linear: 1 } },
});
`;

  test.each(['./blocks.js', './blocks.ts', './blocks'])('a user-defined block imported as %s works like a built-in one', async (spec) => {
    const p = project({ 'model.ts': model(spec), 'blocks.ts': blocks, 'helper.mjs': 'export const scale = (n) => n * 2;\n' });
    const before = p.listing();
    const def = await loadModelFile(p.path('model.ts'));
    expect(p.listing()).toEqual(before);
    const c = compile(def, { input: [3, 16, 16] });
    expect(c.stats.output).toEqual(['N', 10]);
    expect(c.source.depth).toBe(8);
    expect(JSON.parse(c.graph.meta.get('netforge.config')!)).toMatchObject({ block: 'PreActBlock', finalRelu: false });
    expect([...buildModel(def).params.keys()].filter((k) => k.startsWith('layer2.0.'))).toEqual([
      'layer2.0.bn1.weight',
      'layer2.0.bn1.bias',
      'layer2.0.bn1.running_mean',
      'layer2.0.bn1.running_var',
      'layer2.0.conv1.weight',
      'layer2.0.bn2.weight',
      'layer2.0.bn2.bias',
      'layer2.0.bn2.running_mean',
      'layer2.0.bn2.running_var',
      'layer2.0.conv2.weight',
      'layer2.0.downsample.0.weight',
      'layer2.0.downsample.1.weight',
      'layer2.0.downsample.1.bias',
      'layer2.0.downsample.1.running_mean',
      'layer2.0.downsample.1.running_var',
    ]);
  });

  test('every export is there; the model may be `export const model`', async () => {
    const p = project({
      'm.ts': `import { defineModel, relu } from 'netforge';\nexport const answer = 42;\nexport const model = defineModel({ name: 'm', input: [3, 8, 8], build: (x) => relu(x) });\n`,
    });
    const ns = await importTypeScriptModel(p.path('m.ts'));
    expect(ns['answer']).toBe(42);
    expect((await loadModelFile(p.path('m.ts'))).name).toBe('m');
  });

  test('Node APIs type-check (Node\'s types are loaded when a file needs them) and run', async () => {
    const p = project({
      'node.ts': `import { basename } from 'node:path';\nimport { defineModel, relu } from 'netforge';\nconsole.log;\nexport default defineModel({ name: basename(process.cwd()) === '' ? 'root' : 'm', input: [3, 8, 8], build: (x) => relu(x) });\n`,
    });
    expect((await loadModelFile(p.path('node.ts'))).name).toMatch(/^(root|m)$/);
  });

  test('a file without a model export: E_NO_MODEL_EXPORT', async () => {
    const p = project({ 'none.ts': `export const x = 1;\n` });
    expect((await rejection(loadModelFile(p.path('none.ts')))).code).toBe('E_NO_MODEL_EXPORT');
  });

  test('the user\'s own exceptions: E_MODEL_THREW at their line, while evaluating or building; no file left', async () => {
    const top = `import { defineModel, relu } from 'netforge';\nconst table: Record<string, { depth: number }> = {};\nexport const depth = table['resnet']!.depth;\nexport default defineModel({ name: 'm', input: [3, 8, 8], build: (x) => relu(x) });\n`;
    const p = project({ 'top.ts': top });
    const e1 = await rejection(loadModelFile(p.path('top.ts')));
    expect(e1.code).toBe('E_MODEL_THREW');
    expect(e1.message).toMatch(/TypeError/);
    expect(formatLoc(e1.loc)).toMatch(new RegExp(`top\\.ts:${positionOf(top, 'table[').line}:`));
    expect(p.listing()).toEqual(['top.ts']);

    const inBuild = `import { defineModel, relu } from 'netforge';\nconst widths: number[] = [];\nexport default defineModel({\n  name: 'm',\n  input: [3, 8, 8],\n  build: (x) => relu(x, { name: widths.at(5)!.toFixed(0) }),\n});\n`;
    p.write('build.ts', inBuild);
    const def = await loadModelFile(p.path('build.ts'));
    const e2 = errorOf(() => buildModel(def));
    expect(e2.code).toBe('E_MODEL_THREW');
    expect(formatLoc(e2.loc)).toMatch(new RegExp(`build\\.ts:${positionOf(inBuild, 'widths.at').line}:`));
  });
});
