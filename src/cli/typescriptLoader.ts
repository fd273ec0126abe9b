/**
 * Import a TypeScript model file: transpile it in memory and import the result from a
 * hidden sibling file (so the user's relative imports resolve), then delete it.
 * `netforge` imports are pointed at this installation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { safeUnlink } from '../io/atomicWrite.js';

const netforgeEntry = pathToFileURL(join(dirname(dirname(fileURLToPath(import.meta.url))), 'index.js')).href;

export async function importTypeScriptModel(path: string): Promise<Record<string, unknown>> {
  const ts = (await import('typescript')).default;
  const source = readFileSync(path, 'utf8');
  const out = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true },
  });
  const code = out.outputText.replace(/(from\s+|import\s*\(\s*)(['"])netforge\2/g, `$1$2${netforgeEntry}$2`);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.netforge.mjs`);
  writeFileSync(tmp, code);
  try {
    return (await import(pathToFileURL(tmp).href)) as Record<string, unknown>;
  } finally {
    safeUnlink(tmp);
  }
}
