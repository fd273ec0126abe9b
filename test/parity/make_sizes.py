"""Parity fixtures at several input sizes: one torchvision model, its weights, inputs and outputs.

usage: make_sizes.py OUT_DIR CASES_JSON

CASES_JSON is a list of {"name", "model", "kwargs", "sizes": [[h, w], ...], "seed",
"layers": null | {"layer1": "layer1", ...}}. "model" is a function of torchvision.models or
of torchvision.models.segmentation (whose kwargs should include "weights_backbone": null:
nothing is downloaded). For each case this writes OUT_DIR/<name>/ weights.pth (the whole
model's state dict, BatchNorm given non-trivial statistics) and, for each size i,
input_i.npy and the outputs: expected_i.npy for a model with one output, or
expected_i_<name>.npy per output of a model that returns a dict (a segmentation model's
"out" and "aux") or per returned layer when "layers" asks for torchvision's
IntermediateLayerGetter.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from torchvision.models._utils import IntermediateLayerGetter

sys.path.insert(0, os.path.dirname(__file__))
from make_cases import randomize_batchnorm  # noqa: E402


def make(case, out_dir):
    torch.manual_seed(case["seed"])
    build = getattr(torchvision.models, case["model"], None) or getattr(torchvision.models.segmentation, case["model"])
    model = build(**case.get("kwargs", {}))
    gen = torch.Generator().manual_seed(case["seed"] + 1)
    randomize_batchnorm(model, gen)
    model.eval()
    d = os.path.join(out_dir, case["name"])
    os.makedirs(d, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(d, "weights.pth"))
    layers = case.get("layers")
    run = IntermediateLayerGetter(model, return_layers=layers).eval() if layers else model
    shapes = []
    for i, (h, w) in enumerate(case["sizes"]):
        x = torch.randn(1, 3, h, w, generator=gen)
        with torch.no_grad():
            y = run(x)
        np.save(os.path.join(d, f"input_{i}.npy"), x.numpy().astype("<f4"))
        if isinstance(y, dict):
            for k, v in y.items():
                np.save(os.path.join(d, f"expected_{i}_{k}.npy"), v.numpy().astype("<f4"))
            shapes.append({k: list(v.shape) for k, v in y.items()})
        else:
            np.save(os.path.join(d, f"expected_{i}.npy"), y.numpy().astype("<f4"))
            shapes.append(list(y.shape))
    return {"name": case["name"], "shapes": shapes}


def main():
    out_dir, cases = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(2)
    for case in cases:
        print(json.dumps(make(case, out_dir)), flush=True)


if __name__ == "__main__":
    main()
