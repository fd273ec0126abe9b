import { describe, expect, test } from 'vitest';
import { BAR_WIDTH, PLAIN_STEP_BYTES, REDRAW_MS, createProgress, renderBar, renderLine } from './progress.js';

const MIB = 1024 * 1024;

function sink(isTTY: boolean): { write: (s: string) => void; isTTY: boolean; text: () => string } {
  let out = '';
  return { write: (s) => void (out += s), isTTY, text: () => out };
}

describe('progress', () => {
  test('renders a bar with percent, sizes and rate', () => {
    expect(renderBar('w.pth', 25 * MIB, 100 * MIB, 2000)).toBe(`w.pth [${'#'.repeat(BAR_WIDTH / 4)}${'-'.repeat((BAR_WIDTH * 3) / 4)}]  25%  25.0/100.0 MiB  12.5 MiB/s`);
    expect(renderBar('w.pth', 3 * MIB, undefined, 0)).toBe('w.pth  3.0 MiB');
    expect(renderBar('w.pth', 200, 100, 1000)).toContain('100%');
  });

  test('without a terminal: one plain line per 10%, no carriage returns', () => {
    const s = sink(false);
    const p = createProgress('w.pth', 1000, s, () => 0);
    for (let r = 0; r <= 1000; r += 7) p.update(r);
    p.update(1000);
    p.done();
    const lines = s.text().trimEnd().split('\n');
    expect(lines).toEqual([renderLine('w.pth', 0, 1000), ...[10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((pct) => expect.stringContaining(`: ${pct}% (`))]);
    expect(s.text()).not.toContain('\r');
  });

  test('without a terminal and without a size: a line per step, and the total at the end', () => {
    const s = sink(false);
    const p = createProgress('w.pth', undefined, s, () => 0);
    p.update(PLAIN_STEP_BYTES / 2);
    p.update(PLAIN_STEP_BYTES + 1);
    p.update(PLAIN_STEP_BYTES + 5 * MIB);
    p.done();
    expect(s.text().trimEnd().split('\n')).toEqual(['downloading w.pth: 0.0 MiB', 'downloading w.pth: 16.0 MiB', 'downloading w.pth: 21.0 MiB']);
  });

  test('on a terminal: redrawn in place, throttled, ended with a newline', () => {
    const s = sink(true);
    let t = 0;
    const p = createProgress('w.pth', 100, s, () => t);
    p.update(10); // draws
    t += REDRAW_MS / 2;
    p.update(20); // too soon
    t += REDRAW_MS;
    p.update(30); // draws
    p.done();
    const frames = s.text().split('\r').filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toContain(' 10%');
    expect(frames[1]).toContain(' 30%');
    expect(frames[2]).toMatch(/ 30%.*\n$/s);
  });

  test('a failed transfer ends the line so the error starts fresh; nothing after', () => {
    const s = sink(true);
    const p = createProgress('w.pth', 100, s, () => 1000);
    p.update(50);
    p.fail();
    p.update(60);
    p.done();
    expect(s.text().endsWith('\n')).toBe(true);
    expect(s.text()).not.toContain('60%');
  });
});
