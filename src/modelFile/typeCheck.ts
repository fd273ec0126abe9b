/**
 * Type-check a user's .ts model file (and the .ts files it imports) with ts-morph, against
 * netforge's own types: `import ... from 'netforge'` resolves to this installation's
 * src/index.ts (a source checkout) or dist/index.d.ts (a built package) through `paths`.
 *
 * Kept fast: one Project per process, reused across calls (lib files and netforge's own
 * declarations are parsed once), skipLibCheck, and diagnostics asked only for the user's
 * files. Node's types (@types/node, a hundred files: it triples the time) are loaded only
 * when the first check says the file needs them. Nothing is evaluated here.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire, isBuiltin } from 'node:module';
import { Project, ts, type SourceFile } from 'ts-morph';
import { NetforgeError } from '../errors.js';
import { displayPath, formatCodeFrame } from './codeFrame.js';

/** The directory holding netforge's index (src/ in a checkout, dist/ when built). */
const ownDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** What `netforge` means to the type checker: the sources beside us, else the built declarations. */
export function netforgeTypesEntry(): string {
  for (const f of ['index.ts', 'index.d.ts']) {
    const p = join(ownDir, f);
    if (existsSync(p)) return p;
  }
  throw new Error(`internal: no netforge type entry (index.ts or index.d.ts) in ${ownDir}`);
}

export interface TypeDiagnostic {
  /** Absolute path; undefined for a diagnostic about no file in particular. */
  readonly file: string | undefined;
  /** 1-based; 0 when there is no file. */
  readonly line: number;
  readonly col: number;
  readonly length: number;
  /** TypeScript's error number, e.g. 2322. */
  readonly code: number;
  readonly message: string;
  /** The code frame as printed. */
  readonly frame: string;
}

export interface TypeCheckResult {
  /** The entry file and every user .ts file it reaches, dependencies before dependents. */
  readonly files: readonly string[];
  /** For each user file: module specifier -> resolved absolute path (user files and netforge only). */
  readonly imports: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** What `netforge` resolved to (an import resolving here means netforge itself). */
  readonly netforgeEntry: string;
  readonly diagnostics: readonly TypeDiagnostic[];
  readonly ms: number;
}

/** A type error in a model file: the CLI prints every diagnostic as a code frame. */
export class TypeCheckError extends NetforgeError {
  readonly diagnostics: readonly TypeDiagnostic[];
  constructor(path: string, diagnostics: readonly TypeDiagnostic[]) {
    const n = diagnostics.length;
    const first = diagnostics.find((d) => d.file !== undefined);
    super({
      code: 'E_TYPECHECK',
      message: `${displayPath(path)} does not type-check (${n} error${n === 1 ? '' : 's'}); nothing was evaluated\n\n${diagnostics.map((d) => d.frame).join('\n\n')}\n`,
      ...(first ? { loc: { file: first.file!, line: first.line, col: first.col } } : { file: path }),
      framed: true,
      hint: 'fix the errors above; model files are checked against netforge\'s types before they run',
    });
    this.diagnostics = diagnostics;
  }
}


const projects = new Map<string, Project>();

function nodeTypeRoots(file: string): string[] {
  // @types/node where the user's project or netforge has it
  for (const from of [file, join(ownDir, 'index.js')]) {
    try {
      const pkg = createRequire(from).resolve('@types/node/package.json');
      return [dirname(dirname(pkg))];
    } catch {
      // not installed there
    }
  }
  return [];
}

function projectFor(entry: string, typeRoots: readonly string[]): Project {
  const key = JSON.stringify([entry, typeRoots]);
  let project = projects.get(key);
  if (project) return project;
  project = new Project({
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      // the user's own .js/.mjs helpers: typed by inference, neither checked nor transpiled
      allowJs: true,
      esModuleInterop: true,
      lib: ['lib.es2022.d.ts'],
      types: typeRoots.length > 0 ? ['node'] : [],
      typeRoots: [...typeRoots],
      paths: { netforge: [entry] },
    },
  });
  projects.set(key, project);
  return project;
}

/** "Cannot find name 'process'. Do you need to install type definitions for node?" and its kin. */
const NEEDS_NODE_CODES = new Set([2580, 2591, 2584, 2867, 2868]);

