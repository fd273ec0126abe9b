/** The text summary fits a 100-column terminal for the biggest zoo models, at every depth, with and without colors. */
import { describe, expect, test } from 'vitest';
import { summaryCommand } from '../../src/cli/commands/summary.js';
import { visibleWidth } from '../../src/backends/report/ansi.js';
import { runCommand } from './io.js';

describe.each(['resnet152', 'resnext101_32x8d'])('%s', (model) => {
  test.each([
    [1, false],
    [2, false],
    [3, false],
    [3, true],
  ])('--depth %i (tty %s): no line wider than 100 columns', async (depth, tty) => {
    const r = await runCommand(summaryCommand, [model, '--depth', String(depth)], tty);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const widest = Math.max(...lines.map(visibleWidth));
    expect(widest).toBeLessThanOrEqual(100);
    expect(widest).toBeGreaterThan(60); // the table is there
    if (tty) expect(r.out).toMatch(/\u001b\[1m/);
    else expect(r.out).not.toMatch(/\u001b/);
  });
});
