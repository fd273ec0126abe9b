/**
 * The downloader's limits and messages (issue 17, item 12), against servers on 127.0.0.1 that
 * misbehave on purpose: trickled headers and bodies, endless streams, lying Content-Lengths,
 * stalls, broken connections, invalid HTTP, and 200 responses that are not weights files.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rejectionOf } from '../../test/helpers/errors.js';
import { DEFAULT_LIMITS, download, limitsFromEnv } from './download.js';
import { checkWeightsFile } from './resolve.js';
import { writeSafetensors } from './safetensors.js';
import { readWeightsFile } from './readFile.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'netforge-dl-limits-'));
const body = new Uint8Array(1738).map((_, i) => i & 255);

let server: http.Server;
let raw: net.Server;
let base: string;
let rawBase: string;
let weights: Uint8Array;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  const d = fresh();
  writeSafetensors(join(d, 'w.safetensors'), new Map([['w', { dtype: 'float32', shape: [1000], data: new Uint8Array(4000) }]]));
  weights = readWeightsFile(join(d, 'w.safetensors'));
  server = http.createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/trickle/w.pth') {
      res.writeHead(200, { 'content-length': body.length });
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(body.subarray(0, 10))), 50);
      return;
    }
    if (path === '/steady/w.pth') {
      // fast enough for the rate, too slow for a short deadline
      res.writeHead(200, { 'content-length': 100_000 });
      let sent = 0;
      const t = setInterval(() => {
        if (res.destroyed || sent >= 100_000) return clearInterval(t);
        res.write(new Uint8Array(2000));
        sent += 2000;
      }, 20);
      return;
    }
    if (path === '/endless/w.pth') {
      res.writeHead(200); // chunked, no Content-Length
      const chunk = new Uint8Array(64 * 1024);
      const more = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      return more();
    }
    if (path === '/huge/w.pth') {
      res.writeHead(200, { 'content-length': 5_000_000_000 });
      return res.write(new Uint8Array(10));
    }
    if (path === '/stall/w.pth') {
      res.writeHead(200, { 'content-length': body.length });
      return res.write(body.subarray(0, 738)); // then nothing, connection open
    }
    if (path === '/cut/w.pth') {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 738));
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (path === '/login/model.pth') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><title>Sign in</title><form>...</form>');
    }
    if (path === '/short/model.safetensors') {
      // a Content-Length smaller than the file: the body is cut short and looks complete
      res.writeHead(200, { 'content-length': weights.length - 100 });
      return res.end(weights.subarray(0, weights.length - 100));
    }
    if (path === '/good/model.safetensors') {
      res.writeHead(200, { 'content-length': weights.length });
      return res.end(weights);
    }
    res.writeHead(404);
    res.end();
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  raw = net.createServer((s) => {
    sockets.add(s);
    s.once('data', (req) => {
      if (req.toString().startsWith('GET /slowheaders/')) {
        const head = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Slow: ' + 'a'.repeat(1000);
        let i = 0;
        const t = setInterval(() => (s.destroyed || i >= head.length ? clearInterval(t) : s.write(head[i++]!)), 20);
      } else s.end('this is not HTTP at all\r\n\r\n');
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  rawBase = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
  raw.close();
});

describe('limits', () => {
  test('headers trickled byte by byte: stopped when they are not complete in time (not held for minutes)', async () => {
    const cache = fresh();
    const t0 = Date.now();
    const e = await rejectionOf(download(`${rawBase}/slowheaders/w.pth`, { cacheDir: cache, timeoutMs: 300 }), 'E_DOWNLOAD_UNREACHABLE');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(e.message).toContain('no response within 0.3 s');
    expect(e.hint).not.toContain('offline');
    expect(readdirSync(cache)).toEqual([]);
  });
  test('a body trickled below the minimum rate', async () => {
    const cache = fresh();
    const e = await rejectionOf(download(`${base}/trickle/w.pth`, { cacheDir: cache, minBytesPerSecond: 1000, rateWindowMs: 300 }), 'E_DOWNLOAD_STALLED');
    expect(e.message).toMatch(/broke off after \d+ of 1738 bytes: \d+ bytes in the last 0\.\d+ s \(\d+ bytes\/s\), below the minimum of 1000 bytes\/s/);
    expect(readdirSync(cache)).toEqual([]);
  });
  test('a total deadline', async () => {
    const cache = fresh();
    const e = await rejectionOf(download(`${base}/steady/w.pth`, { cacheDir: cache, deadlineMs: 300 }), 'E_DOWNLOAD_STALLED');
    expect(e.message).toMatch(/broke off after \d+ of 100000 bytes: not finished within the 0\.3 s deadline/);
    expect(readdirSync(cache)).toEqual([]);
  });
  test('an endless chunked stream is stopped at the size limit', async () => {
    const cache = fresh();
    const e = await rejectionOf(download(`${base}/endless/w.pth`, { cacheDir: cache, maxBytes: 1_000_000 }), 'E_DOWNLOAD_TOO_LARGE');
    expect(e.message).toMatch(/was stopped after 10\d{5} bytes: more than the limit of 1000000 bytes/);
    expect(readdirSync(cache)).toEqual([]);
  });
  test('a Content-Length over the limit is refused before the body', async () => {
    const cache = fresh();
    const e = await rejectionOf(download(`${base}/huge/w.pth`, { cacheDir: cache }), 'E_DOWNLOAD_TOO_LARGE');
    expect(e.message).toContain(`is 5000000000 bytes (Content-Length), more than the limit of ${2 ** 32} bytes`);
    expect(readdirSync(cache)).toEqual([]);
  });
  test('the limits come from the environment too, and a bad value there is a usage error', () => {
    expect(limitsFromEnv({ NETFORGE_DOWNLOAD_TIMEOUT: '2.5', NETFORGE_DOWNLOAD_DEADLINE: '60', NETFORGE_DOWNLOAD_MIN_RATE: '100', NETFORGE_DOWNLOAD_MAX_BYTES: '1000' })).toEqual({ timeoutMs: 2500, deadlineMs: 60_000, minBytesPerSecond: 100, maxBytes: 1000 });
    expect(limitsFromEnv({})).toEqual({});
    expect(DEFAULT_LIMITS).toEqual({ timeoutMs: 30_000, deadlineMs: 3_600_000, minBytesPerSecond: 10_240, rateWindowMs: 30_000, maxBytes: 2 ** 32 });
    expect(() => limitsFromEnv({ NETFORGE_DOWNLOAD_MAX_BYTES: 'lots' })).toThrow(expect.objectContaining({ code: 'E_USAGE', exitCode: 2 }));
  });
});

describe('messages say what happened', () => {
  test('a stall after 738 of 1738 bytes is a stall, with the bytes that arrived', async () => {
    const e = await rejectionOf(download(`${base}/stall/w.pth`, { cacheDir: fresh(), timeoutMs: 300 }), 'E_DOWNLOAD_STALLED');
    expect(e.message).toMatch(/broke off after 738 of 1738 bytes: no data for 0\.3 s$/);
  });
  test('a connection closed after 738 of 1738 bytes counts the 738', async () => {
    const e = await rejectionOf(download(`${base}/cut/w.pth`, { cacheDir: fresh() }), 'E_DOWNLOAD_TRUNCATED');
    expect(e.message).toMatch(/broke off after 738 of 1738 bytes: the server closed the connection$/);
  });
  test('an answer that is not HTTP is not "offline"', async () => {
    const e = await rejectionOf(download(`${rawBase}/garbage/w.pth`, { cacheDir: fresh() }), 'E_DOWNLOAD_HTTP');
    expect(e.message).toMatch(/the server's answer is not valid HTTP .* \[HPE_/);
    expect(e.hint).not.toContain('offline');
  });
});

describe('a name without a hash is checked as weights before it is cached', () => {
  test('an HTML login page and a body cut short by a lying Content-Length are not cached', async () => {
    for (const url of [`${base}/login/model.pth`, `${base}/short/model.safetensors`]) {
      const cache = fresh();
      const e = await rejectionOf(download(url, { cacheDir: cache, validate: checkWeightsFile }), 'E_DOWNLOAD_INVALID');
      expect(e.message).toMatch(/answered with \d+ bytes that are not a usable weights file: .*\[E_(WEIGHTS|SAFETENSORS)_\w+\]/);
      expect(e.message).not.toMatch(/\.tmp/); // the cache name, not the temp file
      expect(readdirSync(cache)).toEqual([]);
    }
    const cache = fresh();
    const d = await download(`${base}/good/model.safetensors`, { cacheDir: cache, validate: checkWeightsFile });
    expect(d.bytes).toBe(weights.length);
    expect(readdirSync(cache)).toEqual(['model.safetensors']);
  });
  test('a temp file left by a killed download of the same name is removed by the next one', async () => {
    const cache = fresh();
    writeFileSync(join(cache, '.model.safetensors.999999.0123abcd.tmp'), 'partial');
    await download(`${base}/good/model.safetensors`, { cacheDir: cache });
    expect(readdirSync(cache)).toEqual(['model.safetensors']);
  });
});
