/**
 * Golden `netforge diff` output, exactly as printed: output stride 8 and ResNet-18 against
 * ResNet-34 at the default depth, ResNet-50 against ResNeXt-50 at depth 1. Rewrite with UPDATE_GOLDEN=1 after an
 * intended change, and review the diff.
 */
import { describe, expect, test } from 'vitest';
import { diffCommand } from '../../src/cli/commands/diff.js';
import { expectGolden } from '../report/golden.js';
import { runCommand } from '../report/io.js';

describe('netforge diff, golden text', () => {
  test.each([
    ['diff-resnet50-os8.txt', ['resnet50', '--', 'resnet50', '--replace-stride-with-dilation', 'false,true,true']],
    ['diff-resnet18-resnet34.txt', ['resnet18', 'resnet34']],
    ['diff-resnet50-resnext50_32x4d-d1.txt', ['resnet50', 'resnext50_32x4d', '--depth', '1']],
  ] as const)('%s', async (file, argv) => {
    const r = await runCommand(diffCommand, argv);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expectGolden(file, r.out);
  });
});
