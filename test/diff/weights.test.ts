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
import { inspectModel, type InspectOptions } from '../../src/inspect.js';
import { diffModels } from '../../src/diff.js';
import { isNetforgeError } from '../../src/errors.js';
import { WEIGHTS_META } from '../../src/passes/loadStateDict.js';
import { writeCheckpoint } from '../weights/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'netforge-diff-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Load `file` into B with `--weights` (strict or not): the params it left to the seed, or the error code. */
function load(b: string, bo: InspectOptions, file: string, strict: boolean): { readonly initialized: readonly string[] } | { readonly error: string } {
  try {
    const m = inspectModel(ZOO.get(b)!, { ...bo, weights: file, ...(strict ? {} : { strictWeights: false }) });
    const meta = JSON.parse(m.graph.meta.get(WEIGHTS_META)!) as { initialized?: string[] };
    return { initialized: meta.initialized ?? [] };
  } catch (e) {
    if (isNetforgeError(e)) return { error: e.code };
    throw e;
  }
}

const CASES: readonly (readonly [string, InspectOptions, string, InspectOptions, string])[] = [
  ['cifar_resnet20', {}, 'cifar_resnet32', {}, 'no-strict'],
  ['cifar_resnet20', {}, 'cifar_resnet20', { numClasses: 100 }, 'strict, head fresh'],
  ['cifar_resnet20', { numClasses: 100 }, 'cifar_resnet32', { numClasses: 10 }, 'no-strict, head fresh'],
  ['resnet18', {}, 'resnet50', {}, 'fails'],
  ['cifar_resnet32', {}, 'cifar_resnet20', {}, 'no-strict (extra keys)'],
  ['resnet18', {}, 'resnet18', { inChans: 1 }, 'strict, the stem adapted by --in-chans'],
  ['resnet18', { inChans: 4 }, 'resnet18', { inChans: 2 }, 'fails: a 4-channel stem cannot be widened'],
  ['resnet50', {}, 'deeplabv3_resnet50', {}, "strict: a backbone's weights into backbone.*, the heads fresh"],
  ['fcn_resnet50', { auxLoss: true }, 'fcn_resnet50', {}, 'strict: the auxiliary head left out'],
];

describe('the verdict on A\'s checkpoint is what --weights does', () => {
  test.each(CASES)('%s %o -> %s %o: %s', (a, ao, b, bo, what) => {
    const file = join(dir, `${a}-${JSON.stringify(ao).replace(/\W/g, '')}.safetensors`);
    writeCheckpoint(file, a, ao);
    const B = { label: b, model: inspectModel(ZOO.get(b)!, bo), def: ZOO.get(b)!, numClassesSet: bo.numClasses !== undefined, ...(bo.inChans !== undefined ? { inChans: bo.inChans } : {}) };
    const d = diffModels({ label: a, model: inspectModel(ZOO.get(a)!, ao) }, B);
    const v = d.weights.verdict;
    const strict = load(b, bo, file, true);
    const loose = load(b, bo, file, false);
    const strictOk = v.ok && !v.noStrict && !v.numClasses;
    // the two checkpoints --weights adapts first say so in the verdict
    expect(v.checkpointNotes.length > 0).toBe(/backbone\.\*|auxiliary head left out/.test(what));
    expect('initialized' in strict).toBe(strictOk);
    expect('initialized' in loose).toBe(v.ok && !v.numClasses);
    const refused = { error: v.adaptError !== undefined ? 'E_IN_CHANS' : 'E_STATE_DICT' };
    if (!strictOk) expect(strict).toEqual(refused);
    if ('initialized' in loose) expect([...loose.initialized].sort()).toEqual([...v.fresh].sort());
    else expect(loose).toEqual(refused);
  });
});
