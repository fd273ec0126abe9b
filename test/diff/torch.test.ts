/**
 * The weight compatibility `netforge diff` reports is the one torch reports: A's
 * state_dict loaded into B with load_state_dict, for torchvision's own models. Size
 * mismatches (resnet50 -> resnext50_32x4d: 176 of 320 entries, which torch refuses even
 * with strict=False), missing keys (resnet18 -> resnet34) and unexpected keys (resnet34 ->
 * resnet18), in torch's order, and whether a strict load succeeds.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { diffCommand } from '../../src/cli/commands/diff.js';
import type { DiffJson } from '../../src/backends/report/diffJson.js';
import { runCommand } from '../report/io.js';
import { pythonHas, runPython } from '../helpers/python.js';

const ORACLE = `
import json, re, sys
import torch, torchvision
out = {}
for a_name, b_name in json.loads(sys.argv[1]):
    a = getattr(torchvision.models, a_name)()
    b = getattr(torchvision.models, b_name)()
    sd = a.state_dict()
    res = {'entries': len(sd), 'sizeMismatch': [], 'missing': [], 'unexpected': []}
    try:
        r = b.load_state_dict(sd, strict=False)
        res['missing'], res['unexpected'] = list(r.missing_keys), list(r.unexpected_keys)
    except RuntimeError as e:
        shape = lambda s: [int(x) for x in s.split(', ') if x]
        found = re.findall(r'size mismatch for ([\\w.]+): copying a param with shape torch\\.Size\\(\\[([\\d, ]*)\\]\\) from checkpoint, the shape in current model is torch\\.Size\\(\\[([\\d, ]*)\\]\\)', str(e))
        res['sizeMismatch'] = [{'name': n, 'a': shape(x), 'b': shape(y)} for n, x, y in found]
    try:
        b.load_state_dict(sd, strict=True)
        res['strict'] = True
    except RuntimeError:
        res['strict'] = False
    out[a_name + ' ' + b_name] = res
print(json.dumps(out))
`;

const PAIRS = [
  ['resnet50', 'resnext50_32x4d'],
  ['resnet18', 'resnet34'],
  ['resnet34', 'resnet18'],
] as const;

interface TorchLoad {
  readonly entries: number;
  readonly sizeMismatch: readonly unknown[];
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly strict: boolean;
}

describe.skipIf(!pythonHas().torch)("weight compatibility = torch's load_state_dict", () => {
  let oracle: Record<string, TorchLoad> = {};
  // one Python process for every pair: importing torch is most of its time
  beforeAll(() => {
    oracle = JSON.parse(runPython(ORACLE, [JSON.stringify(PAIRS)])) as Record<string, TorchLoad>;
  });
  test.each(PAIRS)('%s -> %s', async (a, b) => {
    const torch = oracle[`${a} ${b}`]!;
    const r = await runCommand(diffCommand, [a, b, '--json']);
    const w = (JSON.parse(r.out) as DiffJson).weights;
    expect(w.entries).toBe(torch.entries);
    expect(w.shapeChanged).toEqual(torch.sizeMismatch);
    expect(w.onlyInB).toEqual(torch.missing);
    expect(w.onlyInA).toEqual(torch.unexpected);
    // a strict load succeeds for torch exactly when netforge's does (counters aside: torch fills in missing ones, netforge ignores them)
    expect(w.verdict.ok && !w.verdict.noStrict && !w.verdict.numClasses).toBe(torch.strict);
    if (a === 'resnet50') expect(torch.sizeMismatch.length).toBe(176);
  });
});
