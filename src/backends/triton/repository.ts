/**
 * Writing one version of a model into a Triton repository, all or nothing:
 *
 *   <repo>/<name>/config.pbtxt      model files: written if absent, kept if identical,
 *   <repo>/<name>/labels.txt        replaced only with force (E_TRITON_CONFIG_EXISTS otherwise)
 *   <repo>/<name>/<version>/...     built in a hidden temp folder beside it, checked, then renamed
 *                                   into place (an existing version is replaced only with force)
 *
 * Other versions and files are never touched. Order: everything is written to temp names
 * first (the version folder, then the checks on it), then under a lock on the version: the old
 * version (if replaced) is moved aside, the new one renamed in, the model files renamed in as a
 * group (./io/atomicWrite.ts), the old version removed. A failure at any step before the last
 * puts back what was there. Not covered: a process killed (SIGKILL, power loss) between those
 * renames. Ctrl-C or SIGTERM while the temp folder exists removes it, then stops the process.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NetforgeError } from '../../errors.js';
import { atomicWriteFilesSync } from '../../io/atomicWrite.js';
import { acquireLock, lockPathFor, processAlive } from '../../io/fileLock.js';
import { outputError } from '../../io/outputError.js';
import { assertWritable } from '../../io/outputTarget.js';
import { guardSignals } from '../../io/signalGuard.js';

export interface VersionWrite {
  readonly repo: string;
  readonly name: string;
  readonly version: number;
  /** Replace an existing version, and model files whose content differs. */
  readonly force?: boolean;
  /** Fill the (empty, fresh) temp version folder. */
  readonly writeVersion: (dir: string) => void;
  /** Check the filled temp folder before anything is committed (a throw leaves the repository as it was). */
  readonly verify?: (dir: string) => Promise<void> | void;
  /** Files of the model folder (config.pbtxt, label files), by file name. */
  readonly modelFiles: Readonly<Record<string, string>>;
  /** Outputs outside the model folder written in the same step (a KServe manifest, a request example). */
  readonly outputs?: readonly { readonly path: string; readonly content: string }[];
}

export interface WrittenVersion {
  readonly modelDir: string;
  readonly versionDir: string;
  /** An existing version was replaced (force). */
  readonly replaced: boolean;
  /** Model files written (new or replaced); the others were already identical. */
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
}

const TEMP_RE = /^\.(\d+)\.(\d+)\.[0-9a-f]{8}\.(tmp|old)$/;

function notAFolder(path: string, what: string): NetforgeError {
  return new NetforgeError({ code: 'E_TRITON_REPO_NOT_DIR', message: `${path} is a file, not a folder: it cannot hold ${what}`, file: path, hint: 'give --repo a folder (it is created if missing), or move the file away' });
}

function isFile(path: string): boolean {
  return existsSync(path) && !statSync(path).isDirectory();
}

/**
 * What can be refused before any work: the repository or model path is a file, the version
 * exists (without force), an output cannot be written. Export calls it before compiling.
 */
export function preflight(o: Pick<VersionWrite, 'repo' | 'name' | 'version' | 'force' | 'outputs'>): void {
  if (isFile(o.repo)) throw notAFolder(o.repo, 'a model repository');
  const modelDir = join(o.repo, o.name);
  if (isFile(modelDir)) throw notAFolder(modelDir, `model ${o.name}`);
  const versionDir = join(modelDir, String(o.version));
  if (existsSync(versionDir) && o.force !== true) {
    throw new NetforgeError({
      code: 'E_TRITON_VERSION_EXISTS',
      message: `${versionDir} already exists`,
      file: versionDir,
      hint: `export as another version (--model-version ${nextVersion(modelDir)}), or replace this one with --force`,
    });
  }
  for (const out of o.outputs ?? []) assertWritable(out.path);
}

/** The lowest version number above every version folder in `modelDir`. */
export function nextVersion(modelDir: string): number {
  let max = 0;
  try {
    for (const n of readdirSync(modelDir)) if (/^[1-9]\d*$/.test(n)) max = Math.max(max, Number(n));
  } catch {
    // no model folder yet
  }
  return max + 1;
}

