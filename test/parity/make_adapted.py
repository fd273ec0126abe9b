"""Checkpoints that need an adapter, built with torch, and torch's outputs for them.

usage: make_adapted.py OUT_DIR SIZE SEED

One torchvision resnet18 (10 classes, non-trivial BatchNorm) saved four ways, each with
the input and the output the adapted network must give:
- lightning.ckpt: a PyTorch Lightning-shaped training checkpoint: the network as the
  module's `self.model` (every key `model.`), with an Adam optimizer state, loops,
  callbacks and hyper-parameters around it. Output of the network itself on x3.
- renamed.pth: keys `backbone.` + the torchvision names, the classifier as `head.fc.`.
  Output on x3.
- rgb.pth: the plain state dict. in1: the network with conv1 replaced by a 1-channel conv
  whose weight is conv1's summed over RGB (timm's adapt_input_conv for in_chans=1), on x1.
  in4: conv1 widened to 4 channels, RGB weights repeated and scaled by 3/4 (in_chans=4), on x4.
"""
import copy
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cases import randomize_batchnorm  # noqa: E402 (beside this file)


def with_input_channels(model, weight):
    conv = model.conv1
    new = torch.nn.Conv2d(weight.shape[1], conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=False)
    with torch.no_grad():
        new.weight.copy_(weight)
    model.conv1 = new
    return model


def main():
    out, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = torchvision.models.resnet18(num_classes=10)
    randomize_batchnorm(model, gen)
    model.eval()
    sd = model.state_dict()

    def save_npy(name, t):
        np.save(os.path.join(out, name), t.detach().numpy().astype("<f4"))

    x3 = torch.randn(2, 3, size, size, generator=gen)
    with torch.no_grad():
        save_npy("x3.npy", x3)
        save_npy("y3.npy", model(x3))

    # Lightning: LightningModule.state_dict() prefixes the attribute name; the training state rides along.
    # (on a copy: the step changes the weights, and state_dict() holds the live tensors)
    trained = copy.deepcopy(model).train()
    opt = torch.optim.Adam(trained.parameters(), lr=1e-3)
    trained(x3).sum().backward()
    opt.step()  # creates exp_avg / exp_avg_sq tensors, as a real checkpoint has
    ckpt = {
        "epoch": 3,
        "global_step": 120,
        "pytorch-lightning_version": "2.4.0",
        "state_dict": {f"model.{k}": v for k, v in sd.items()},
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 4, "completed": 3}}}},
        "callbacks": {"ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min'}": {"best_model_score": torch.tensor(0.25), "best_model_path": "/runs/epoch=2.ckpt"}},
        "optimizer_states": [opt.state_dict()],
        "lr_schedulers": [],
        "hparams_name": "kwargs",
        "hyper_parameters": {"lr": 1e-3, "num_classes": 10, "betas": (0.9, 0.999)},
    }
    torch.save(ckpt, os.path.join(out, "lightning.ckpt"))

    renamed = {(f"head.{k}" if k.startswith("fc.") else f"backbone.{k}"): v for k, v in sd.items()}
    torch.save(renamed, os.path.join(out, "renamed.pth"))
    torch.save(sd, os.path.join(out, "rgb.pth"))

    w = sd["conv1.weight"]
    x1 = torch.randn(2, 1, size, size, generator=gen)
    x4 = torch.randn(2, 4, size, size, generator=gen)
    m1 = with_input_channels(copy.deepcopy(model), w.sum(dim=1, keepdim=True)).eval()
    m4 = with_input_channels(copy.deepcopy(model), w.repeat(1, math.ceil(4 / 3), 1, 1)[:, :4] * (3 / 4)).eval()
    with torch.no_grad():
        save_npy("x1.npy", x1)
        save_npy("y1.npy", m1(x1))
        save_npy("x4.npy", x4)
        save_npy("y4.npy", m4(x4))
    print(json.dumps({"torch": torch.__version__, "keys": len(sd)}))


if __name__ == "__main__":
    main()
