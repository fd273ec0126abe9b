/**
 * A model named the way the command line names one: a zoo name (`resnet50`), a model file
 * (`my-resnet.ts`, `.mts`, `.js`, `.mjs`), or one export of a file that defines several
 * (`models.ts#wide_resnet50_2`). Model files are type-checked against netforge's types
 * before anything in them runs (loadModelFile).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DefinedModel } from '../dsl/model.js';
import { ZOO } from '../zoo/index.js';
import { NetforgeError } from '../errors.js';
import { loadModelFile } from './loadModelFile.js';

const usage = (message: string, hint: string): NetforgeError => new NetforgeError({ code: 'E_USAGE', message, hint, exitCode: 2 });

/** A zoo name, or a path to a model file (`file.ts#exportName` picks one export). */
export async function resolveModel(spec: string): Promise<DefinedModel> {
  const zoo = ZOO.get(spec);
  if (zoo) return zoo;
  const hash = /^(.*\.(?:c|m)?(?:t|j)s)#(.*)$/.exec(spec);
  const file = hash?.[1] ?? spec;
  const exportName = hash?.[2];
  if (exportName !== undefined && !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw usage(`'${exportName}' after '#' in ${spec} is not an export name`, `give the name of a model the file exports, e.g. ${file}#resnet50 (or drop '#' for its default export)`);
  }
  const isModule = /\.(c|m)?(t|j)s$/.test(file);
  if (isModule || file.includes('/') || /\.[A-Za-z0-9]+$/.test(file) || existsSync(file)) {
    const path = resolve(file);
    const isDir = existsSync(path) && statSync(path).isDirectory();
    if (isDir) throw new NetforgeError({ code: 'E_NOT_A_MODEL', message: `${file} is a directory, not a model`, file, hint: 'give a .ts model file inside it, e.g. ' + join(file, 'model.ts') });
    if (isModule && !existsSync(path)) throw new NetforgeError({ code: 'E_NOT_FOUND', message: `model file ${file} does not exist`, file, hint: 'check the path' });
    if (!isModule) {
      throw new NetforgeError({ code: 'E_NOT_A_MODEL', message: `${file} is not a model file: models are TypeScript (.ts, .mts) or JavaScript (.js, .mjs) modules that export defineModel(...)`, file, hint: 'write the model with netforge\'s DSL in a .ts file (see examples/), or give a zoo name' });
    }
    return loadModelFile(path, exportName !== undefined ? { exportName } : {});
  }
  const names = [...ZOO.keys()];
  const near = names.filter((n) => n.includes(spec) || spec.includes(n));
  throw new NetforgeError({
    code: 'E_UNKNOWN_MODEL',
    message: `unknown model '${spec}'`,
    hint: `${near.length ? `did you mean ${near.join(' or ')}? ` : ''}zoo models: ${names.join(', ')}; or pass a path to a .ts model file`,
  });
}
