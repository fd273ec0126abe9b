import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { nextVersion, preflight, writeModelVersion } from './repository.js';
import { errorOf } from '../../../test/helpers/errors.js';

const root = mkdtempSync(join(tmpdir(), 'netforge-repo-'));
const write = (repo: string, version: number, config: string, extra: { force?: boolean } = {}) =>
  writeModelVersion({ repo, name: 'm', version, ...extra, modelFiles: { 'config.pbtxt': config }, writeVersion: (d) => writeFileSync(join(d, 'model.onnx'), `v${version}`) });

describe('writing a version', () => {
  test('creates the repository, writes the version and the model files; the next version keeps an identical config', async () => {
    const repo = join(root, 'a', 'models');
    const w = await write(repo, 1, 'name: "m"\n');
    expect([w.replaced, w.written, w.unchanged]).toEqual([false, ['config.pbtxt'], []]);
    expect(readFileSync(join(repo, 'm', '1', 'model.onnx'), 'utf8')).toBe('v1');
    const w2 = await write(repo, 2, 'name: "m"\n');
    expect([w2.written, w2.unchanged]).toEqual([[], ['config.pbtxt']]);
    expect(readdirSync(join(repo, 'm')).sort()).toEqual(['1', '2', 'config.pbtxt']);
    expect(nextVersion(join(repo, 'm'))).toBe(3);
  });
  test('refusals before anything is written: an existing version, a differing config, a repository or model path that is a file', async () => {
    const repo = join(root, 'b');
    await write(repo, 1, 'name: "m"\n');
    expect(errorOf(() => preflight({ repo, name: 'm', version: 1 })).code).toBe('E_TRITON_VERSION_EXISTS');
    expect(await write(repo, 2, 'name: "m"\nmax_batch_size: 1\n').catch((e: unknown) => e)).toMatchObject({ code: 'E_TRITON_CONFIG_EXISTS' });
    expect(existsSync(join(repo, 'm', '2'))).toBe(false);
    writeFileSync(join(root, 'file'), '');
    expect(errorOf(() => preflight({ repo: join(root, 'file'), name: 'm', version: 1 })).code).toBe('E_TRITON_REPO_NOT_DIR');
    mkdirSync(join(root, 'c'));
    writeFileSync(join(root, 'c', 'm'), '');
    expect(errorOf(() => preflight({ repo: join(root, 'c'), name: 'm', version: 1 })).code).toBe('E_TRITON_REPO_NOT_DIR');
  });
  test('--force replaces the version and the config; a failing check leaves no temp folder and no new folders', async () => {
    const repo = join(root, 'd');
    await write(repo, 1, 'name: "m"\n');
    const w = await writeModelVersion({ repo, name: 'm', version: 1, force: true, modelFiles: { 'config.pbtxt': 'name: "m"\nmax_batch_size: 2\n' }, writeVersion: (d) => writeFileSync(join(d, 'model.onnx'), 'new') });
    expect([w.replaced, w.written]).toEqual([true, ['config.pbtxt']]);
    expect(readFileSync(join(repo, 'm', '1', 'model.onnx'), 'utf8')).toBe('new');
    const fresh = join(root, 'e', 'deep');
    const e = await writeModelVersion({ repo: fresh, name: 'm', version: 1, modelFiles: {}, writeVersion: () => {}, verify: () => Promise.reject(new Error('no')) }).catch((x: unknown) => x);
    expect((e as Error).message).toBe('no');
    expect(existsSync(join(root, 'e'))).toBe(false);
    expect(readdirSync(join(repo, 'm')).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
