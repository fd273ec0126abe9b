/**
 * Download a weights file once into a cache folder, as torch.hub does:
 *
 * - The cache file is named after the URL's last path segment; when it exists, it is
 *   used without a request.
 * - The body streams into a hidden temp file beside the final name (sha256 computed on
 *   the way), is fsynced, checked, then renamed: a failed, truncated or interrupted
 *   download never leaves anything under the final name. Concurrent downloads of one
 *   file (two processes) each write their own temp file and the renames are atomic, so
 *   the cache ends with one valid file; within a process they share one request.
 * - torch.hub's integrity rule: in `name-<hex>.ext` the hex digits are the leading
 *   digits of the file's sha256 (`resnet50-0676ba61.pth`). A mismatch deletes the
 *   download (E_HASH_MISMATCH).
 * - Redirects are followed (at most MAX_REDIRECTS); a socket idle for `timeoutMs`
 *   (connecting included) fails the download; HTTP errors and unreachable hosts get
 *   their own error codes and say how to proceed offline.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, join, resolve } from 'node:path';
import { NetforgeError } from '../errors.js';
import { safeUnlink, tempPathFor } from '../io/atomicWrite.js';
import { NETFORGE_VERSION } from '../version.js';
import { createProgress, type ProgressSink } from './progress.js';

export const MAX_REDIRECTS = 5;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CACHE_DIR = 'model_data';
export const CACHE_ENV = 'NETFORGE_CACHE';

export interface DownloadOptions {
  /** The cache folder (created if needed). */
  readonly cacheDir: string;
  /** Where progress goes (stderr in the CLI); none when absent. */
  readonly progress?: ProgressSink;
  /** Fail when the socket is idle this long, connecting included. Default 30 s. */
  readonly timeoutMs?: number;
  /** Default MAX_REDIRECTS. */
  readonly maxRedirects?: number;
}

export interface Downloaded {
  /** The file in the cache. */
  readonly path: string;
  /** True when no request was made (the file was already cached, or another caller fetched it). */
  readonly cached: boolean;
  readonly bytes: number;
  /** Hex sha256 of what was downloaded (absent for a cache hit). */
  readonly sha256?: string;
}

/** The cache folder: `--cache-dir`, else $NETFORGE_CACHE, else ./model_data. */
export function cacheDirFor(flag?: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const dir = flag ?? (env[CACHE_ENV] !== undefined && env[CACHE_ENV] !== '' ? env[CACHE_ENV] : DEFAULT_CACHE_DIR);
  return resolve(cwd, dir);
}

/** torch.hub's HASH_REGEX `-([a-f0-9]*)\.`: the hex digits of the first match; undefined when none (or empty). */
export function hashPrefixOf(fileName: string): string | undefined {
  const m = /-([a-f0-9]*)\./.exec(fileName);
  return m !== null && m[1] !== '' ? m[1] : undefined;
}

/** The cache file name for a URL: its last path segment. */
export function cacheNameFor(url: URL): string {
  let name: string;
  try {
    name = decodeURIComponent(basename(url.pathname));
  } catch {
    name = basename(url.pathname);
  }
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name) || name.startsWith('.')) {
    throw new NetforgeError({
      code: 'E_DOWNLOAD_URL',
      message: `cannot tell a file name from the URL ${url.href}`,
      file: url.href,
      hint: 'give a URL whose path ends in the file name (e.g. https://download.pytorch.org/models/resnet50-0676ba61.pth), or download it yourself and pass --weights FILE',
    });
  }
  return name;
}

