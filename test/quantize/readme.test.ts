/**
 * README "int8 quantization": every ```console block is run, in order, in one fresh folder,
 * and must print exactly what the README shows. (The transcripts with timings and
 * machine-dependent lines are ```text blocks, printed by the commands they show.)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { transcriptFolder, transcripts } from '../helpers/readme.js';

describe('README "int8 quantization" transcripts', () => {
  const steps = transcripts(readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8'), 'int8 quantization');
  const { run } = transcriptFolder();
  test('there are transcripts to run', () => {
    expect(steps.length).toBeGreaterThanOrEqual(4);
  });
  test.each(steps.map((s, i) => [i + 1, s.command, s] as const))('%i: $ %s', (_, __, step) => {
    expect(run(step.command)).toBe(step.expected);
  });
});
