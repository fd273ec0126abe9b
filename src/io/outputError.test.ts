import { describe, expect, test } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetforgeError } from '../errors.js';
import { freeBytes, outputError } from './outputError.js';

const errno = (code: string, message = `${code}: something, write`): Error => Object.assign(new Error(message), { code });

describe('outputError', () => {
  test('a full disk names the output, its size and the free space, and says the old file is untouched', () => {
    const out = join(tmpdir(), 'model.onnx');
    const e = outputError(out, errno('ENOSPC'), 275_000_000) as NetforgeError;
    expect(e).toBeInstanceOf(NetforgeError);
    expect(e.code).toBe('E_OUTPUT_IO');
    expect(e.file).toBe(out);
    expect(e.message).toMatch(new RegExp(`^cannot write ${out}: no space left on the device \\(the output is 275\\.0 MB, [\\d.]+ (MB|GB) free there\\) \\[ENOSPC\\]$`));
    expect(e.hint).toMatch(/previous file, if any, is untouched/);
  });
  test.each([
    ['ENOENT', /its directory does not exist/, /create the directory/],
    ['EACCES', /permission denied/, /permissions/],
    ['EROFS', /read-only/, /writable filesystem/],
    ['EISDIR', /is a directory/, /path of a file/],
  ])('%s says why and how to fix it', (code, why, hint) => {
    const e = outputError('/x/y.onnx', errno(code)) as NetforgeError;
    expect(e.message).toMatch(why);
    expect(e.message).toContain(`[${code}]`);
    expect(e.hint).toMatch(hint);
  });
  test('ENOENT in a directory that exists: it takes no new files (/proc), not "does not exist"', () => {
    const e = outputError('/proc/x.onnx', errno('ENOENT')) as NetforgeError;
    expect(e.message).toBe('cannot write /proc/x.onnx: its directory does not accept new files [ENOENT]');
  });
  test('an errno it has no words for keeps the system message', () => {
    const e = outputError('/x/y.onnx', errno('EIO', 'EIO: i/o error, write')) as NetforgeError;
    expect(e.message).toBe('cannot write /x/y.onnx: EIO: i/o error [EIO]');
  });
  test('bugs (no errno) and NetforgeErrors pass through unchanged', () => {
    const bug = new TypeError('x is not a function');
    expect(outputError('/x', bug)).toBe(bug);
    const arg = Object.assign(new TypeError('bad arg'), { code: 'ERR_INVALID_ARG_TYPE' });
    expect(outputError('/x', arg)).toBe(arg);
    const nf = new NetforgeError({ code: 'E_BAD_ARG', message: 'm' });
    expect(outputError('/x', nf)).toBe(nf);
  });
  test('freeBytes reads the filesystem, and is undefined for a path that does not exist', () => {
    expect(freeBytes(tmpdir())).toBeGreaterThan(0);
    expect(freeBytes('/nonexistent-dir-netforge')).toBeUndefined();
  });
});
