/**
 * README "Segmentation: DeepLabV3 and FCN": its ```console blocks run in order in one fresh
 * folder (with the model file its ```ts block names) and print exactly what the README shows;
 * only the compile time differs from run to run.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sourceFiles, transcriptFolder, transcripts } from '../helpers/readme.js';
import { pythonHas } from '../helpers/python.js';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const SECTION = 'Segmentation: DeepLabV3 and FCN';
const untimed = (s: string): string => s.replace(/^( {2}time {5})\d+\.\d+ s$/gm, '$1# s');

describe.skipIf(!pythonHas().torch)('README "Segmentation" transcripts', () => {
  const steps = transcripts(README, SECTION);
  const { run } = transcriptFolder(sourceFiles(README, SECTION));
  test('there are transcripts to run', () => expect(steps.length).toBe(5));
  test.each(steps.map((s, i) => [i + 1, s.command, s] as const))('%i: $ %s', (_, __, step) => {
    expect(untimed(run(step.command))).toBe(untimed(step.expected));
  });
});
