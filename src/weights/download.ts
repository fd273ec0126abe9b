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
 * - A name without a hash is checked another way before it is cached (`validate`: the CLI
 *   parses it as a weights file), so an HTML login page or a body cut short by a lying
 *   Content-Length is never cached under a weights name.
 * - Redirects are followed (at most MAX_REDIRECTS). Limits (DownloadLimits, each settable
 *   by an option or an environment variable): the response headers must arrive within
 *   `timeoutMs` of the request, the body may be idle at most `timeoutMs`, must arrive at
 *   `minBytesPerSecond` or faster over every `rateWindowMs`, must end within `deadlineMs`,
 *   and may be at most `maxBytes` long (a larger Content-Length is refused before the body).
 *   HTTP errors, unreachable hosts, broken connections and invalid HTTP each get their own
 *   words, and say how to proceed offline.
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { basename, join, resolve } from 'node:path';
import { NetforgeError } from '../errors.js';
import { removeStaleTemps, safeUnlink, tempPathFor } from '../io/atomicWrite.js';
import { onTerminatingSignal } from '../io/signalGuard.js';
import { NETFORGE_VERSION } from '../version.js';
import { createProgress, type ProgressSink } from './progress.js';

export const MAX_REDIRECTS = 5;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CACHE_DIR = 'model_data';
export const CACHE_ENV = 'NETFORGE_CACHE';

/** Bounds on one download (see the file comment); defaults from DownloadLimits' environment variables, else DEFAULT_LIMITS. */
export interface DownloadLimits {
  /** Response headers within this long of the request; the body idle at most this long. */
  readonly timeoutMs?: number;
  /** The whole download (request to last byte) within this long. */
  readonly deadlineMs?: number;
  /** The body at this rate or faster, measured over every `rateWindowMs`. */
  readonly minBytesPerSecond?: number;
  readonly rateWindowMs?: number;
  /** At most this many bytes (default 4 GiB: netforge cannot hold a larger weights file anyway). */
  readonly maxBytes?: number;
}

export const DEFAULT_LIMITS: Required<DownloadLimits> = {
  timeoutMs: DEFAULT_TIMEOUT_MS,
  deadlineMs: 60 * 60_000,
  minBytesPerSecond: 10 * 1024,
  rateWindowMs: 30_000,
  maxBytes: 2 ** 32,
};

/** The environment variables that set the limits (seconds; bytes per second; bytes). */
export const LIMIT_ENV = {
  timeoutMs: 'NETFORGE_DOWNLOAD_TIMEOUT',
  deadlineMs: 'NETFORGE_DOWNLOAD_DEADLINE',
  minBytesPerSecond: 'NETFORGE_DOWNLOAD_MIN_RATE',
  maxBytes: 'NETFORGE_DOWNLOAD_MAX_BYTES',
} as const;

/** The limits an environment sets (E_USAGE for a value that is not a number >= 0). */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): DownloadLimits {
  const out: { -readonly [K in keyof DownloadLimits]: number } = {};
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof typeof LIMIT_ENV, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0 || raw.trim() === '') {
      throw new NetforgeError({ code: 'E_USAGE', message: `$${name} must be a number >= 0, got '${raw}'`, hint: `unset it for the default (${describeLimit(key, DEFAULT_LIMITS[key])})`, exitCode: 2 });
    }
    out[key] = key === 'timeoutMs' || key === 'deadlineMs' ? v * 1000 : v;
  }
  return out;
}

function describeLimit(key: keyof typeof LIMIT_ENV, v: number): string {
  return key === 'timeoutMs' || key === 'deadlineMs' ? `${v / 1000} s` : key === 'minBytesPerSecond' ? `${v} bytes/s` : `${v} bytes`;
}

