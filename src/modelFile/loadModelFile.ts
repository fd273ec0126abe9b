/**
 * Load a user's model file. TypeScript is type-checked, transpiled and evaluated (see
 * typescriptLoader.ts); JavaScript modules are imported. The default export (or `model`)
 * is the definition; `file.ts#name` picks the export `name` of a file that defines several.
 *
 * Errors the user's own code throws (not netforge's: those already say where) become
 * E_MODEL_THREW at the user's file:line, both while the file is evaluated and later while
 * its build function runs, instead of an "internal error" with a temporary file's stack.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NetforgeError, isNetforgeError } from '../errors.js';
import { isDefinedModel, type DefinedModel } from '../dsl/model.js';
import { mapGeneratedLoc } from '../dsl/sourceLoc.js';
import type { SourceLoc } from '../ir/types.js';
import type { ImportOptions } from './typescriptLoader.js';
import { describeThrown } from './thrown.js';

export interface LoadModelFileOptions extends ImportOptions {
  /** The export to take (a file that defines several models); default: the default export, else `model`. */
  readonly exportName?: string;
}

/** The model files (and the .ts files they import) loaded so far: under `node --enable-source-maps` stacks already name them. */
const loadedSources = new Set<string>();

/** Every model file (and .ts file it imports) loaded in this process: a command's inputs, which its outputs must not overwrite. */
export function loadedModelSources(): readonly string[] {
  return [...loadedSources];
}

/**
 * Load a model file as the command line does: a .ts file is type-checked against netforge's
 * types first (E_TYPECHECK with every diagnostic, nothing evaluated), then transpiled and
 * evaluated; a .js/.mjs file is imported. Errors its code throws while loading or building
 * become E_MODEL_THREW at the user's file:line.
 */
export async function loadModelFile(path: string, o: LoadModelFileOptions = {}): Promise<DefinedModel> {
  const exportName = o.exportName;
  let mod: Record<string, unknown>;
  const isTs = /\.(c|m)?ts$/.test(path);
  try {
    if (isTs) {
      const { importTypeScriptModel } = await import('./typescriptLoader.js');
      mod = await unlessStalled(
        importTypeScriptModel(path, {
          onTypeChecked: (r) => {
            for (const f of r.files) loadedSources.add(f);
            o.onTypeChecked?.(r);
          },
        }),
        path,
      );
    } else {
      loadedSources.add(path); // its stack frames are the user's
      mod = (await unlessStalled(import(pathToFileURL(path).href), path)) as Record<string, unknown>;
    }
  } catch (e) {
    throw asUserError(e, path, 'evaluating');
  }
  return guardBuild(pickModel(mod, path, exportName), path);
}

export function pickModel(mod: Record<string, unknown>, path: string, exportName?: string): DefinedModel {
  const models = Object.keys(mod).filter((k) => isDefinedModel(mod[k]));
  const listed = models.length > 0 ? `the models it exports: ${models.join(', ')} (pick one with <file>#<name>)` : 'it exports no model';
  if (exportName !== undefined) {
    const picked = mod[exportName];
    if (isDefinedModel(picked)) return picked;
    throw new NetforgeError({
      code: 'E_NO_MODEL_EXPORT',
      message: `${path} has no model export named '${exportName}'`,
      file: path,
      hint: listed,
    });
  }
  const candidate = mod['default'] ?? mod['model'];
  if (isDefinedModel(candidate)) return candidate;
  throw new NetforgeError({
    code: 'E_NO_MODEL_EXPORT',
    message: `${path} does not export a default model`,
    file: path,
    hint:
      models.length > 0
        ? listed
        : "export default defineModel({ name, input, build }) (or export const model = defineModel(...))",
  });
}

/**
 * Where an error was thrown, if that is in a transpiled model file: the innermost frame
 * with a real file (engine and `node:` frames skipped), mapped to the user's .ts. An error
 * thrown inside netforge's own code is not the user's, even when their code called it.
 */
export function userFrameOf(e: unknown): SourceLoc | undefined {
  const stack = e instanceof Error && typeof e.stack === 'string' ? e.stack : '';
  for (const line of stack.split('\n')) {
    const m = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m || m[1]!.startsWith('node:') || m[1] === '<anonymous>') continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    const raw = { file, line: Number(m[2]), col: Number(m[3]) };
    const mapped = mapGeneratedLoc(raw);
    return mapped !== raw || loadedSources.has(file) ? mapped : undefined;
  }
  return undefined;
}

/**
 * Resolves or rejects as `p` does, but rejects (E_MODEL_UNSETTLED) if the event loop runs out
 * of work first: a top-level await in the model file waiting on a promise that never settles
 * (Node would otherwise exit silently with status 13).
 */
function unlessStalled<T>(p: Promise<T>, path: string): Promise<T> {
  let onIdle = (): void => {};
  const stalled = new Promise<never>((_, reject) => {
    onIdle = () =>
      reject(
        new NetforgeError({
          code: 'E_MODEL_UNSETTLED',
          message: `evaluating ${path} never finished: a top-level await waits for a promise that never settles`,
          file: path,
          hint: 'find the await at the top level of the model file (or a file it imports) whose promise is never resolved or rejected',
        }),
      );
    process.once('beforeExit', onIdle);
  });
  return Promise.race([p, stalled]).finally(() => process.removeListener('beforeExit', onIdle));
}

/**
 * A value the user's code threw, as E_MODEL_THREW at their line. An Error thrown inside
 * netforge's own code is returned unchanged (a bug, or a NetforgeError that already says
 * where); any other value (null, 42, a string) can only come from the user's code, which
 * gives it no stack: the error then points at `where` (their defineModel call) or the file.
 */
function asUserError(e: unknown, path: string, when: 'evaluating' | 'building', where?: SourceLoc): unknown {
  if (isNetforgeError(e)) return e;
  const at = userFrameOf(e);
  if (at === undefined && e instanceof Error) return e;
  const loc = at ?? (when === 'building' ? where : undefined);
  return new NetforgeError({
    code: 'E_MODEL_THREW',
    message: `the model file threw while ${when === 'evaluating' ? 'being evaluated' : 'building the model'}: ${describeThrown(e)}${e instanceof Error ? '' : ' (a value that is not an Error, so without a stack: throw new Error(...) would show the line)'}`,
    ...(loc !== undefined ? { loc } : { file: path }),
    hint: at !== undefined ? `fix the code at that line (${path} or a file it imports)` : `find the throw in ${path} (or a file it imports)`,
  });
}

function guardBuild(def: DefinedModel, path: string): DefinedModel {
  const build = def.build;
  return {
    ...def,
    build: (x, options) => {
      try {
        return build(x, options);
      } catch (e) {
        throw asUserError(e, path, 'building', def.definedAt);
      }
    },
  };
}
