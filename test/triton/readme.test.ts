/**
 * README "Serving at scale": every ```console block is run, in order, in one fresh folder, and
 * must print exactly what the README shows (stdout and stderr as a terminal shows them
 * together). `netforge` is the built CLI; other commands are the shell's.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { transcriptFolder, transcripts } from '../helpers/readme.js';

const README = resolve(import.meta.dirname, '../../README.md');

describe('README "Serving at scale" transcripts', () => {
  const steps = transcripts(readFileSync(README, 'utf8'), 'Serving at scale');
  const { run } = transcriptFolder();

  test('there are transcripts to run', () => {
    expect(steps.length).toBeGreaterThanOrEqual(8);
  });
  // In order: each command runs where the one before left the folder.
  test.each(steps.map((s, i) => [i + 1, s.command, s] as const))('%i: $ %s', (_, __, step) => {
    expect(run(step.command)).toBe(step.expected);
  });
});
