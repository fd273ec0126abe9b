/** The downloader against a real HTTP server on 127.0.0.1 (never the internet). */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NetforgeError } from '../errors.js';
import { rejectionOf } from '../../test/helpers/errors.js';
import { cacheDirFor, cacheNameFor, download, hashPrefixOf } from './download.js';

const body = randomBytes(300_000);
const sha = createHash('sha256').update(body).digest('hex');
const good = `good-${sha.slice(0, 8)}.bin`;
const wrongPrefix = sha.startsWith('0') ? '1' : '0';
const bad = `bad-${wrongPrefix}${sha.slice(1, 8)}.bin`;

let server: http.Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const send = (): void => {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    };
    if (path === `/files/${good}` || path === `/files/${bad}` || path === '/files/plain.bin') return send();
    if (path === `/slow/${good}`) {
      res.writeHead(200, { 'content-length': body.length });
      let off = 0;
      const tick = (): void => {
        res.write(body.subarray(off, off + 30_000));
        off += 30_000;
        if (off >= body.length) res.end();
        else setTimeout(tick, 10);
      };
      return tick();
    }
    if (path === '/redirect') {
      res.writeHead(302, { location: `/files/${good}` });
      return res.end();
    }
    if (path === '/loop') {
      res.writeHead(301, { location: '/loop' });
      return res.end();
    }
    if (path === `/truncated/${good}`) {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100_000));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (path === `/hang/${good}`) return; // never answers
    if (path === '/private.bin') {
      res.writeHead(403);
      return res.end('no');
    }
    res.writeHead(404, 'Not Found');
    res.end('not here');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const fresh = (): string => mkdtempSync(join(tmpdir(), 'netforge-dl-'));

