/** Throwaway model-file projects for the loader tests: files written to a temp dir, positions found by text. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ModelProject {
  readonly dir: string;
  readonly path: (name: string) => string;
  /** Every file under the project, relative, sorted (temp siblings included, so tests can see none is left). */
  readonly listing: () => string[];
  readonly write: (name: string, text: string) => void;
  readonly remove: () => void;
}

export function modelProject(files: Readonly<Record<string, string>>): ModelProject {
  const dir = mkdtempSync(join(tmpdir(), 'netforge-model-'));
  const write = (name: string, text: string): void => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  return {
    dir,
    path: (name) => join(dir, name),
    listing: () => (readdirSync(dir, { recursive: true }) as string[]).sort(),
    write,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** 1-based line and column of the first occurrence of `needle` (after `after`, if given). */
export function positionOf(text: string, needle: string, after?: string): { line: number; col: number } {
  const from = after === undefined ? 0 : text.indexOf(after);
  const i = text.indexOf(needle, Math.max(0, from));
  if (from < 0 || i < 0) throw new Error(`test fixture: ${JSON.stringify(needle)} not found`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}