function needsNodeTypes(d: TypeDiagnostic): boolean {
  if (NEEDS_NODE_CODES.has(d.code)) return true;
  const m = d.code === 2307 ? /Cannot find module '([^']+)'/.exec(d.message) : null;
  return m !== null && isBuiltin(m[1]!);
}

const USER_EXT = new Set(['.ts', '.mts', '.cts']);

function isUserFile(path: string, entry: string): boolean {
  return (
    USER_EXT.has(extname(path)) &&
    !path.endsWith('.d.ts') &&
    !path.includes(`${sep}node_modules${sep}`) &&
    !path.startsWith(dirname(entry) + sep)
  );
}

/** Module specifiers written in a file: import/export declarations and `import('literal')`. */
function specifiersOf(sf: SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      out.push(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf.compilerNode);
  return out;
}

function toDiagnostic(d: ts.Diagnostic): TypeDiagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const label = `error TS${d.code}`;
  if (d.file === undefined || d.start === undefined) {
    return { file: undefined, line: 0, col: 0, length: 0, code: d.code, message, frame: `${label}: ${message}` };
  }
  const pos = d.file.getLineAndCharacterOfPosition(d.start);
  const file = resolve(d.file.fileName);
  const line = pos.line + 1;
  const col = pos.character + 1;
  const length = d.length ?? 1;
  return { file, line, col, length, code: d.code, message, frame: formatCodeFrame({ file: displayPath(file), text: d.file.text, line, col, length, label, message }) };
}

/** Type-check `path` and what it imports; returns the user's files and how their imports resolve. */
export function typeCheckModelFile(path: string): TypeCheckResult {
  const t0 = performance.now();
  const file = resolve(path);
  const entry = netforgeTypesEntry();
  let r = checkIn(projectFor(entry, []), file, entry);
  if (r.diagnostics.some(needsNodeTypes)) {
    const roots = nodeTypeRoots(file);
    if (roots.length > 0) r = checkIn(projectFor(entry, roots), file, entry);
  }
  return { ...r, ms: performance.now() - t0 };
}

function checkIn(project: Project, file: string, entry: string): Omit<TypeCheckResult, 'ms'> {
  // a long-lived process (tests, watch) may have seen older versions of these files
  for (const sf of project.getSourceFiles()) if (isUserFile(sf.getFilePath(), entry)) sf.refreshFromFileSystemSync();
  const root = project.getSourceFile(file) ?? project.addSourceFileAtPath(file);
  project.resolveSourceFileDependencies();
  const program = project.getProgram().compilerObject;
  const options = program.getCompilerOptions();

  const files: string[] = [];
  const imports = new Map<string, Map<string, string>>();
  const seen = new Set<string>();
  const walk = (sf: SourceFile): void => {
    const p = resolve(sf.getFilePath());
    if (seen.has(p)) return;
    seen.add(p);
    const map = new Map<string, string>();
    imports.set(p, map);
    for (const spec of specifiersOf(sf)) {
      const r = ts.resolveModuleName(spec, p, options, ts.sys).resolvedModule;
      if (!r) continue;
      const target = resolve(r.resolvedFileName);
      if (target === entry) {
        map.set(spec, target);
      } else if (isUserFile(target, entry)) {
        map.set(spec, target);
        walk(project.getSourceFile(target) ?? project.addSourceFileAtPath(target));
      }
    }
    files.push(p);
  };
  walk(root);

  const diagnostics: TypeDiagnostic[] = program.getGlobalDiagnostics().map(toDiagnostic);
  for (const f of files) {
    const sf = program.getSourceFile(f);
    if (!sf) throw new Error(`internal: ${f} is not in the type-check program`);
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) diagnostics.push(toDiagnostic(d));
  }
  return { files, imports, netforgeEntry: entry, diagnostics };
}

/** Type-check, and throw E_TYPECHECK (with every diagnostic as a code frame) on any error. */
export function assertModelFileTypeChecks(path: string): TypeCheckResult {
  const r = typeCheckModelFile(path);
  if (r.diagnostics.length > 0) throw new TypeCheckError(resolve(path), r.diagnostics);
  return r;
}