/** Model files that differ from what is on disk; E_TRITON_CONFIG_EXISTS for one that differs, unless forced. */
function changedModelFiles(modelDir: string, files: Readonly<Record<string, string>>, force: boolean): { written: string[]; unchanged: string[] } {
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(modelDir, name);
    if (!existsSync(path)) {
      written.push(name);
      continue;
    }
    if (statSync(path).isDirectory()) throw new NetforgeError({ code: 'E_TRITON_CONFIG_EXISTS', message: `${path} is a folder`, file: path, hint: `remove it: netforge writes ${name} there` });
    if (readFileSync(path, 'utf8') === content) {
      unchanged.push(name);
      continue;
    }
    if (!force) {
      throw new NetforgeError({
        code: 'E_TRITON_CONFIG_EXISTS',
        message: `${path} exists with different content`,
        file: path,
        hint: `the model's other versions are served with it: export with the same options, or replace it with --force (it then applies to every version; netforge check-repo checks them all)`,
      });
    }
    written.push(name);
  }
  return { written, unchanged };
}

/** Temp folders of writers that are no longer running. */
function removeStaleTemps(modelDir: string): void {
  let names: string[];
  try {
    names = readdirSync(modelDir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_RE.exec(n);
    if (m !== null && Number(m[2]) !== process.pid && !processAlive(Number(m[2]))) rmSync(join(modelDir, n), { recursive: true, force: true });
  }
}

const tempName = (version: number, kind: 'tmp' | 'old'): string => `.${version}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`;

function mkdirs(path: string, created: string[]): void {
  if (existsSync(path)) return;
  const parent = join(path, '..');
  if (parent !== path) mkdirs(parent, created);
  try {
    mkdirSync(path);
  } catch (e) {
    throw outputError(path, e);
  }
  created.push(path);
}

/** Write one version of a model (see the file comment). */
export async function writeModelVersion(o: VersionWrite): Promise<WrittenVersion> {
  const force = o.force ?? false;
  preflight(o);
  const modelDir = join(o.repo, o.name);
  const versionDir = join(modelDir, String(o.version));
  changedModelFiles(modelDir, o.modelFiles, force);
  const created: string[] = [];
  mkdirs(modelDir, created);
  removeStaleTemps(modelDir);
  const tmp = join(modelDir, tempName(o.version, 'tmp'));
  const unguard = guardSignals(() => [tmp], (p) => rmSync(p, { recursive: true, force: true }));
  try {
    try {
      mkdirSync(tmp);
    } catch (e) {
      throw outputError(tmp, e);
    }
    o.writeVersion(tmp);
    await o.verify?.(tmp);
    return commit(o, modelDir, versionDir, tmp, force);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    for (const dir of created.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty: someone else wrote into it meanwhile
      }
    }
    throw e;
  } finally {
    unguard();
  }
}

function commit(o: VersionWrite, modelDir: string, versionDir: string, tmp: string, force: boolean): WrittenVersion {
  let release: () => void;
  try {
    release = acquireLock(lockPathFor(versionDir));
  } catch (e) {
    throw outputError(versionDir, e);
  }
  try {
    // Checked again under the lock: another writer may have been faster.
    const { written, unchanged } = changedModelFiles(modelDir, o.modelFiles, force);
    const exists = existsSync(versionDir);
    if (exists && !force) preflight(o);
    const old = exists ? join(modelDir, tempName(o.version, 'old')) : undefined;
    if (old !== undefined) renameSync(versionDir, old);
    try {
      renameSync(tmp, versionDir);
    } catch (e) {
      if (old !== undefined) renameSync(old, versionDir);
      throw outputError(versionDir, e);
    }
    try {
      const files = [...(o.outputs ?? []).map((x) => ({ path: x.path, chunks: x.content })), ...written.map((n) => ({ path: join(modelDir, n), chunks: o.modelFiles[n]! }))];
      if (files.length > 0) atomicWriteFilesSync(files);
    } catch (e) {
      rmSync(versionDir, { recursive: true, force: true });
      if (old !== undefined) renameSync(old, versionDir);
      throw e;
    }
    if (old !== undefined) rmSync(old, { recursive: true, force: true });
    return { modelDir, versionDir, replaced: exists, written, unchanged };
  } finally {
    release();
  }
}