describe('download', () => {
  test('downloads once, checks the hash prefix, then serves the cache without a request', async () => {
    const cache = join(fresh(), 'nested', 'cache');
    const lines: string[] = [];
    const d = await download(`${base}/files/${good}`, { cacheDir: cache, progress: { write: (s) => lines.push(s), isTTY: false } });
    expect(d).toEqual({ path: join(cache, good), cached: false, bytes: body.length, sha256: sha });
    expect(Buffer.compare(readFileSync(d.path), body)).toBe(0);
    expect(lines.at(-1)).toContain('100%');
    const again = await download(`${base}/files/${good}`, { cacheDir: cache });
    expect(again).toEqual({ path: d.path, cached: true, bytes: body.length });
    expect(hits.get(`/files/${good}`)).toBe(1);
    expect(readdirSync(cache)).toEqual([good]);
  });

  test('a hash mismatch deletes the download', async () => {
    const cache = fresh();
    const e = await rejectionOf(download(`${base}/files/${bad}`, { cacheDir: cache }), 'E_HASH_MISMATCH');
    expect(e.message).toContain(sha);
    expect(readdirSync(cache)).toEqual([]);
  });

  test('a name without a hash is not checked', async () => {
    const d = await download(`${base}/files/plain.bin`, { cacheDir: fresh() });
    expect(d.sha256).toBe(sha);
  });

  test('HTTP errors say what the server answered', async () => {
    const cache = fresh();
    const e = await rejectionOf(download(`${base}/missing-12345678.pth`, { cacheDir: cache }), 'E_DOWNLOAD_HTTP');
    expect(e.message).toContain('404');
    expect(e.hint).toContain('does not exist');
    expect(e.file).toBe(`${base}/missing-12345678.pth`);
    expect((await rejectionOf(download(`${base}/private.bin`, { cacheDir: cache }), 'E_DOWNLOAD_HTTP')).message).toContain('403');
    expect(readdirSync(cache)).toEqual([]);
  });

  test('follows redirects, bounded', async () => {
    const cache = fresh();
    // The cache name comes from the URL asked for; the redirect target's hash is checked by that name.
    const d = await download(`${base}/redirect`, { cacheDir: cache });
    expect(d.bytes).toBe(body.length);
    expect(readdirSync(cache)).toEqual(['redirect']);
    const e = await rejectionOf(download(`${base}/loop`, { cacheDir: fresh(), maxRedirects: 3 }), 'E_DOWNLOAD_REDIRECTS');
    expect(e.message).toContain('more than 3');
    expect(hits.get('/loop')).toBe(4);
  });

  test('a response cut short (Content-Length not reached) leaves nothing behind', async () => {
    const cache = fresh();
    const lines: string[] = [];
    const e = await rejectionOf(download(`${base}/truncated/${good}`, { cacheDir: cache, progress: { write: (s) => lines.push(s), isTTY: false } }), 'E_DOWNLOAD_TRUNCATED');
    expect(e.message).toMatch(/after \d+ of 300000 bytes/);
    expect(readdirSync(cache)).toEqual([]);
  });

  test('a server that never answers times out', async () => {
    const cache = fresh();
    const e = await rejectionOf(download(`${base}/hang/${good}`, { cacheDir: cache, timeoutMs: 200 }), 'E_DOWNLOAD_UNREACHABLE');
    expect(e.message).toContain('ETIMEDOUT');
    expect(readdirSync(cache)).toEqual([]);
  });

  test('an unreachable host says so and how to work offline', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const cache = join(fresh(), 'cache');
    const e = await rejectionOf(download(`http://127.0.0.1:${port}/models/${good}`, { cacheDir: cache }), 'E_DOWNLOAD_UNREACHABLE');
    expect(existsSync(cache)).toBe(false); // no empty cache folder either
    expect(e.message).toContain(`could not reach 127.0.0.1:${port}`);
    expect(e.hint).toContain('could not be reached');
    expect(e.hint).toContain('--weights FILE');
    expect(e.hint).toContain(join(cache, good));
  });

  test('a file put into the cache by hand is used without a request', async () => {
    const cache = fresh();
    writeFileSync(join(cache, 'manual-00000000.pth'), 'x');
    const d = await download('http://127.0.0.1:1/models/manual-00000000.pth', { cacheDir: cache });
    expect(d.cached).toBe(true);
  });

  test('concurrent downloads of one file in a process share one request', async () => {
    const cache = fresh();
    const url = `${base}/slow/${good}`;
    const [a, b, c] = await Promise.all([download(url, { cacheDir: cache }), download(url, { cacheDir: cache }), download(url, { cacheDir: cache })]);
    expect(hits.get(`/slow/${good}`)).toBe(1);
    expect(a.cached).toBe(false);
    expect(b.cached && c.cached).toBe(true);
    expect(new Set([a.path, b.path, c.path]).size).toBe(1);
    expect(readdirSync(cache)).toEqual([good]);
  });

  test('URLs that cannot be downloaded are refused before any request', async () => {
    await rejectionOf(download('ftp://example.com/x.pth', { cacheDir: fresh() }), 'E_DOWNLOAD_URL');
    await rejectionOf(download('http://', { cacheDir: fresh() }), 'E_DOWNLOAD_URL');
    await rejectionOf(download(`${base}/`, { cacheDir: fresh() }), 'E_DOWNLOAD_URL');
  });
});

describe('download helpers', () => {
  test("torch.hub's hash rule", () => {
    expect(hashPrefixOf('resnet50-0676ba61.pth')).toBe('0676ba61');
    expect(hashPrefixOf('wide_resnet50_2-95faca4d.pth')).toBe('95faca4d');
    expect(hashPrefixOf('model.pth')).toBeUndefined();
    expect(hashPrefixOf('my-model.pth')).toBeUndefined(); // '-' then no hex digits before the '.'
    expect(hashPrefixOf('resnet-50-abc123.tar.gz')).toBe('abc123');
  });

  test('cache folder: flag, then $NETFORGE_CACHE, then ./model_data', () => {
    expect(cacheDirFor('c', { NETFORGE_CACHE: '/env' }, '/work')).toBe('/work/c');
    expect(cacheDirFor(undefined, { NETFORGE_CACHE: '/env' }, '/work')).toBe('/env');
    expect(cacheDirFor(undefined, {}, '/work')).toBe('/work/model_data');
    expect(cacheDirFor(undefined, { NETFORGE_CACHE: '' }, '/work')).toBe('/work/model_data');
  });

  test('cache names come from the last path segment', () => {
    expect(cacheNameFor(new URL('https://download.pytorch.org/models/resnet50-0676ba61.pth?x=1'))).toBe('resnet50-0676ba61.pth');
    expect(cacheNameFor(new URL('https://h/a%20b.pth'))).toBe('a b.pth');
    expect(() => cacheNameFor(new URL('https://h/a/..%2F..%2Fetc'))).toThrow(NetforgeError);
  });
});
