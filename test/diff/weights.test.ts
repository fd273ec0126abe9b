/**
 * What the diff says `--weights` of A's checkpoint does to B is what it does: a checkpoint
 * of A (written as torch saves one, counters included) loaded into B strictly and not,
 * against the verdict, and the params left fresh against those the load initialized.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ZOO } from '../../src/zoo/index.js';
import type { ModelOptions } from '../../src/dsl/model.js';
import { inspectModel } from '../../src/inspect.js';
import { diffModels } from '../../src/diff.js';
import { isNetforgeError } from '../../src/errors.js';
import { WEIGHTS_META } from '../../src/passes/loadStateDict.js';
import { writeCheckpoint } from '../weights/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-diff-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Load `file` into B with `--weights` (strict or not): the params it left to the seed, or the error code. */
function load(b: string, bo: ModelOptions, file: string, strict: boolean): { readonly initialized: readonly string[] } | { readonly error: string } {
  try {
    const m = inspectModel(ZOO.get(b)!, { ...bo, weights: file, ...(strict ? {} : { strictWeights: false }) });
    const meta = JSON.parse(m.graph.meta.get(WEIGHTS_META)!) as { initialized?: string[] };
    return { initialized: meta.initialized ?? [] };
  } catch (e) {
    if (isNetforgeError(e)) return { error: e.code };
    throw e;
  }
}

const CASES: readonly (readonly [string, ModelOptions, string, ModelOptions, string])[] = [
  ['cifar_resnet20', {}, 'cifar_resnet32', {}, 'no-strict'],
  ['cifar_resnet20', {}, 'cifar_resnet20', { numClasses: 100 }, 'strict, head fresh'],
  ['cifar_resnet20', { numClasses: 100 }, 'cifar_resnet32', { numClasses: 10 }, 'no-strict, head fresh'],
  ['resnet18', {}, 'resnet50', {}, 'fails'],
  ['cifar_resnet32', {}, 'cifar_resnet20', {}, 'no-strict (extra keys)'],
];

describe('the verdict on A\'s checkpoint is what --weights does', () => {
  test.each(CASES)('%s %o -> %s %o: %s', (a, ao, b, bo) => {
    const file = join(dir, `${a}-${JSON.stringify(ao).replace(/\W/g, '')}.safetensors`);
    writeCheckpoint(file, a, ao);
    const d = diffModels({ label: a, model: inspectModel(ZOO.get(a)!, ao) }, { label: b, model: inspectModel(ZOO.get(b)!, bo), numClassesSet: bo.numClasses !== undefined });
    const v = d.weights.verdict;
    const strict = load(b, bo, file, true);
    const loose = load(b, bo, file, false);
    const strictOk = v.ok && !v.noStrict && !v.numClasses;
    expect('initialized' in strict).toBe(strictOk);
    expect('initialized' in loose).toBe(v.ok && !v.numClasses);
    if (!strictOk) expect(strict).toEqual({ error: 'E_STATE_DICT' });
    if ('initialized' in loose) expect([...loose.initialized].sort()).toEqual([...v.fresh].sort());
    else expect(loose).toEqual({ error: 'E_STATE_DICT' });
  });
});
