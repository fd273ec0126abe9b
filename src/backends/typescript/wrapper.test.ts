/**
 * The typed wrapper of a compiled cifar_resnet20: it type-checks under the strictest
 * settings (with a consumer that relies on its literal types), and, transpiled and
 * imported, runs the model in onnxruntime-node with the same numbers as a plain session.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Project, ts } from 'ts-morph';
import { compile } from '../../compile.js';
import { ZOO } from '../../zoo/index.js';
import { writeOnnx } from '../onnx/serialize.js';
import { createSession, runFloat32 } from '../ort/session.js';
import { emitTypedWrapper, typedWrapperSource } from './wrapper.js';
import { adaptiveAvgPool2d, conv2d, defineModel } from '../../dsl/index.js';
import { buildModel } from '../../dsl/model.js';
import { analyze } from '../../passes/analyze.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// Inside the repository (test-artifacts/ is git-ignored) so that the generated module's `netforge/runtime` resolves to
// this package itself (Node's and TypeScript's package self-reference, through package.json exports: dist/ is built by globalSetup).
let dir = '';
let onnxPath = '';
let modulePath = '';
const compiled = compile(ZOO.get('cifar_resnet20')!);

beforeAll(() => {
  mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
  dir = mkdtempSync(join(repo, 'test-artifacts', 'wrapper-'));
  onnxPath = join(dir, 'models', 'cifar_resnet20.onnx');
  modulePath = join(dir, 'src', 'cifar_resnet20.ts');
  mkdirSync(dirname(onnxPath));
  mkdirSync(dirname(modulePath));
  writeOnnx(onnxPath, compiled.graph);
  emitTypedWrapper({ path: modulePath, onnxPath, graph: compiled.graph, stats: compiled.source, command: 'netforge compile cifar_resnet20 -o models/cifar_resnet20.onnx --emit-ts src/cifar_resnet20.ts' });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const CONSUMER = `import { inputShape, load, metadata, outputName, type Output } from './cifar_resnet20.js';

const shape: readonly ['N', 3, 32, 32] = inputShape;
const name: 'logits' = outputName;
const params: number = metadata.params;
const model = await load(new URL('../models/cifar_resnet20.onnx', import.meta.url), { ep: 'cpu' });
const out: Output = await model.run(new Float32Array(2 * 3 * 32 * 32), 2);
const dims: readonly [number, 10] = out.dims;
const logits: Float32Array = out.logits;
// @ts-expect-error: ten classes, not a thousand
const wrong: readonly [number, 1000] = out.dims;
// @ts-expect-error: no such execution provider
await load('m.onnx', { ep: 'tpu' });
// @ts-expect-error: where the model is must be said
await load();
export { shape, name, params, dims, logits, wrong };
`;

describe('typed wrapper for cifar_resnet20', () => {
  // ESNext + Bundler rather than NodeNext: ts-morph's document registry creates source files
  // without an impliedNodeFormat, so under NodeNext it would take every file for CommonJS.
  test('type-checks with 0 diagnostics under the strictest settings, consumer included', () => {
    writeFileSync(join(dirname(modulePath), 'consumer.ts'), CONSUMER);
    const project = new Project({
      skipAddingFilesFromTsConfig: true,
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        verbatimModuleSyntax: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        types: ['node'],
        typeRoots: [join(repo, 'node_modules', '@types')],
      },
    });
    project.addSourceFileAtPath(modulePath);
    project.addSourceFileAtPath(join(dirname(modulePath), 'consumer.ts'));
    project.resolveSourceFileDependencies();
    const diags = project.getPreEmitDiagnostics();
    expect(project.formatDiagnosticsWithColorAndContext(diags)).toBe('');
  });

  test('its constants are the compiled model\'s', () => {
    const text = readFileSync(modulePath, 'utf8');
    expect(text).toContain("export const inputShape = ['N', 3, 32, 32] as const;");
    expect(text).toContain("export const outputShape = ['N', 10] as const;");
    expect(text).toContain("export const onnxFile = 'cifar_resnet20.onnx' as const;");
    expect(text).toContain("import { openModel, type ModelSource, type ProviderChoice } from 'netforge/runtime';");
    expect(text).not.toContain('onnxruntime-node\'');
    expect(text).toContain('`netforge compile cifar_resnet20 -o models/cifar_resnet20.onnx --emit-ts src/cifar_resnet20.ts`');
  });

  test('transpiled and imported, it runs the model like a plain onnxruntime session', async () => {
    const js = ts.transpileModule(readFileSync(modulePath, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    const jsPath = modulePath.replace(/\.ts$/, '.mjs');
    writeFileSync(jsPath, js.outputText);
    // a data: URL takes Node's own loader (as the model-file loader does), so import.meta.url is the file's
    const mod = ((await import(`data:text/javascript,export * as m from ${JSON.stringify(pathToFileURL(jsPath).href)};`)) as { m: Record<string, unknown> }).m;
    expect(mod['inputShape']).toEqual(['N', 3, 32, 32]);
    expect(mod['outputShape']).toEqual(['N', 10]);
    const meta = mod['metadata'] as { params: number; macs: number; depth: number; preprocessing: { mean: number[]; std: number[] } };
    expect(meta.params).toBe(269_722);
    expect(meta.macs).toBe(compiled.source.macs);
    expect(meta.depth).toBe(20);
    expect(meta.preprocessing).toMatchObject(JSON.parse(compiled.graph.meta.get('netforge.preprocessing')!) as object);
    expect(mod['onnxFile']).toBe('cifar_resnet20.onnx');

    type Loaded = { provider: string; run: (x: Float32Array, b: number) => Promise<{ logits: Float32Array; dims: readonly number[] }>; release: () => Promise<void> };
    const load = mod['load'] as (m: string | URL | Uint8Array, o?: { ep?: string }) => Promise<Loaded>;
    const model = await load(onnxPath);
    expect(model.provider).toBe('cpu');
    const batch = 2;
    const x = new Float32Array(batch * 3 * 32 * 32);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 1.5;
    const out = await model.run(x, batch);
    expect(out.dims).toEqual([2, 10]);
    expect(out.logits.length).toBe(20);

    const session = await createSession(onnxPath);
    const ref = await runFloat32(session, x, [batch, 3, 32, 32]);
    expect(Array.from(out.logits)).toEqual(Array.from(ref.data));
    // the two samples differ, so the batch really was two samples
    expect(out.logits.slice(0, 10)).not.toEqual(out.logits.slice(10, 20));

    await expect(model.run(new Float32Array(5), 1)).rejects.toThrow(RangeError);
    await expect(model.run(x, 0)).rejects.toThrow(RangeError);
    await model.release();
    await session.release();
    // the same model as bytes, and as a file: URL
    for (const m of [readFileSync(onnxPath), pathToFileURL(onnxPath)]) {
      const again = await load(m);
      expect(Array.from((await again.run(x, batch)).logits)).toEqual(Array.from(ref.data));
      await again.release();
    }
  });

  test('a model with other outputs is refused: E_WRAPPER_MISMATCH naming what the file has', async () => {
    const def = defineModel({ name: 'other', input: [3, 32, 32], outputName: 'features', build: (x) => conv2d(x, { name: 'c', outChannels: 2, kernel: 1 }) });
    const other = join(dir, 'models', 'other.onnx');
    writeOnnx(other, compile(def).graph);
    const mod = (await import(`data:text/javascript,export * as m from ${JSON.stringify(pathToFileURL(modulePath.replace(/\.ts$/, '.mjs')).href)};`)) as { m: { load: (p: string) => Promise<unknown> } };
    await expect(mod.m.load(other)).rejects.toMatchObject({ code: 'E_WRAPPER_MISMATCH', file: other, message: "the model has outputs 'features', not 'logits'" });
  });
});

describe('typed wrapper text', () => {
  test('a backbone: the output keeps its name and every dimension as a literal; no preprocessing is null', () => {
    const def = defineModel({
      name: 'tiny_backbone',
      input: [3, 8, 8],
      outputName: 'features',
      build: (x) => adaptiveAvgPool2d(conv2d(x, { name: 'conv', outChannels: 4, kernel: 3, stride: 2 }), { name: 'pool' }),
    });
    const g = buildModel(def);
    const text = typedWrapperSource({ path: '/app/gen/m.ts', onnxPath: '/app/m.onnx', graph: g, stats: analyze(g) });
    expect(text).toContain('readonly features: Float32Array;');
    expect(text).toContain('readonly dims: readonly [number, 4, 1, 1];');
    expect(text).toContain('return { features: t.data, dims: [batch, 4, 1, 1] as const };');
    expect(text).toContain('preprocessing: null,');
    expect(text).toContain("export const onnxFile = 'm.onnx' as const;");
  });

  test("an output named 'dims' is refused", () => {
    const def = defineModel({ name: 'd', input: [3, 8, 8], outputName: 'dims', build: (x) => conv2d(x, { name: 'c', outChannels: 2, kernel: 1 }) });
    const g = buildModel(def);
    expect(() => typedWrapperSource({ path: '/a/m.ts', onnxPath: '/a/m.onnx', graph: g, stats: analyze(g) })).toThrow(expect.objectContaining({ code: 'E_BAD_ARG' }));
  });
});

describe('typed wrapper for a backbone of any size with several outputs', () => {
  // cifar_resnet20's stages as outputs, H and W symbolic: layer2 at ⌈H/2⌉, layer3 at ⌈H/4⌉
  const backbone = compile(ZOO.get('cifar_resnet20')!, { input: [3, 'H', 'W'], outputs: [{ module: 'layer2' }, { module: 'layer3', name: 'out' }] });
  let bdir = '';
  let bonnx = '';
  let bmodule = '';
  beforeAll(() => {
    bdir = mkdtempSync(join(repo, 'test-artifacts', 'wrapper-sym-'));
    bonnx = join(bdir, 'b.onnx');
    bmodule = join(bdir, 'b.ts');
    writeOnnx(bonnx, backbone.graph);
    emitTypedWrapper({ path: bmodule, onnxPath: bonnx, graph: backbone.graph, stats: backbone.source });
  });
  afterAll(() => {
    if (bdir) rmSync(bdir, { recursive: true, force: true });
  });

  test('types: fixed channels as literals, sizes as number, run() needs the size', () => {
    writeFileSync(
      join(bdir, 'consumer.ts'),
      `import { load, minInputSize, outputShapes, type Output } from './b.js';
const model = await load(new URL('./b.onnx', import.meta.url));
const out: Output = await model.run(new Float32Array(3 * 20 * 30), 1, { H: 20, W: 30 });
const d2: readonly [number, 32, number, number] = out.layer2.dims;
const d3: readonly [number, 64, number, number] = out.out.dims;
const data: Float32Array = out.out.data;
const h: 1 = minInputSize.H;
const s: readonly ['N', 64, 'ceil(H/4)', 'ceil(W/4)'] = outputShapes.out;
// @ts-expect-error: the size is required
await model.run(new Float32Array(3 * 20 * 30), 1);
// @ts-expect-error: 64 channels, not 32
const wrong: readonly [number, 32, number, number] = out.out.dims;
export { d2, d3, data, h, s, wrong };
`,
    );
    const project = new Project({
      skipAddingFilesFromTsConfig: true,
      compilerOptions: { strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')] },
    });
    project.addSourceFileAtPath(bmodule);
    project.addSourceFileAtPath(join(bdir, 'consumer.ts'));
    project.resolveSourceFileDependencies();
    expect(project.formatDiagnosticsWithColorAndContext(project.getPreEmitDiagnostics())).toBe('');
  });

  test('runs at two sizes with the outputs onnxruntime computes, and refuses a size below the minimum', async () => {
    const js = ts.transpileModule(readFileSync(bmodule, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    const jsPath = bmodule.replace(/\.ts$/, '.mjs');
    writeFileSync(jsPath, js.outputText);
    const mod = ((await import(`data:text/javascript,export * as m from ${JSON.stringify(pathToFileURL(jsPath).href)};`)) as { m: Record<string, unknown> }).m;
    type Out = Record<string, { data: Float32Array; dims: readonly number[] }>;
    type Loaded = { run: (x: Float32Array, b: number, s: { H: number; W: number }) => Promise<Out>; release: () => Promise<void> };
    const model = await (mod['load'] as (m: string) => Promise<Loaded>)(bonnx);
    const session = await createSession(bonnx);
    for (const [h, w] of [[32, 32], [21, 46]] as const) {
      const x = new Float32Array(2 * 3 * h * w).map((_, i) => Math.cos(i * 0.11));
      const out = await model.run(x, 2, { H: h, W: w });
      expect(Object.keys(out)).toEqual(['layer2', 'out']);
      expect(out['layer2']!.dims).toEqual([2, 32, Math.ceil(h / 2), Math.ceil(w / 2)]);
      expect(out['out']!.dims).toEqual([2, 64, Math.ceil(h / 4), Math.ceil(w / 4)]);
      const ref = await session.run({ input: new (await import('onnxruntime-node')).Tensor('float32', x, [2, 3, h, w]) });
      expect(Array.from(out['out']!.data)).toEqual(Array.from(ref['out']!.data as Float32Array));
    }
    await expect(model.run(new Float32Array(0), 1, { H: 0, W: 4 })).rejects.toThrow(/below the smallest size/);
    await model.release();
    await session.release();
  });
});
