/** README "What a variant changes": its ```console blocks run in order in one fresh folder and print exactly what the README shows. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { transcriptFolder, transcripts } from '../helpers/readme.js';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const SECTION = 'What a variant changes: `netforge diff`';

describe('README "netforge diff" transcripts', () => {
  const steps = transcripts(README, SECTION);
  const { run } = transcriptFolder();
  test('there are transcripts to run', () => expect(steps.length).toBe(5));
  test.each(steps.map((s, i) => [i + 1, s.command, s] as const))('%i: $ %s', (_, __, step) => {
    expect(run(step.command)).toBe(step.expected);
  });
});
