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

export interface LoadModelFileOptions extends ImportOptions {
  /** The export to take (a file that defines several models); default: the default export, else `model`. */
  readonly exportName?: string;
}

/** The .ts files loaded so far: under `node --enable-source-maps` stacks already name them. */
const loadedSources = new Set<string>();

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
      mod = await importTypeScriptModel(path, {
        onTypeChecked: (r) => {
          for (const f of r.files) loadedSources.add(f);
          o.onTypeChecked?.(r);
        },
      });
    } else {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    }
  } catch (e) {
    throw asUserError(e, path, 'evaluating');
  }
  const def = pickModel(mod, path, exportName);
  return isTs ? guardBuild(def, path) : def;
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

function asUserError(e: unknown, path: string, when: 'evaluating' | 'building'): unknown {
  if (isNetforgeError(e)) return e;
  const at = userFrameOf(e);
  if (at === undefined) return e;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new NetforgeError({
    code: 'E_MODEL_THREW',
    message: `the model file threw while ${when === 'evaluating' ? 'being evaluated' : 'building the model'}: ${what}`,
    loc: at,
    hint: `fix the code at that line (${path} or a file it imports)`,
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
        throw asUserError(e, path, 'building');
      }
    },
  };
}
