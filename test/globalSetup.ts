/**
 * Build dist/ once so the CLI tests run the real `netforge` binary on the current sources.
 * Type errors do not stop the emit (`npm test` type-checks separately, first), so a
 * failing tsc here only warns.
 */
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) console.warn(`[netforge tests] tsc reported errors while building dist/ (tests run on what it emitted):\n${r.stdout.slice(0, 2000)}`);
}
