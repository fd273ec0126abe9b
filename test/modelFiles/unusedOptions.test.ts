/**
 * A command-line model option the model never reads is a usage error naming the flag and
 * the model file (exit 2), unless --allow-unused-options says to build anyway.
 * examples/my-resnet.ts passes --num-classes and --zero-init-residual on, and fixes its
 * own dilation.
 */
import { describe, expect, test } from 'vitest';
import { resolve } from 'node:path';
import { netforge } from '../helpers/cli.js';

const repo = resolve(import.meta.dirname, '../..');
const run = (...args: string[]) => netforge(args, { cwd: repo });

describe('options a model file never reads', () => {
  test('--replace-stride-with-dilation on a model with its own dilation: exit 2, the flag, the model file and its line', () => {
    const r = run('summary', 'examples/my-resnet.ts', '--depth', '1', '--replace-stride-with-dilation', 'false,false,true');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error[E_UNUSED_OPTION]: --replace-stride-with-dilation has no effect: the model resnet50_dilated (examples/my-resnet.ts) never reads replaceStrideWithDilation');
    expect(r.stderr).toContain('--> at examples/my-resnet.ts:13:16');
    expect(r.stderr).toContain('add --allow-unused-options');
  });

  test('--allow-unused-options builds it anyway; options the model reads are used', () => {
    const anyway = run('summary', 'examples/my-resnet.ts', '--depth', '1', '--replace-stride-with-dilation', 'false,false,true', '--allow-unused-options');
    expect(anyway.code).toBe(0);
    const ten = run('summary', 'examples/my-resnet.ts', '--depth', '1', '--num-classes', '10', '--zero-init-residual');
    expect(ten.code).toBe(0);
    expect(ten.stdout).toContain('logits [N, 10]');
  });
});
