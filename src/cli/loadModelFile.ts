/** Load a user's model file. JavaScript modules are imported; TypeScript is type-checked and transpiled (see typescriptLoader.ts). */
import { pathToFileURL } from 'node:url';
import { NetforgeError } from '../errors.js';
import { isDefinedModel, type DefinedModel } from '../dsl/model.js';

export async function loadModelFile(path: string): Promise<DefinedModel> {
  let mod: Record<string, unknown>;
  if (/\.(c|m)?ts$/.test(path)) {
    const { importTypeScriptModel } = await import('./typescriptLoader.js');
    mod = await importTypeScriptModel(path);
  } else {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  }
  return pickModel(mod, path);
}

export function pickModel(mod: Record<string, unknown>, path: string): DefinedModel {
  const candidate = mod['default'] ?? mod['model'];
  if (isDefinedModel(candidate)) return candidate;
  throw new NetforgeError({
    code: 'E_NO_MODEL_EXPORT',
    message: `${path} does not export a model`,
    file: path,
    hint: "export default defineModel({ name, input, build }) (or export const model = defineModel(...))",
  });
}
