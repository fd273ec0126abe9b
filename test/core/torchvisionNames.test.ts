/** Every param and buffer has torchvision's state_dict name and shape (num_batches_tracked aside). */
import { describe, expect, test } from 'vitest';
import { ZOO } from '../../src/zoo/index.js';
import { buildModel } from '../../src/dsl/model.js';
import { pythonHas, runPython } from '../helpers/python.js';

const TORCHVISION = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d', 'resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet50_2', 'wide_resnet101_2'];
/** Built with aux_loss (the auxiliary head's names too) and no weights_backbone (nothing downloaded). */
const SEGMENTATION = ['deeplabv3_resnet50', 'deeplabv3_resnet101', 'fcn_resnet50', 'fcn_resnet101'];

// Builds the models on the meta device when torch allows it; otherwise skips weight init, which dominates construction time.
const SCRIPT = `
import json, sys, torch, torchvision
torch.nn.init.kaiming_normal_ = lambda t, *a, **k: t
torch.nn.init.kaiming_uniform_ = lambda t, *a, **k: t
torch.nn.init.uniform_ = lambda t, *a, **k: t
torch.nn.init.normal_ = lambda t, *a, **k: t
out = {}
for name in sys.argv[1:]:
    fn = getattr(torchvision.models, name, None)
    seg = getattr(torchvision.models.segmentation, name, None)
    if fn is None and seg is None:
        continue
    sd = (seg(weights_backbone=None, aux_loss=True) if seg is not None else fn()).state_dict()
    out[name] = [[k, list(v.shape)] for k, v in sd.items() if not k.endswith('num_batches_tracked')]
print(json.dumps(out))
`;

describe.runIf(pythonHas().torch)('state_dict names match torchvision', () => {
  const ref = JSON.parse(runPython(SCRIPT, [...TORCHVISION, ...SEGMENTATION])) as Record<string, [string, number[]][]>;
  for (const name of [...TORCHVISION, ...SEGMENTATION]) {
    test.runIf(ref[name] !== undefined)(name, () => {
      const g = buildModel(ZOO.get(name)!, SEGMENTATION.includes(name) ? { auxLoss: true } : {});
      const ours = [...g.params.values()].map((p) => [p.name, [...p.shape]]);
      expect(ours).toEqual(ref[name]);
    });
  }
});
