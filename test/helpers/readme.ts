/** README transcripts: the ```console blocks of a section, run in order, must print what the README shows. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { BIN } from './cli.js';

export interface Step {
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

/** The ```ts blocks of a section that begin with `// <file name>`: files the transcripts use. */
export function sourceFiles(markdown: string, section: string): Record<string, string> {
  const start = markdown.indexOf(`\n## ${section}\n`);
  const end = markdown.indexOf('\n## ', start + 1);
  const body = markdown.slice(start, end < 0 ? undefined : end);
  const out: Record<string, string> = {};
  for (const block of body.matchAll(/```ts\n\/\/ ([\w.-]+)\n([^]*?)```/g)) out[block[1]!] = block[2]!;
  return out;
}

/** A fresh folder whose PATH finds the built CLI as `netforge` (and `npx netforge`). */
export function transcriptFolder(files: Readonly<Record<string, string>> = {}): { readonly cwd: string; readonly run: (command: string) => string } {
  const cwd = mkdtempSync(join(tmpdir(), 'netforge-readme-'));
  const bin = join(cwd, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'netforge'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = netforge ] && shift\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'netforge'), 0o755);
  chmodSync(join(bin, 'npx'), 0o755);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const run = (command: string): string => {
    const r = spawnSync('/bin/sh', ['-c', `{ ${command}\n} 2>&1`], { cwd, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` }, timeout: 120_000 });
    return r.stdout.replace(/\n$/, '');
  };
  return { cwd, run };
}

/** Compile times differ from run to run: `  time     1.61 s` reads the same whatever the figure. */
export const untimed = (s: string): string => s.replace(/^( {2}time {5})\d+\.\d+ s$/gm, '$1# s');

/**
 * The tests of one README section: its ```console blocks run in order in one fresh folder (with
 * the files its ```ts blocks name) and print exactly what the README shows, but for the compile time.
 */
export function readmeSectionTests(markdown: string, section: string, minSteps: number): void {
  const steps = transcripts(markdown, section);
  const { run } = transcriptFolder(sourceFiles(markdown, section));
  test('there are transcripts to run', () => expect(steps.length).toBeGreaterThanOrEqual(minSteps));
  test.each(steps.map((s, i) => [i + 1, s.command, s] as const))('%i: $ %s', (_, __, step) => {
    expect(untimed(run(step.command))).toBe(untimed(step.expected));
  });
}
