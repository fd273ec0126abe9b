/**
 * docs/api/ is the API reference TypeDoc generates from the JSDoc of netforge's two entry
 * points (typedoc.json). It must be what the sources say now: regenerated into a temporary
 * folder, every file must equal the committed one. `npm run docs` rewrites it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const files = (dir: string): string[] => (readdirSync(dir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; parentPath: string; name: string }[])
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
  .sort();

test('docs/api is what TypeDoc generates from the sources now (npm run docs)', () => {
  const out = mkdtempSync(join(tmpdir(), 'netforge-apidoc-'));
  try {
    const r = spawnSync(process.execPath, [join(repo, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Warn'], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const committed = join(repo, 'docs', 'api');
    const want = files(out);
    expect(files(committed), 'run `npm run docs` and commit docs/api').toEqual(want);
    const stale = want.filter((f) => readFileSync(join(out, f), 'utf8') !== readFileSync(join(committed, f), 'utf8'));
    expect(stale, 'run `npm run docs` and commit docs/api').toEqual([]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
