"""Parity fixtures: torchvision models with non-trivial BatchNorm, their weights, an input and the output.

usage: make_cases.py OUT_DIR CASES_JSON

CASES_JSON is a list of {"name", "model", "format": "zip"|"legacy", "num_classes",
"replace_stride_with_dilation" (optional), "size", "batch", "seed"}. For each case this
writes OUT_DIR/<name>/{weights.pth, input.npy, expected.npy} and prints one JSON line
per case with the output shape and torch's version.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision


def randomize_batchnorm(model, gen):
    # Fresh BatchNorm is the identity (gamma 1, beta 0, mean 0, var 1): give every one
    # real statistics so that folding and eps handling are exercised.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
                m.num_batches_tracked.fill_(1234)


def make(case, out_dir):
    torch.manual_seed(case["seed"])
    kwargs = {"num_classes": case["num_classes"]}
    if case.get("replace_stride_with_dilation") is not None:
        kwargs["replace_stride_with_dilation"] = case["replace_stride_with_dilation"]
    model = getattr(torchvision.models, case["model"])(**kwargs)
    gen = torch.Generator().manual_seed(case["seed"] + 1)
    randomize_batchnorm(model, gen)
    model.eval()

    d = os.path.join(out_dir, case["name"])
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "weights.pth")
    if case["format"] == "legacy":
        torch.save(model.state_dict(), path, _use_new_zipfile_serialization=False)
    else:
        torch.save(model.state_dict(), path)

    x = torch.randn(case["batch"], 3, case["size"], case["size"], generator=gen)
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(d, "input.npy"), x.numpy().astype("<f4"))
    np.save(os.path.join(d, "expected.npy"), y.numpy().astype("<f4"))
    return {"name": case["name"], "output_shape": list(y.shape), "torch": torch.__version__, "torchvision": torchvision.__version__}


def main():
    out_dir, cases = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(1)
    for case in cases:
        print(json.dumps(make(case, out_dir)), flush=True)


if __name__ == "__main__":
    main()
