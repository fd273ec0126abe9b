/**
 * Where the user wrote a DSL call. We walk the V8 call sites and take the innermost
 * frame outside netforge's own files (src/ or dist/, and bin/); a model from the zoo has no
 * such frame, so we fall back to the innermost frame outside src/dsl (the zoo file's line).
 */
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLoc } from '../ir/types.js';

const dslDir = dirname(fileURLToPath(import.meta.url)) + sep;
const pkgSrcDir = dirname(dirname(fileURLToPath(import.meta.url))) + sep;
/** bin/netforge.js is netforge's too: through async frames it sits at the bottom of every CLI stack. */
const pkgBinDir = join(dirname(pkgSrcDir), 'bin') + sep;

const isTestFile = (f: string): boolean => /\.test\.[cm]?[jt]s$/.test(f);

/**
 * What a frame's file is to callerLoc: skipped (node internals, node_modules), the
 * user's (outside netforge's sources, or a test file), netforge's DSL, or netforge's
 * other sources (the zoo). Classified once per file name: a build visits the same few
 * files thousands of times, and the URL parsing and regex per frame were most of the
 * cost of building a model (see BENCHMARKS.md).
 */
interface FileClass {
  readonly kind: 'skip' | 'user' | 'dsl' | 'pkg';
  readonly path: string;
}
const fileClasses = new Map<string, FileClass>();

/** How callerLoc treats frames of this file (a path or file:// URL). */
export function frameKind(file: string): FileClass['kind'] {
  return classify(file).kind;
}

function classify(raw: string): FileClass {
  const f = raw.startsWith('file://') ? fileURLToPath(raw) : raw;
  if (f.startsWith('node:') || f.includes(`${sep}node_modules${sep}`)) return { kind: 'skip', path: f };
  if (f.startsWith(pkgBinDir)) return { kind: 'pkg', path: f };
  if (!f.startsWith(pkgSrcDir) || isTestFile(f)) return { kind: 'user', path: f };
  return { kind: f.startsWith(dslDir) ? 'dsl' : 'pkg', path: f };
}

function classOf(site: NodeJS.CallSite): FileClass | null {
  const raw = site.getFileName() ?? site.getScriptNameOrSourceURL();
  if (!raw) return null;
  let c = fileClasses.get(raw);
  if (c === undefined) {
    c = classify(raw);
    fileClasses.set(raw, c);
  }
  return c;
}

/**
 * Generated JavaScript (a transpiled .ts model file) -> its source. The TypeScript loader
 * registers each file it evaluates, so locations point at the user's .ts line, not at the
 * temporary .mjs it ran.
 */
export type GeneratedLocMapper = (line: number, col: number) => SourceLoc | undefined;
const generatedFiles = new Map<string, GeneratedLocMapper>();

export function registerGeneratedFile(file: string, mapper: GeneratedLocMapper): void {
  generatedFiles.set(file, mapper);
}

/** A generated file's location mapped to its source; other locations unchanged. */
export function mapGeneratedLoc(loc: SourceLoc): SourceLoc {
  const m = generatedFiles.get(loc.file);
  return (m && m(loc.line, loc.col)) ?? loc;
}

export function callerLoc(): SourceLoc | undefined {
  const saved = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.stackTraceLimit = 64;
    Error.prepareStackTrace = (_e, s) => s;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerLoc);
    sites = (holder.stack as NodeJS.CallSite[] | undefined) ?? [];
  } finally {
    Error.prepareStackTrace = saved;
    Error.stackTraceLimit = savedLimit;
  }
  // The innermost user frame; else the innermost netforge frame outside src/dsl.
  let outsideDsl: { site: NodeJS.CallSite; path: string } | undefined;
  for (const site of sites) {
    const c = classOf(site);
    if (c === null || c.kind === 'skip' || c.kind === 'dsl') continue;
    if (c.kind === 'user') return locAt(c.path, site);
    outsideDsl ??= { site, path: c.path };
  }
  return outsideDsl && locAt(outsideDsl.path, outsideDsl.site);
}

function locAt(file: string, site: NodeJS.CallSite): SourceLoc {
  return mapGeneratedLoc({ file, line: site.getLineNumber() ?? 0, col: site.getColumnNumber() ?? 0 });
}
