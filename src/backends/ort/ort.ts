/**
 * onnxruntime-node, loaded when a model is first run, never before.
 *
 * netforge declares onnxruntime-node as an optional peer dependency: compiling,
 * summarizing and reporting need no native code, and installing netforge never runs
 * onnxruntime-node's install script (on Linux x64 it downloads the CUDA provider
 * libraries, which fails where that download cannot be reached). Running a model (`run`,
 * `bench`, `compile --check`, `doctor`, netforge/runtime, the typed wrappers) loads it here;
 * when it is missing, or its native binding does not load, the caller gets E_ORT_MISSING
 * saying how to install it.
 *
 * It is loaded with a `require` made by createRequire, not with `import()`: a bundler
 * (esbuild) leaves such a call alone, so an app bundling netforge/runtime resolves
 * onnxruntime-node from its own node_modules at run time instead of trying to inline a
 * native addon. The types come from onnxruntime-common (a plain dependency, no native
 * code), which is what onnxruntime-node re-exports.
 */
import { createRequire } from 'node:module';
import type * as OrtCommon from 'onnxruntime-common';
import { NetforgeError } from '../../errors.js';

/** The onnxruntime-node module: onnxruntime-common's API plus the binding's backend list. */
export type Ort = typeof OrtCommon & {
  readonly listSupportedBackends: () => readonly { readonly name: string; readonly bundled: boolean }[];
};

/** The package netforge runs models with. */
export const ORT_PACKAGE = 'onnxruntime-node';

/** The versions netforge is built and tested against (package.json peerDependencies says the same). */
export const ORT_RANGE = '^1.30.0';

/** How to get onnxruntime-node, for hints. */
export const ORT_INSTALL_HINT =
  'install it beside netforge: `npm install onnxruntime-node`. Where its install script cannot reach the CUDA download (no network), ' +
  'first add "allowScripts": { "onnxruntime-node": false } to your package.json (npm 11), or install with ONNXRUNTIME_NODE_INSTALL=skip (npm 10); ' +
  'compile, summary and report do not need it';

let cached: Ort | undefined;

/** What went wrong loading it, in words. */
function why(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${ORT_PACKAGE}'`)) return `${ORT_PACKAGE} is not installed`;
  return `${ORT_PACKAGE} is installed but does not load: ${String(err?.message ?? e).split('\n')[0]}`;
}

/**
 * onnxruntime-node, loaded once. `what` says what needs it, for the error:
 * `netforge run needs onnxruntime-node (^1.30.0): onnxruntime-node is not installed`.
 */
export function loadOrt(what = 'running a model'): Ort {
  cached ??= loadOrtWith(createRequire(import.meta.url), what);
  return cached;
}

/** Load onnxruntime-node through `load` (a require function); E_ORT_MISSING when it throws. */
export function loadOrtWith(load: (id: string) => unknown, what = 'running a model'): Ort {
  try {
    return load(ORT_PACKAGE) as Ort;
  } catch (e) {
    throw missing(e, what);
  }
}

function missing(e: unknown, what: string): NetforgeError {
  return new NetforgeError({ code: 'E_ORT_MISSING', message: `${what} needs onnxruntime-node (${ORT_RANGE}): ${why(e)}`, hint: ORT_INSTALL_HINT });
}

/** Why onnxruntime-node cannot be loaded here (E_ORT_MISSING), or undefined when it can. */
export function ortProblem(what = 'running a model'): NetforgeError | undefined {
  try {
    loadOrt(what);
    return undefined;
  } catch (e) {
    if (e instanceof NetforgeError) return e;
    throw e;
  }
}

/** Whether onnxruntime-node can be loaded here. */
export function hasOrt(): boolean {
  return ortProblem() === undefined;
}

/** Where onnxruntime-node's package.json is, for finding its binding directory. */
export function resolveOrt(what = 'running a model'): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(ORT_PACKAGE);
  } catch (e) {
    throw missing(e, what);
  }
}

/** The onnxruntime version (onnxruntime-common's), or 'not installed'. */
export function ortVersion(): string {
  if (!hasOrt()) return 'not installed';
  return (loadOrt().env as { versions?: { common?: string } }).versions?.common ?? 'unknown';
}
