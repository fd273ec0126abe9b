/**
 * Import a TypeScript model file.
 *
 * 1. Type-check it and the .ts files it imports (typeCheck.ts); any error throws
 *    E_TYPECHECK before anything runs.
 * 2. Transpile each file in memory to a hidden sibling `.name.ts.<id>.netforge.mjs`, so the
 *    user's relative and package imports resolve exactly as from their own file; imports of
 *    another of their .ts files point at that file's sibling, and `netforge` points at this
 *    very instance of netforge (a model must build with the builder that compiles it).
 * 3. Import the entry through a `data:` URL (which always takes Node's own module loader,
 *    also under test runners that transform imports), then delete every sibling.
 * 4. Register each sibling's source map, so DSL call sites (src/dsl/sourceLoc.ts) and
 *    errors thrown by the user's code point at their .ts file and line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { ts } from 'ts-morph';
import * as netforgeApi from '../index.js';
import { safeUnlink } from '../io/atomicWrite.js';
import { onTerminatingSignal } from '../io/signalGuard.js';
import { siblingName } from '../io/siblingName.js';
import { NetforgeError } from '../errors.js';
import { registerGeneratedFile } from '../dsl/sourceLoc.js';
import { sourceMapLookup, type SourceMapV3 } from './sourceMap.js';
import { assertModelFileTypeChecks, type TypeCheckResult } from './typeCheck.js';

/** Per netforge instance, so two installations in one process never share a module record. */
const API_KEY = `netforge.api:${import.meta.url}`;
(globalThis as Record<symbol, unknown>)[Symbol.for(API_KEY)] = netforgeApi;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** A module that re-exports this netforge instance's API under its own names. */
const netforgeShimUrl = ((): string => {
  const names = Object.keys(netforgeApi).filter((n) => IDENT.test(n) && n !== 'default');
  const src = `const m = globalThis[Symbol.for(${JSON.stringify(API_KEY)})];\nexport const { ${names.join(', ')} } = m;\n`;
  return `data:text/javascript;base64,${Buffer.from(src).toString('base64')}`;
})();

/** Every sibling not yet deleted, so an exit midway still removes them. */
const pending = new Set<string>();
let exitHook = false;

function trackTemp(path: string): void {
  pending.add(path);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const p of pending) safeUnlink(p);
    });
  }
}

function removeTemp(path: string): void {
  safeUnlink(path);
  pending.delete(path);
}

/** Rewrite module specifiers in the emitted JavaScript (after TypeScript's own transforms, so type-only imports are gone). */
function specifierRewriter(rewrite: (spec: string) => string | undefined): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const f = context.factory;
    const lit = (n: ts.Expression | undefined): string | undefined => (n && ts.isStringLiteral(n) ? rewrite(n.text) : undefined);
    const visit = (n: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(n)) {
        const to = lit(n.moduleSpecifier);
        if (to !== undefined) return f.updateImportDeclaration(n, n.modifiers, n.importClause, f.createStringLiteral(to), n.attributes);
      } else if (ts.isExportDeclaration(n)) {
        const to = lit(n.moduleSpecifier);
        if (to !== undefined) return f.updateExportDeclaration(n, n.modifiers, n.isTypeOnly, n.exportClause, f.createStringLiteral(to), n.attributes);
      } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const to = lit(n.arguments[0]);
        if (to !== undefined) return f.updateCallExpression(n, n.expression, n.typeArguments, [f.createStringLiteral(to), ...n.arguments.slice(1)]);
      }
      return ts.visitEachChild(n, visit, context);
    };
    return (sf) => ts.visitNode(sf, visit) as ts.SourceFile;
  };
}

export interface Transpiled {
  /** JavaScript with an inline source map. */
  readonly code: string;
  /** Generated (line, col) -> the .ts file's (line, col), all 1-based. */
  readonly lookup: (line: number, col: number) => { readonly line: number; readonly col: number } | undefined;
}

/** Transpile one file to an ES module, rewriting specifiers with `rewrite` (undefined keeps one). */
export function transpileModelSource(path: string, source: string, rewrite: (spec: string) => string | undefined): Transpiled {
  const out = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: true,
      inlineSources: true,
      esModuleInterop: true,
    },
    transformers: { after: [specifierRewriter(rewrite)] },
  });
  if (out.sourceMapText === undefined) throw new Error(`internal: no source map for ${path}`);
  const map = JSON.parse(out.sourceMapText) as SourceMapV3 & { sources: string[]; file?: string };
  const lookup = sourceMapLookup(map);
  // point the inline map at the user's file, so `node --enable-source-maps` shows it too
  const inline = { ...map, sources: [pathToFileURL(path).href], sourceRoot: '' };
  const body = out.outputText.replace(/\n?\/\/# sourceMappingURL=.*\s*$/, '');
  const code = `${body}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(inline)).toString('base64')}\n`;
  return {
    code,
    lookup: (l, c) => {
      const p = lookup(l, c);
      return p && { line: p.line, col: p.col };
    },
  };
}

export interface ImportOptions {
  /** Called with the type-check result (files, timing) before evaluation. */
  readonly onTypeChecked?: (r: TypeCheckResult) => void;
}

/** Type-check, transpile and evaluate a .ts model file; returns its module namespace. */
export async function importTypeScriptModel(path: string, o: ImportOptions = {}): Promise<Record<string, unknown>> {
  const checked = assertModelFileTypeChecks(path);
  o.onTypeChecked?.(checked);
  const id = randomBytes(4).toString('hex');
  const tempOf = new Map(checked.files.map((f) => [f, join(dirname(f), siblingName(basename(f), '.', `.${id}.netforge.mjs`))] as const));
  // Ctrl-C (or SIGTERM, SIGHUP) while the model is evaluated: the siblings go, then the process ends of that signal.
  const unguard = onTerminatingSignal(() => {
    for (const t of tempOf.values()) removeTemp(t);
  });
  try {
    for (const file of checked.files) {
      const imports = checked.imports.get(file) ?? new Map<string, string>();
      const { code, lookup } = transpileModelSource(file, readFileSync(file, 'utf8'), (spec) => {
        const target = imports.get(spec);
        if (target === checked.netforgeEntry) return netforgeShimUrl;
        const temp = target === undefined ? undefined : tempOf.get(target);
        return temp === undefined ? undefined : pathToFileURL(temp).href;
      });
      const temp = tempOf.get(file)!;
      registerGeneratedFile(temp, (line, col) => {
        const p = lookup(line, col);
        return p && { file, line: p.line, col: p.col };
      });
      trackTemp(temp);
      try {
        writeFileSync(temp, code, { flag: 'wx' });
      } catch (e) {
        throw new NetforgeError({
          code: 'E_MODEL_DIR',
          message: `cannot write the transpiled module beside ${file}: ${(e as Error).message}`,
          file: temp,
          hint: 'netforge runs a .ts model from a hidden file in its own directory (deleted right after); make the directory writable, or copy the model somewhere writable',
        });
      }
    }
    const entry = pathToFileURL(tempOf.get(checked.files[checked.files.length - 1]!)!).href;
    const trampoline = `data:text/javascript,${encodeURIComponent(`export * as m from ${JSON.stringify(entry)};`)}`;
    const ns = (await import(trampoline)) as { m: Record<string, unknown> };
    return ns.m;
  } finally {
    for (const t of tempOf.values()) removeTemp(t);
    unguard();
  }
}
