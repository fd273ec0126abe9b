/** Download limits and checks through the command line (issue 17, item 12): a local server, never the internet. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netforgeAsync, startServer, type TestServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-downloads-'));
let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    '/login/weights.pth': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Sign in</title>');
    },
    '/big/weights.pth': (_req, res) => {
      res.writeHead(200, { 'content-length': 1_000_000 });
      res.end(new Uint8Array(1_000_000));
    },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
const listing = (d: string): string[] => (existsSync(d) ? readdirSync(d) : []);
const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('what a server sends is checked before it is cached', () => {
  test('an HTML page under a weights name is not cached: weights ls and compile --weights', async () => {
    const cache = join(dir, 'cache-login');
    const url = `${server.base}/login/weights.pth`;
    for (const args of [['weights', 'ls', url, '--cache-dir', cache], ['compile', 'cifar_resnet20', '--weights', url, '--cache-dir', cache, '-o', join(dir, 'never.onnx')]]) {
      const r = await netforgeAsync(args);
      noStack(r.stderr);
      expect(r.stderr).toMatch(/error\[E_DOWNLOAD_INVALID\]: http:\/\/127\.0\.0\.1:\d+\/login\/weights\.pth answered with 37 bytes that are not a usable weights file: unrecognised weights file/);
      expect(r.code).toBe(1);
      expect(listing(cache)).toEqual([]);
    }
    expect(existsSync(join(dir, 'never.onnx'))).toBe(false);
  });
  test('limits set in the environment apply; a bad value there is a usage error', async () => {
    const cache = join(dir, 'cache-big');
    const url = `${server.base}/big/weights.pth`;
    const big = await netforgeAsync(['weights', 'ls', url, '--cache-dir', cache], { env: { NETFORGE_DOWNLOAD_MAX_BYTES: '1000' } });
    expect(big.stderr).toMatch(/error\[E_DOWNLOAD_TOO_LARGE\]: .* is 1000000 bytes \(Content-Length\), more than the limit of 1000 bytes/);
    expect(big.code).toBe(1);
    const bad = await netforgeAsync(['weights', 'ls', url, '--cache-dir', cache], { env: { NETFORGE_DOWNLOAD_TIMEOUT: 'soon' } });
    expect(bad.stderr).toMatch(/^error\[E_USAGE\]: \$NETFORGE_DOWNLOAD_TIMEOUT must be a number >= 0, got 'soon'/);
    expect(bad.code).toBe(2);
    expect(listing(cache)).toEqual([]);
  });
});
