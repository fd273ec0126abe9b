/**
 * netforge in someone else's project, end to end, as a user installs and uses it:
 *
 * 1. `npm pack`, then `npm ci` of the tarball into a fresh app with no environment variables
 *    (no ONNXRUNTIME_NODE_INSTALL, nothing from the npm that runs these tests): it installs
 *    without onnxruntime-node; compile and summary work; run says how to get onnxruntime-node.
 * 2. An app that also depends on onnxruntime-node (its install script denied in package.json,
 *    the documented way where the CUDA download cannot be reached): a script compiles a .ts
 *    model file through the library API and emits the typed wrapper; tsc builds the app into
 *    an outDir; the built app runs the wrapper; its logits equal `netforge run`'s on the same
 *    input. The same app bundled with esbuild, and run under tsx, gives the same logits.
 *
 * Offline: the apps' lockfiles are made from this repository's (appLock.ts), and `npm ci
 * --offline` takes every package from npm's cache, where this repository's `npm ci` put
 * them; nothing is downloaded.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appLockfile, type Lockfile } from './appLock.js';
import { readNpy, writeNpy } from '../../src/weights/npy.js';
import { toFloat32 } from '../../src/weights/tensor.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = (name: string): string => join(repo, 'node_modules', '.bin', name);

/** What a user's shell has: a PATH and a home (npm's cache lives there), nothing netforge- or npm-specific. */
const cleanEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], HOME: process.env['HOME'], ...(process.env['TMPDIR'] ? { TMPDIR: process.env['TMPDIR'] } : {}) });

function sh(cmd: string, args: readonly string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let root = '';
let tarball = '';
let netforgePkg: Record<string, unknown> = {};
const repoLock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as Lockfile;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'netforge-install-'));
  // dist/ is built by globalSetup; --ignore-scripts skips `prepare` (a second build)
  const out = ok(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], repo), 'npm pack');
  const [info] = JSON.parse(out) as [{ filename: string }];
  tarball = join(root, info.filename);
  netforgePkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh app: package.json, a lockfile from this repository's, `npm ci --offline` with a clean environment. */
function makeApp(name: string, deps: Readonly<Record<string, string>>, extra: Readonly<Record<string, unknown>> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const dependencies = { netforge: `file:../${tarball.split('/').pop()}`, ...deps };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module', dependencies, ...extra }, null, 2));
  const lock = appLockfile({ appName: name, dependencies, tarballSpec: dependencies.netforge, tarballPath: tarball, netforge: netforgePkg, repoLock });
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const r = sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir);
  if (r.status !== 0 && /ENOTCACHED/.test(r.stderr)) {
    throw new Error(`npm's cache lacks a package this repository's lockfile names (run \`npm ci\` here first; this test downloads nothing):\n${r.stderr}`);
  }
  ok(r, `npm ci in ${name}`);
  return dir;
}

const input = (batch: number): Float32Array => Float32Array.from({ length: batch * 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37) * 1.5);