export interface DownloadOptions extends DownloadLimits {
  /** The cache folder (created if needed). */
  readonly cacheDir: string;
  /** Where progress goes (stderr in the CLI); none when absent. */
  readonly progress?: ProgressSink;
  /** Default MAX_REDIRECTS. */
  readonly maxRedirects?: number;
  /**
   * For a name without a hash: throws if the downloaded file (its temp path) is not what the
   * name promises (the CLI parses it as weights). It is then not cached (E_DOWNLOAD_INVALID).
   */
  readonly validate?: (path: string) => void;
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
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f-\u009f]/.test(name) || name.startsWith('.')) {
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

/** Where the cache in `cacheDir` keeps the file of `url` (throws E_DOWNLOAD_URL for a URL without a file name). */
export function cachePathFor(url: string, cacheDir: string): string {
  return join(resolve(cacheDir), cacheNameFor(parseDownloadUrl(url)));
}

const inFlight = new Map<string, Promise<Downloaded>>();

/** Download `url` into the cache (once); resolves to the cached file. */
export function download(url: string, o: DownloadOptions): Promise<Downloaded> {
  let u: URL;
  let dest: string;
  try {
    u = parseDownloadUrl(url);
    dest = cachePathFor(url, o.cacheDir);
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

// ---- temp files of downloads in progress: removed on exit and on a terminating signal ----

const active = new Set<string>();
let releaseSignals: (() => void) | undefined;
const onExit = (): void => {
  for (const t of active) safeUnlink(t);
};

function track(tmp: string): () => void {
  if (active.size === 0) {
    releaseSignals = onTerminatingSignal(() => {
      onExit();
      active.clear();
    });
    process.on('exit', onExit);
  }
  active.add(tmp);
  return () => {
    active.delete(tmp);
    if (active.size === 0) {
      releaseSignals?.();
      releaseSignals = undefined;
      process.removeListener('exit', onExit);
    }
  };
}

// ---- HTTP ----

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Socket errors that mean the host could not be reached (as opposed to a broken transfer). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ETIMEDOUT']);

/** A limit ran out (the message says which); raised by our own timers. */
class LimitError extends Error {
  constructor(
    message: string,
    readonly code: 'ETIMEDOUT' | 'ESLOW' | 'EDEADLINE' | 'ETOOBIG',
  ) {
    super(message);
  }
}

function offlineHint(url: URL, dest: string): string {
  return `download ${url.href} on a machine with internet access and pass --weights FILE (or copy it to ${dest}, where netforge looks first)`;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/** A request whose response headers must arrive within `timeoutMs` (trickled headers included). */
function get(u: URL, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolveP, reject) => {
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(u, { headers: { 'user-agent': `netforge/${NETFORGE_VERSION}`, 'accept-encoding': 'identity' } }, (res) => {
      clearTimeout(timer);
      resolveP(res);
    });
    const timer = setTimeout(() => req.destroy(new LimitError(`no response within ${seconds(timeoutMs)}`, 'ETIMEDOUT')), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** What a failed connection or request means, in words, and whether the host was reached at all. */
function describeFailure(e: unknown): { readonly code: string; readonly what: string; readonly unreachable: boolean } {
  const code = (e as { code?: string }).code ?? 'error';
  const message = (e as Error).message;
  if (e instanceof LimitError) return { code, what: message, unreachable: false };
  if (code.startsWith('HPE_')) return { code, what: `the server's answer is not valid HTTP (${message})`, unreachable: false };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { code, what: 'the server closed the connection', unreachable: false };
  return { code, what: message, unreachable: UNREACHABLE.has(code) };
}

/** GET with redirects; resolves to a 200 response whose body has not been read. */
async function request(url: URL, dest: string, o: DownloadOptions, limits: Required<DownloadLimits>): Promise<{ res: http.IncomingMessage; finalUrl: URL }> {
  const max = o.maxRedirects ?? MAX_REDIRECTS;
  let u = url;
  for (let hop = 0; ; hop++) {
    let res: http.IncomingMessage;
    try {
      res = await get(u, limits.timeoutMs);
    } catch (e) {
      const f = describeFailure(e);
      throw new NetforgeError({
        code: f.unreachable || e instanceof LimitError ? 'E_DOWNLOAD_UNREACHABLE' : 'E_DOWNLOAD_HTTP',
        message: f.unreachable ? `could not reach ${u.host} to download ${url.href} (${f.code}: ${f.what})` : `downloading ${url.href} failed: ${u.host}: ${f.what} [${f.code}]`,
        file: url.href,
        hint: `${f.unreachable ? 'the host could not be reached: this machine may be offline or a firewall blocks it; ' : ''}${offlineHint(url, dest)}`,
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

/**
 * Stream the body into `fh` (hashing it on the way) under the limits; resolves to the bytes
 * received. Rejects with a LimitError, a cache write error (wrapped), or the connection's
 * error; `count.arrived` says how many bytes had arrived by then (written or not).
 */
function receive(res: http.IncomingMessage, fh: FileHandle, hash: Hash, limits: Required<DownloadLimits>, started: number, count: { arrived: number }, onBytes: (n: number) => void): Promise<number> {
  return new Promise((resolveP, reject) => {
    let received = 0;
    let windowStart = Date.now();
    let windowBytes = 0;
    let done = false;
    let writes: Promise<void> = Promise.resolve();
    const timers: NodeJS.Timeout[] = [];
    const finish = (e?: unknown): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      clearInterval(rate);
      if (e === undefined) resolveP(received);
      else {
        res.destroy();
        reject(e);
      }
    };
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => finish(new LimitError(`no data for ${seconds(limits.timeoutMs)}`, 'ETIMEDOUT')), limits.timeoutMs);
      timers.push(idle);
    };
    armIdle();
    timers.push(setTimeout(() => finish(new LimitError(`not finished within the ${seconds(limits.deadlineMs)} deadline`, 'EDEADLINE')), Math.max(0, started + limits.deadlineMs - Date.now())));
    const rate = setInterval(() => {
      const now = Date.now();
      const perSecond = (windowBytes * 1000) / (now - windowStart);
      if (perSecond < limits.minBytesPerSecond) {
        finish(new LimitError(`${windowBytes} bytes in the last ${seconds(now - windowStart)} (${perSecond.toFixed(0)} bytes/s), below the minimum of ${limits.minBytesPerSecond} bytes/s`, 'ESLOW'));
      }
      windowStart = now;
      windowBytes = 0;
    }, limits.rateWindowMs);
    res.on('data', (chunk: Buffer) => {
      if (done) return;
      received += chunk.length;
      count.arrived = received;
      windowBytes += chunk.length;
      if (received > limits.maxBytes) return finish(new LimitError(`more than the limit of ${limits.maxBytes} bytes`, 'ETOOBIG'));
      armIdle();
      hash.update(chunk);
      res.pause();
      writes = writes.then(
        async () => {
          await fh.write(chunk);
          onBytes(received);
          if (!done) res.resume();
        },
      ).catch((e: unknown) => finish(Object.assign(new Error('write'), { cause: e, cacheWrite: true })));
    });
    res.on('end', () => void writes.then(() => finish()));
    res.on('error', (e) => finish(e));
    res.on('close', () => {
      if (!res.complete) finish(Object.assign(new Error('the connection closed before the end of the body'), { code: 'ECONNRESET' }));
    });
  });
}

async function fetchToCache(url: URL, dest: string, o: DownloadOptions): Promise<Downloaded> {
  const name = basename(dest);
  const limits: Required<DownloadLimits> = { ...DEFAULT_LIMITS, ...limitsFromEnv(), ...definedLimits(o) };
  const started = Date.now();
  const { res } = await request(url, dest, o, limits);
  const lengthHeader = res.headers['content-length'];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  if (total !== undefined && total > limits.maxBytes) {
    res.destroy();
    throw new NetforgeError({
      code: 'E_DOWNLOAD_TOO_LARGE',
      message: `${url.href} is ${total} bytes (Content-Length), more than the limit of ${limits.maxBytes} bytes`,
      file: url.href,
      hint: `raise the limit with $${LIMIT_ENV.maxBytes} if the file is right, or ${offlineHint(url, dest)}`,
    });
  }
  // Only now: a download that cannot start leaves no empty cache folder behind.
  try {
    mkdirSync(resolve(o.cacheDir), { recursive: true });
  } catch (e) {
    res.destroy();
    throw cacheError(o.cacheDir, `cannot create the weights cache ${o.cacheDir}`, e);
  }
  const progress = o.progress ? createProgress(name, total, o.progress) : undefined;

  // a download killed by SIGKILL left its temp file: removed once its process is gone
  removeStaleTemps(dest);
  const tmp = tempPathFor(dest);
  const untrack = track(tmp);
  const hash = createHash('sha256');
  let received = 0;
  const count = { arrived: 0 };
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      try {
        received = await receive(res, fh, hash, limits, started, count, (n) => progress?.update(n));
      } catch (e) {
        const cause = (e as { cacheWrite?: boolean; cause?: unknown }).cacheWrite ? (e as { cause?: unknown }).cause : undefined;
        if (cause !== undefined) throw cacheError(o.cacheDir, `cannot write ${tmp}`, cause);
        throw brokeOff(url, dest, e, count.arrived, total, limits);
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
    if (prefix === undefined && o.validate !== undefined) {
      try {
        o.validate(tmp);
      } catch (e) {
        const why = e instanceof NetforgeError ? `${e.message.split(tmp).join(name)} [${e.code}]` : String(e);
        throw new NetforgeError({
          code: 'E_DOWNLOAD_INVALID',
          message: `${url.href} answered with ${received} bytes that are not a usable weights file: ${why}`,
          file: url.href,
          hint: `it was not cached. The server may have sent an error or login page, or a file cut short; check the URL (a name with a sha256 prefix, name-<hex>.pth, is checked by its hash instead), or ${offlineHint(url, dest)}`,
        });
      }
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

/** The limits given as options (undefined fields left to the environment and the defaults). */
function definedLimits(o: DownloadLimits): DownloadLimits {
  const out: { -readonly [K in keyof DownloadLimits]: number } = {};
  for (const k of ['timeoutMs', 'deadlineMs', 'minBytesPerSecond', 'rateWindowMs', 'maxBytes'] as const) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function brokeOff(url: URL, dest: string, e: unknown, received: number, total: number | undefined, limits: Required<DownloadLimits>): NetforgeError {
  const f = describeFailure(e);
  const tooBig = f.code === 'ETOOBIG';
  return new NetforgeError({
    code: tooBig ? 'E_DOWNLOAD_TOO_LARGE' : f.code === 'ESLOW' || f.code === 'EDEADLINE' || f.code === 'ETIMEDOUT' ? 'E_DOWNLOAD_STALLED' : 'E_DOWNLOAD_TRUNCATED',
    message: `the download of ${url.href} ${tooBig ? 'was stopped' : 'broke off'} after ${received}${total !== undefined ? ` of ${total}` : ''} bytes: ${f.what}`,
    file: url.href,
    hint: `the partial file was discarded; ${
      tooBig
        ? `raise the limit with $${LIMIT_ENV.maxBytes} (now ${limits.maxBytes}) if the file is right, or `
        : f.code === 'ESLOW' || f.code === 'EDEADLINE'
          ? `try again later, or allow more with $${LIMIT_ENV.minBytesPerSecond} / $${LIMIT_ENV.deadlineMs}, or `
          : 'try again, or '
    }${offlineHint(url, dest)}`,
  });
}
