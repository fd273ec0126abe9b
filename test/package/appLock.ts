/**
 * A package-lock.json for a fresh app that depends on a packed netforge tarball, built from
 * this repository's own lockfile: the same versions and integrity hashes `npm ci` installed
 * here. With it, `npm ci --offline` in the app takes every package from npm's cache (where
 * this repository's `npm ci` put them) and fetches nothing: without a lockfile npm would
 * need each package's registry metadata to resolve version ranges, which `npm ci` does not
 * cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly resolved?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

export interface Lockfile {
  readonly name: string;
  readonly lockfileVersion: 3;
  readonly requires: true;
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/** Where Node would find `name` from the package at `from` (a lockfile path like `node_modules/a`). */
function locate(packages: Readonly<Record<string, LockEntry>>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i < 0 ? '' : dir.slice(0, i);
  }
}

/** Lockfile flags that describe the repository's tree (dev, optional), not the app's. */
const FLAGS = new Set(['dev', 'optional', 'devOptional', 'peer']);

export interface AppLockOptions {
  readonly appName: string;
  /** The app's dependencies, exactly as its package.json lists them. */
  readonly dependencies: Readonly<Record<string, string>>;
  /** netforge's tarball, relative to the app (`file:` spec), and its absolute path. */
  readonly tarballSpec: string;
  readonly tarballPath: string;
  /** netforge's package.json (as packed). */
  readonly netforge: Readonly<Record<string, unknown>>;
  /** This repository's package-lock.json. */
  readonly repoLock: Lockfile;
}

export function appLockfile(o: AppLockOptions): Lockfile {
  const repo = o.repoLock.packages;
  const pkg = o.netforge as { version: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; peerDependenciesMeta?: unknown; bin?: unknown; engines?: unknown; license?: string };
  const out: Record<string, LockEntry> = {
    '': { name: o.appName, dependencies: { ...o.dependencies } },
    'node_modules/netforge': {
      version: pkg.version,
      resolved: o.tarballSpec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(o.tarballPath)).digest('base64')}`,
      ...(pkg.license !== undefined ? { license: pkg.license } : {}),
      dependencies: pkg.dependencies ?? {},
      ...(pkg.peerDependencies !== undefined ? { peerDependencies: pkg.peerDependencies, peerDependenciesMeta: pkg.peerDependenciesMeta } : {}),
      ...(pkg.bin !== undefined ? { bin: pkg.bin } : {}),
      ...(pkg.engines !== undefined ? { engines: pkg.engines } : {}),
    },
  };
  const queue: Array<[string, LockEntry]> = [];
  const add = (from: string, name: string): void => {
    const at = locate(repo, from, name);
    if (at === undefined) throw new Error(`${name} (needed by ${from || 'the app'}) is not in this repository's package-lock.json`);
    if (out[at] !== undefined) return;
    const entry = Object.fromEntries(Object.entries(repo[at]!).filter(([k]) => !FLAGS.has(k))) as LockEntry;
    out[at] = entry;
    queue.push([at, entry]);
  };
  for (const name of Object.keys(pkg.dependencies ?? {})) add('node_modules/netforge', name);
  for (const name of Object.keys(o.dependencies)) if (name !== 'netforge') add('', name);
  while (queue.length > 0) {
    const [at, entry] = queue.shift()!;
    for (const name of Object.keys({ ...entry.dependencies })) add(at, name);
    // optional dependencies (platform binaries) are only in the lock when the repository installed them
    for (const name of Object.keys({ ...entry.optionalDependencies })) if (locate(repo, at, name) !== undefined) add(at, name);
  }
  return { name: o.appName, lockfileVersion: 3, requires: true, packages: out };
}
