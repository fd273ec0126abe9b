/**
 * Golden summaries (depth 1, 2, 3) and diagrams of resnet18 and cifar_resnet20, exactly as
 * `netforge summary --depth N` prints them and `netforge report --svg` writes them.
 * Rewrite with UPDATE_GOLDEN=1 after an intended change, and review the diff.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { summaryCommand } from '../../src/cli/commands/summary.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { expectGolden } from './golden.js';
import { runCommand } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-report-golden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['resnet18', 'cifar_resnet20'])('%s', (model) => {
  test.each([1, 2, 3])('summary --depth %i', async (depth) => {
    const r = await runCommand(summaryCommand, [model, '--depth', String(depth)]);
    expect(r.code).toBe(0);
    expectGolden(`report-summary-${model}-d${depth}.txt`, r.out);
  });
  test('report --svg', async () => {
    const out = join(dir, `${model}.svg`);
    const r = await runCommand(reportCommand, [model, '--svg', '-o', out]);
    expect(r.code).toBe(0);
    expectGolden(`report-diagram-${model}.svg`, readFileSync(out, 'utf8'));
  });
});
