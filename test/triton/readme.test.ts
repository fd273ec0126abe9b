/**
 * README "Serving at scale": every ```console block is run, in order, in one fresh folder, and
 * must print exactly what the README shows (stdout and stderr as a terminal shows them
 * together). `netforge` is the built CLI; other commands are the shell's.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BIN } from '../helpers/cli.js';

const README = resolve(import.meta.dirname, '../../README.md');

interface Step {
  readonly command: string;
  readonly expected: string;
}

/** The ```console blocks of one README section, as commands (`$ ...`, `\` continuations joined) and their output. */
export function transcripts(markdown: string, section: string): Step[] {
  const start = markdown.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`no section ${section}`);
  const end = markdown.indexOf('\n## ', start + 1);
  const body = markdown.slice(start, end < 0 ? undefined : end);
  const steps: { command: string; expected: string[] }[] = [];
  for (const block of body.matchAll(/```console\n([^]*?)```/g)) {
    const lines = block[1]!.split('\n');
    lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('$ ')) {
        let command = line.slice(2);
        while (command.endsWith('\\')) command = `${command.slice(0, -1)}${lines[++i]!.trim()}`.replace(/ {2,}/g, ' ');
        steps.push({ command, expected: [] });
      } else steps[steps.length - 1]!.expected.push(line);
    }
  }
  return steps.map((s) => ({ command: s.command, expected: s.expected.join('\n') }));
}

describe('README "Serving at scale" transcripts', () => {
  const steps = transcripts(readFileSync(README, 'utf8'), 'Serving at scale');
  const cwd = mkdtempSync(join(tmpdir(), 'netforge-readme-'));
  const bin = join(cwd, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'netforge'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'netforge'), 0o755);

  test('there are transcripts to run', () => {
    expect(steps.length).toBeGreaterThanOrEqual(8);
  });
  // In order: each command runs where the one before left the folder.
  test.each(steps.map((s, i) => [i + 1, s.command, s] as const))('%i: $ %s', (_, __, step) => {
    const r = spawnSync('/bin/sh', ['-c', `{ ${step.command}\n} 2>&1`], { cwd, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` }, timeout: 120_000 });
    expect(r.stdout.replace(/\n$/, '')).toBe(step.expected);
  });
});
