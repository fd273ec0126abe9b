/**
 * Where the user wrote a DSL call. We walk the V8 call sites and take the innermost
 * frame outside netforge's own sources (src/ or dist/); a model from the zoo has no such
 * frame, so we fall back to the innermost frame outside src/dsl (the zoo file's line).
 */
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLoc } from '../ir/types.js';

const dslDir = dirname(fileURLToPath(import.meta.url)) + sep;
const pkgSrcDir = dirname(dirname(fileURLToPath(import.meta.url))) + sep;

function fileOf(site: NodeJS.CallSite): string | null {
  const f = site.getFileName() ?? site.getScriptNameOrSourceURL();
  if (!f) return null;
  return f.startsWith('file://') ? fileURLToPath(f) : f;
}

const isTestFile = (f: string): boolean => /\.test\.[cm]?[jt]s$/.test(f);

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
  let outsideDsl: SourceLoc | undefined;
  for (const s of sites) {
    const f = fileOf(s);
    if (f === null || f.startsWith('node:') || f.includes(`${sep}node_modules${sep}`)) continue;
    const loc = { file: f, line: s.getLineNumber() ?? 0, col: s.getColumnNumber() ?? 0 };
    if (!f.startsWith(pkgSrcDir) || isTestFile(f)) return loc;
    if (outsideDsl === undefined && !f.startsWith(dslDir)) outsideDsl = loc;
  }
  return outsideDsl;
}

export function formatLoc(loc: SourceLoc | undefined): string | undefined {
  return loc === undefined ? undefined : `${loc.file}:${loc.line}:${loc.col}`;
}