describe('installed from the packed tarball', () => {
  test('without onnxruntime-node: installs with no environment variables, compiles and summarizes; run says how to get onnxruntime-node', () => {
    const app = makeApp('compile-only', {});
    expect(existsSync(join(app, 'node_modules', 'netforge', 'dist', 'runtime.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'onnxruntime-node'))).toBe(false);
    const netforge = join(app, 'node_modules', '.bin', 'netforge');
    expect(ok(sh(netforge, ['compile', 'cifar_resnet20', '-o', 'c20.onnx'], app), 'compile')).toContain('compiled cifar_resnet20 -> c20.onnx');
    expect(ok(sh(netforge, ['summary', 'cifar_resnet20', '--depth', '1'], app), 'summary')).toContain('269,722');
    writeNpy(join(app, 'x.npy'), 'float32', [1, 3, 32, 32], new Uint8Array(input(1).buffer));
    const run = sh(netforge, ['run', 'c20.onnx', '--input', 'x.npy'], app);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    // exactly the README's transcript of this case
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const shown = /\$ npx netforge run c20\.onnx --input x\.npy +# in an app without onnxruntime-node\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBeDefined();
    expect(run.stderr).toBe(shown);
    expect(run.stderr).toContain('error[E_ORT_MISSING]: netforge run needs onnxruntime-node (^1.30.0): onnxruntime-node is not installed');
    // the other commands that run a model say the same, before doing any work
    for (const [args, what] of [[['compile', 'cifar_resnet20', '--check'], 'compile --check'], [['bench', 'c20.onnx'], 'netforge bench']] as const) {
      const r = sh(netforge, args, app);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error\\[E_ORT_MISSING\\]: ${what} needs onnxruntime-node`));
    }
  });

  describe('an app that runs the typed wrapper', () => {
    let app = '';
    let reference: Float32Array;
    beforeAll(() => {
      app = makeApp('wrapper-app', { 'onnxruntime-node': '1.30.0' }, { allowScripts: { 'onnxruntime-node': false } });
      mkdirSync(join(app, 'src'));
      mkdirSync(join(app, 'models'));
      writeFileSync(join(app, 'model.ts'), MODEL_FILE);
      writeFileSync(join(app, 'make-model.mjs'), MAKE_MODEL);
      writeFileSync(join(app, 'src', 'app.ts'), APP);
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
      const made = JSON.parse(ok(sh(process.execPath, ['make-model.mjs'], app), 'make-model.mjs')) as Record<string, unknown>;
      // stem 3*16*9 + 32, layer1 2*16*16*9 + 64, layer2 16*32*9 + 32*32*9 + 128 + 1x1 projection 16*32 + 64,
      // layer3 32*64*9 + 64*64*9 + 256 + 32*64 + 128, fc 64*7 + 7
      expect(made).toMatchObject({ name: 'app_resnet', params: 464 + 4_672 + 14_528 + 57_728 + 455, wrapper: 'src/app_resnet.ts' });
      // a zoo option error reaches the library caller as a NetforgeError at the caller's own line
      expect(made['error']).toEqual({ code: 'E_DILATION_LENGTH', file: join(app, 'make-model.mjs'), line: 10, hint: 'this 4-stage ResNet takes 3 booleans, e.g. [false, true, true]' });
      // the reference: the CLI, on the same input
      writeNpy(join(app, 'x.npy'), 'float32', [2, 3, 32, 32], new Uint8Array(input(2).buffer));
      ok(sh(join(app, 'node_modules', '.bin', 'netforge'), ['run', 'models/app_resnet.onnx', '--input', 'x.npy', '--output', 'y.npy', '-q'], app), 'netforge run');
      reference = toFloat32(readNpy(join(app, 'y.npy')), 'y', 'y.npy');
      expect(reference.length).toBe(2 * 7);
    });

    const logitsOf = (stdout: string): number[] => (JSON.parse(stdout) as { logits: number[] }).logits;

    test('tsc builds it into an outDir; the built app runs the wrapper and its logits equal `netforge run`', () => {
      ok(sh(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app), 'tsc');
      expect(readdirSync(join(app, 'dist')).sort()).toEqual(['app.js', 'app_resnet.js']);
      const out = JSON.parse(ok(sh(process.execPath, ['dist/app.js'], app), 'node dist/app.js')) as { logits: number[]; dims: number[]; provider: string };
      expect(out.dims).toEqual([2, 7]);
      expect(out.provider).toBe('cpu');
      expect(out.logits).toEqual(Array.from(reference));
    });

    test('bundled with esbuild (onnxruntime-node stays a run-time require), the bundle gives the same logits', () => {
      ok(sh(bin('esbuild'), ['src/app.ts', '--bundle', '--platform=node', '--format=esm', '--outfile=bundle/app.mjs', '--log-level=warning'], app), 'esbuild');
      const bundle = readFileSync(join(app, 'bundle', 'app.mjs'), 'utf8');
      expect(bundle).not.toContain('ts-morph');
      expect(logitsOf(ok(sh(process.execPath, ['bundle/app.mjs'], app), 'node bundle/app.mjs'))).toEqual(Array.from(reference));
    });

    test('under tsx, straight from the .ts sources, the same logits', () => {
      expect(logitsOf(ok(sh(bin('tsx'), ['src/app.ts'], app), 'tsx src/app.ts'))).toEqual(Array.from(reference));
    });
  });
});

/** The app's own model file: loaded through the library with the CLI's type-check. */
const MODEL_FILE = `import { basicBlock, defineModel, resnet } from 'netforge';

export default defineModel({
  name: 'app_resnet',
  input: [3, 32, 32],
  build: (x, o) => resnet(x, { block: basicBlock, layers: [1, 1, 1], stem: 'cifar', numClasses: o.numClasses ?? 10 }),
});
`;

/** Compiles through the API: load the model file, compile with 7 classes, write the ONNX file and the typed wrapper. */
const MAKE_MODEL = `import { compile, emitTypedWrapper, loadModelFile, writeOnnx, zoo } from 'netforge';

const def = await loadModelFile('model.ts');
const c = compile(def, { numClasses: 7, seed: 3 });
writeOnnx('models/app_resnet.onnx', c.graph);
await emitTypedWrapper({ path: 'src/app_resnet.ts', onnxPath: 'models/app_resnet.onnx', graph: c.graph, stats: c.source });

let error;
try {
  compile(zoo.resnet18, { replaceStrideWithDilation: [true] });
} catch (e) {
  error = { code: e.code, file: e.loc?.file, line: e.loc?.line, hint: e.hint };
}
console.log(JSON.stringify({ name: def.name, params: c.source.params, wrapper: 'src/app_resnet.ts', error }));
`;

/** The app: runs the wrapper on a deterministic batch of 2, the .onnx found relative to the app's own file. */
const APP = `import { inputSize, load, outputShape } from './app_resnet.js';

const batch = 2;
const x = Float32Array.from({ length: batch * inputSize }, (_, i) => Math.sin(i * 0.37) * 1.5);
const model = await load(new URL('../models/app_resnet.onnx', import.meta.url));
const { logits, dims } = await model.run(x, batch);
const classes: 7 = dims[1];
const [, declared] = outputShape;
await model.release();
console.log(JSON.stringify({ logits: Array.from(logits), dims, provider: model.provider, classes, declared }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};
