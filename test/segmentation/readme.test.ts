/**
 * README "Segmentation: DeepLabV3 and FCN": its ```console blocks run in order in one fresh
 * folder (with the model file its ```ts block names) and print exactly what the README shows;
 * only the compile time differs from run to run.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe } from 'vitest';
import { readmeSectionTests } from '../helpers/readme.js';
import { pythonHas } from '../helpers/python.js';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe.skipIf(!pythonHas().torch)('README "Segmentation" transcripts', () => readmeSectionTests(README, 'Segmentation: DeepLabV3 and FCN', 5));
