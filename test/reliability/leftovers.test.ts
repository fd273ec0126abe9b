/**
 * Nothing left behind by a signal (issue 17, item 15): SIGHUP (a closed terminal) during an
 * output's write, SIGHUP during a download, and Ctrl-C while a model file is being evaluated.
 * In each case the process ends of that signal and no temp file remains.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.js';
import { netforgeAsync, slowly, startServer, writeCheckpoint, type TestServer } from '../weights/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'nf-leftovers-'));
let server: TestServer | undefined;
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});
const dirOf = (name: string): string => mkdtempSync(join(root, `${name}-`));
const waitFor = async (ok: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok(), what).toBe(true);
};
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('signals leave no temp files', () => {
  test('SIGHUP during the write of an output: the write finishes, the process ends of SIGHUP, no temp file', async () => {
    const d = dirOf('write');
    const ref = join(d, 'ref.onnx');
    expect((await netforgeAsync(['compile', 'resnet50', '-o', ref, '-q'])).code).toBe(0);
    const out = join(d, 'm.onnx');
    const child = spawn(process.execPath, [BIN, 'compile', 'resnet50', '-o', out, '-q'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    await waitFor(() => readdirSync(d).some((f) => f.endsWith('.tmp')), 'the write never started');
    child.kill('SIGHUP');
    expect(await exited).toBe('SIGHUP');
    expect(readdirSync(d).sort()).toEqual(['m.onnx', 'ref.onnx']);
    expect(sha(out)).toBe(sha(ref));
  }, 120_000);

  test('SIGHUP during a download: the partial file is removed', async () => {
    const d = dirOf('download');
    writeCheckpoint(join(d, 'w.safetensors'), 'cifar_resnet20');
    const bytes = readFileSync(join(d, 'w.safetensors'));
    server = await startServer({ '/stuck/w.safetensors': slowly(bytes, 20, 20, 5) });
    const cache = join(d, 'cache');
    let pid = 0;
    const run = netforgeAsync(['weights', 'ls', `${server.base}/stuck/w.safetensors`, '--cache-dir', cache], { onSpawn: (p) => (pid = p) });
    await waitFor(() => {
      try {
        return readdirSync(cache).length > 0;
      } catch {
        return false;
      }
    }, 'the download never started');
    process.kill(pid, 'SIGHUP');
    const r = await run;
    expect(r.signal).toBe('SIGHUP');
    expect(readdirSync(cache)).toEqual([]);
  }, 60_000);

  test('Ctrl-C while a model file is evaluated: its transpiled sibling is removed', async () => {
    const d = dirOf('eval');
    writeFileSync(
      join(d, 'slow.ts'),
      "import { setTimeout as sleep } from 'node:timers/promises';\nimport { conv2d, defineModel } from 'netforge';\nawait sleep(20_000);\nexport default defineModel({ name: 'slow', input: [3, 8, 8], build: (x) => conv2d(x, { name: 'c', outChannels: 4, kernel: 3 }) });\n",
    );
    const child = spawn(process.execPath, [BIN, 'summary', 'slow.ts'], { cwd: d, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    await waitFor(() => readdirSync(d).some((f) => f.endsWith('.netforge.mjs')), 'the model file was never evaluated');
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(readdirSync(d)).toEqual(['slow.ts']);
  }, 60_000);
});