export function parseDownloadUrl(spec: string): URL {
  let u: URL;
  try {
    u = new URL(spec);
  } catch {
    throw new NetforgeError({ code: 'E_DOWNLOAD_URL', message: `'${spec}' is not a valid URL`, file: spec, hint: 'give an http:// or https:// URL, or a file path' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new NetforgeError({
      code: 'E_DOWNLOAD_URL',
      message: `netforge downloads over http and https only, not ${u.protocol.slice(0, -1)}`,
      file: spec,
      hint: 'download the file another way and pass --weights FILE',
    });
  }
  return u;
}

const inFlight = new Map<string, Promise<Downloaded>>();

/** Download `url` into the cache (once); resolves to the cached file. */
export function download(url: string, o: DownloadOptions): Promise<Downloaded> {
  let u: URL;
  let dest: string;
  try {
    u = parseDownloadUrl(url);
    dest = join(resolve(o.cacheDir), cacheNameFor(u));
  } catch (e) {
    return Promise.reject(e);
  }
  if (existsSync(dest)) return Promise.resolve({ path: dest, cached: true, bytes: statSync(dest).size });
  const running = inFlight.get(dest);
  if (running) return running.then((d) => ({ path: d.path, cached: true, bytes: d.bytes }));
  const p = fetchToCache(u, dest, o).finally(() => inFlight.delete(dest));
  inFlight.set(dest, p);
  return p;
}

// ---- temp files of downloads in progress: removed on exit and on SIGINT/SIGTERM ----

const active = new Set<string>();
const onSignal = (sig: NodeJS.Signals): void => {
  for (const t of active) safeUnlink(t);
  active.clear();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  // Die of the same signal, as the default handler would have, unless the program handles it itself.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
};
const onExit = (): void => {
  for (const t of active) safeUnlink(t);
};

function track(tmp: string): () => void {
  if (active.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', onExit);
  }
  active.add(tmp);
  return () => {
    active.delete(tmp);
    if (active.size === 0) {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('exit', onExit);
    }
  };
}

// ---- HTTP ----

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Socket errors that mean the host could not be reached (as opposed to a broken transfer). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no data for ${ms / 1000} s`);
  }
}

function offlineHint(url: URL, dest: string): string {
  return `download ${url.href} on a machine with internet access and pass --weights FILE (or copy it to ${dest}, where netforge looks first)`;
}

function get(u: URL, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolveP, reject) => {
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(u, { headers: { 'user-agent': `netforge/${NETFORGE_VERSION}`, 'accept-encoding': 'identity' }, timeout: timeoutMs }, resolveP);
    req.on('timeout', () => req.destroy(new TimeoutError(timeoutMs)));
    req.on('error', reject);
  });
}

/** GET with redirects; resolves to a 200 response whose body has not been read. */
async function request(url: URL, dest: string, o: DownloadOptions): Promise<{ res: http.IncomingMessage; finalUrl: URL }> {
  const max = o.maxRedirects ?? MAX_REDIRECTS;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let u = url;
  for (let hop = 0; ; hop++) {
    let res: http.IncomingMessage;
    try {
      res = await get(u, timeoutMs);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'error';
      throw new NetforgeError({
        code: 'E_DOWNLOAD_UNREACHABLE',
        message: `could not reach ${u.host} to download ${url.href} (${code}: ${(e as Error).message})`,
        file: url.href,
        hint: `${UNREACHABLE.has(code) ? 'the host could not be reached: this machine may be offline or a firewall blocks it; ' : ''}${offlineHint(url, dest)}`,
      });
    }
    const status = res.statusCode ?? 0;
    if (status === 200) return { res, finalUrl: u };
    res.resume(); // discard the body, free the socket
    if (REDIRECTS.has(status)) {
      const loc = res.headers.location;
      if (loc === undefined) throw httpError(url, u, status, `a ${status} redirect without a Location header`, dest);
      if (hop >= max) {
        throw new NetforgeError({
          code: 'E_DOWNLOAD_REDIRECTS',
          message: `too many redirects (more than ${max}) downloading ${url.href}`,
          file: url.href,
          hint: `the server redirects in a loop or too deep; ${offlineHint(url, dest)}`,
        });
      }
      const next = new URL(loc, u);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw httpError(url, u, status, `a redirect to unsupported ${next.protocol} URL ${next.href}`, dest);
      u = next;
      continue;
    }
    throw httpError(url, u, status, `HTTP ${status} ${res.statusMessage ?? ''}`.trim(), dest);
  }
}

function httpError(url: URL, at: URL, status: number, what: string, dest: string): NetforgeError {
  const why =
    status === 404 || status === 410
      ? 'the file does not exist at that URL: check it for typos'
      : status === 401 || status === 403
        ? 'the server refused access: the file may be private or need a login'
        : status === 429
          ? 'the server is rate-limiting requests: try again later'
          : status >= 500
            ? 'the server failed: try again later'
            : 'the server did not send the file';
  return new NetforgeError({
    code: 'E_DOWNLOAD_HTTP',
    message: `downloading ${url.href} failed: ${at.host} answered ${what}${at.href !== url.href ? ` (after redirects, at ${at.href})` : ''}`,
    file: url.href,
    hint: `${why}; or ${offlineHint(url, dest)}`,
  });
}

function cacheError(dir: string, what: string, e: unknown): NetforgeError {
  return new NetforgeError({
    code: 'E_CACHE_IO',
    message: `${what}: ${(e as Error).message}`,
    file: dir,
    hint: 'check the free space and permissions, or choose another folder with --cache-dir or $NETFORGE_CACHE',
  });
}

async function fetchToCache(url: URL, dest: string, o: DownloadOptions): Promise<Downloaded> {
  const name = basename(dest);
  const { res } = await request(url, dest, o);
  // Only now: a download that cannot start leaves no empty cache folder behind.
  try {
    mkdirSync(resolve(o.cacheDir), { recursive: true });
  } catch (e) {
    res.destroy();
    throw cacheError(o.cacheDir, `cannot create the weights cache ${o.cacheDir}`, e);
  }
  const lengthHeader = res.headers['content-length'];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const progress = o.progress ? createProgress(name, total, o.progress) : undefined;

  const tmp = tempPathFor(dest);
  const untrack = track(tmp);
  const hash = createHash('sha256');
  let received = 0;
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          hash.update(chunk);
          try {
            await fh.write(chunk);
          } catch (e) {
            throw cacheError(o.cacheDir, `cannot write ${tmp}`, e);
          }
          received += chunk.length;
          progress?.update(received);
        }
      } catch (e) {
        if (e instanceof NetforgeError) throw e;
        const timedOut = e instanceof TimeoutError;
        throw new NetforgeError({
          code: 'E_DOWNLOAD_TRUNCATED',
          message: `the download of ${url.href} broke off after ${received}${total !== undefined ? ` of ${total}` : ''} bytes (${timedOut ? (e as Error).message : ((e as { code?: string }).code ?? (e as Error).message)})`,
          file: url.href,
          hint: `the partial file was discarded; try again, or ${offlineHint(url, dest)}`,
        });
      }
      if (total !== undefined && received !== total) {
        throw new NetforgeError({
          code: 'E_DOWNLOAD_TRUNCATED',
          message: `the download of ${url.href} ended after ${received} bytes, but the server announced ${total} (Content-Length)`,
          file: url.href,
          hint: `the partial file was discarded; try again, or ${offlineHint(url, dest)}`,
        });
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    const sha256 = hash.digest('hex');
    const prefix = hashPrefixOf(name);
    if (prefix !== undefined && !sha256.startsWith(prefix)) {
      throw new NetforgeError({
        code: 'E_HASH_MISMATCH',
        message: `${name} downloaded from ${url.href} has sha256 ${sha256}, but its name says it starts with ${prefix}`,
        file: url.href,
        hint: 'the download was corrupted or the server sent a different file; it was deleted. Try again; if it persists, the URL points at the wrong file',
      });
    }
    await rename(tmp, dest);
    progress?.done();
    return { path: dest, cached: false, bytes: received, sha256 };
  } catch (e) {
    progress?.fail();
    res.destroy();
    safeUnlink(tmp);
    throw e instanceof NetforgeError ? e : cacheError(o.cacheDir, `cannot store ${name} in the cache`, e);
  } finally {
    untrack();
  }
}
