/**
 * Build dist/ once so the CLI tests run the real `netforge` binary on the current sources.
 * Type errors do not stop the emit (`npm test` type-checks separately, first), so a
 * failing tsc here only warns.
 *
 * Every temp file of the run (tests, the CLIs they spawn, Python, Chromium) goes under one
 * directory, set as TMPDIR, that teardown removes: a full run writes about 3 GB of models
 * and checkpoints, which would otherwise pile up in /tmp run after run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) console.warn(`[netforge tests] tsc reported errors while building dist/ (tests run on what it emitted):\n${r.stdout.slice(0, 2000)}`);
  const root = mkdtempSync(join(tmpdir(), 'netforge-test-run-'));
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = root;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    if (process.env['NETFORGE_KEEP_TEST_TMP'] === undefined) rmSync(root, { recursive: true, force: true });
    else console.warn(`[netforge tests] temp files kept in ${root}`);
  };
}
